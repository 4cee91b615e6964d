"""Ticket domain data. Models hold data and invariants; every change goes through
`tickets.actions`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Contact, Organization, Team, User


class StatusCategory(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_CATEGORIES = (StatusCategory.NEW, StatusCategory.OPEN, StatusCategory.PENDING)
DONE_CATEGORIES = (StatusCategory.RESOLVED, StatusCategory.CLOSED)


class Level(models.IntegerChoices):
    """Urgency, impact and priority share one scale."""

    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    AGENT = "agent", _("Agent")
    API = "api", _("API")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")


class Status(models.Model):
    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=10, choices=StatusCategory.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_default = models.BooleanField(
        _("default for new tickets"),
        default=False,
        help_text=_("New tickets start in this status."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("status")
        verbose_name_plural = _("statuses")

    def __str__(self) -> str:
        return str(_(self.name))


class Transition(models.Model):
    """An allowed move from one status to another (the workflow)."""

    from_status = models.ForeignKey(Status, on_delete=models.CASCADE, related_name="transitions")
    to_status = models.ForeignKey(Status, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=60, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_status", "to_status"], name="transition_unique")
        ]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class TicketType(models.Model):
    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")

    def __str__(self) -> str:
        return str(_(self.name))


class Category(models.Model):
    """Hierarchical: 'Hardware / Laptop / Battery'."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("full path"), max_length=500, editable=False, default="")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_in_parent")
        ]

    def __str__(self) -> str:
        return self.path or self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # An invariant of the row itself, not a workflow: the path mirrors the parents.
        self.path = self.compute_path()
        super().save(*args, **kwargs)

    def compute_path(self) -> str:
        names = [self.name]
        node = self.parent
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))


class BusinessArea(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business area")
        verbose_name_plural = _("business areas")

    def __str__(self) -> str:
        return self.name


class PriorityRule(models.Model):
    """One cell of the urgency × impact matrix."""

    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Level.choices)

    class Meta:
        ordering = ["-urgency", "-impact"]
        constraints = [
            models.UniqueConstraint(fields=["urgency", "impact"], name="priority_rule_unique")
        ]
        verbose_name = _("priority matrix cell")
        verbose_name_plural = _("priority matrix")

    def __str__(self) -> str:
        return f"{self.get_urgency_display()} × {self.get_impact_display()} → {self.get_priority_display()}"  # noqa: E501


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    CHECKBOX = "checkbox", _("Checkbox")


class CustomFieldDefinition(models.Model):
    key = models.SlugField(_("key"), max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=200, blank=True, default="")
    pattern = models.CharField(
        _("validation pattern"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("A regular expression text values must match."),
    )
    min_value = models.FloatField(_("minimum"), null=True, blank=True)
    max_value = models.FloatField(_("maximum"), null=True, blank=True)
    ticket_types = models.ManyToManyField(
        TicketType,
        blank=True,
        related_name="custom_fields",
        help_text=_("Empty: the field applies to every type."),
    )
    visible_to_customers = models.BooleanField(_("asked in the portal"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.label


class TicketCounter(models.Model):
    """One row holding the next ticket number; locked while a number is taken."""

    name = models.CharField(max_length=20, primary_key=True, default="ticket")
    next_value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}: {self.next_value}"


class SLAState(models.TextChoices):
    NONE = "none", _("No SLA")
    ACTIVE = "active", _("Running")
    PAUSED = "paused", _("Paused")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")


class Ticket(models.Model):
    number = models.BigIntegerField(_("number"), unique=True)
    subject = models.CharField(_("subject"), max_length=250)
    description = models.TextField(_("description"), blank=True, default="")
    requester = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("requester")
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("organization"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    ticket_type = models.ForeignKey(
        TicketType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("type"),
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("category"),
    )
    business_area = models.ForeignKey(
        BusinessArea,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("business area"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices, default=2)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices, default=2)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Level.choices, default=2)
    priority_overridden = models.BooleanField(_("priority set by hand"), default=False)
    status = models.ForeignKey(
        Status, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("status")
    )
    status_category = models.CharField(
        _("status category"),
        max_length=10,
        choices=StatusCategory.choices,
        help_text=_("Copy of status.category, for fast filtering."),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets", verbose_name=_("tags"))
    cc = models.ManyToManyField(
        Contact, blank=True, related_name="cc_tickets", verbose_name=_("CC")
    )
    watchers = models.ManyToManyField(
        User, blank=True, related_name="watched_tickets", verbose_name=_("watchers")
    )
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    # SLA: maintained by the sla app through actions; kept here for fast sorting and filtering.
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    next_response_due_at = models.DateTimeField(_("next response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    due_at = models.DateTimeField(
        _("due"), null=True, blank=True, help_text=_("The earliest open SLA target.")
    )
    sla_state = models.CharField(
        _("SLA state"), max_length=10, choices=SLAState.choices, default=SLAState.NONE
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["status_category", "-updated_at", "-id"], name="t_cat_upd"),
            # active tickets by priority (the workspace's "All open" sorted by priority)
            models.Index(
                fields=["-priority", "-updated_at", "-id"],
                name="t_active_prio",
                condition=models.Q(status_category__in=["new", "open", "pending"]),
            ),
            models.Index(fields=["assignee", "status_category", "-updated_at"], name="t_asg_cat"),
            models.Index(fields=["team", "status_category", "-updated_at"], name="t_team_cat"),
            models.Index(fields=["requester", "-created_at"], name="t_requester"),
            models.Index(fields=["organization", "-created_at"], name="t_org"),
            models.Index(fields=["status", "-updated_at"], name="t_status"),
            models.Index(fields=["priority", "-updated_at"], name="t_priority"),
            models.Index(fields=["-updated_at", "-id"], name="t_updated"),
            models.Index(fields=["-created_at", "-id"], name="t_created"),
            models.Index(fields=["due_at"], name="t_due"),
            models.Index(fields=["ticket_type", "-updated_at"], name="t_type"),
            models.Index(fields=["category", "-updated_at"], name="t_category"),
            models.Index(fields=["channel", "-created_at"], name="t_channel"),
            models.Index(fields=["sla_state", "due_at"], name="t_sla"),
            models.Index(fields=["resolved_at"], name="t_resolved"),
            models.Index(fields=["last_customer_message_at"], name="t_last_customer_msg"),
        ]

    def __str__(self) -> str:
        return f"{self.display_number} {self.subject}"

    @property
    def display_number(self) -> str:
        return f"{settings.TICKETDESK['TICKET_PREFIX']}{self.number}"

    @property
    def subject_token(self) -> str:
        return f"[{self.display_number}]"

    @property
    def is_open(self) -> bool:
        return self.status_category not in DONE_CATEGORIES


class MessageKind(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    INTERNAL = "internal", _("Internal note")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    author_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    body_html = models.TextField(_("body (sanitised HTML)"), blank=True, default="")
    body_text = models.TextField(_("body (plain text)"), blank=True, default="")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    external_message_id = models.CharField(
        _("external message id"), max_length=998, blank=True, default="", db_index=True
    )
    is_customer_message = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="msg_ticket")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.INTERNAL

    @property
    def author_name(self) -> str:
        if self.author_user_id and self.author_user:
            return self.author_user.display_name
        if self.author_contact_id and self.author_contact:
            return self.author_contact.display_name
        return str(_("System"))


def attachment_path(instance: Attachment, filename: str) -> str:
    # `filename` is already a generated safe name (see actions.attachments).
    return f"attachments/{instance.created_at:%Y/%m}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    content_id = models.CharField(max_length=255, blank=True, default="")
    is_inline = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related to")
    DUPLICATE = "duplicate", _("Duplicate of")
    PARENT = "parent", _("Parent of")
    FOLLOW_UP = "follow_up", _("Follow-up of")


class TicketLink(models.Model):
    """source —kind→ target. For PARENT the source is the parent; for DUPLICATE the source is
    the duplicate; for FOLLOW_UP the source is the new ticket."""

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=10, choices=LinkKind.choices)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="link_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="link_not_self"
            ),
        ]
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    FIELD_CHANGED = "field_changed", _("Field changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    MESSAGE_ADDED = "message_added", _("Reply added")
    NOTE_ADDED = "note_added", _("Note added")
    TAGS_CHANGED = "tags_changed", _("Tags changed")
    WATCHER_ADDED = "watcher_added", _("Watcher added")
    WATCHER_REMOVED = "watcher_removed", _("Watcher removed")
    LINKED = "linked", _("Linked")
    UNLINKED = "unlinked", _("Unlinked")
    MERGED = "merged", _("Merged")
    MERGED_INTO = "merged_into", _("Merged into another ticket")
    SPLIT = "split", _("Split")
    MESSAGE_MOVED = "message_moved", _("Message moved")
    RULE_FIRED = "rule_fired", _("Automation rule fired")
    SLA = "sla", _("SLA")
    CSAT = "csat", _("Satisfaction rating")


class TicketEvent(models.Model):
    """Append-only history: one row per change. The truth for timeline, SLA and reports."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField(max_length=60, blank=True, default="")
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="event_ticket"),
            models.Index(fields=["created_at", "id"], name="event_feed"),
            models.Index(fields=["kind", "created_at"], name="event_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.field} on {self.ticket_id}"
