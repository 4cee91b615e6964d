"""What happens on a ticket: messages, attachments, links to other tickets and the
append-only event log."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Contact, User

from .configuration import Channel
from .ticket import Ticket


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
    # the custom field of type "file" whose value it is ("": a message's attachment)
    field_key = models.CharField(max_length=60, blank=True, default="", db_default="")
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
    ESCALATED = "escalated", _("Escalated")


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


class Consultation(models.Model):
    """An internal note that asks another team for advice: the team's agents see the ticket
    (and may add notes) from then on."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="consultations")
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="consultations"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        indexes = [models.Index(fields=["team", "ticket"], name="consultation_team")]

    def __str__(self) -> str:
        return f"{self.ticket_id} asks {self.team_id}"
