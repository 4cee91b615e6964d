"""Configuration of the ticket domain: statuses and the workflow, types, categories, business
areas, the priority matrix, tags and custom field definitions (edited in the admin)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ticketdesk.core.translatable import Translatable, base_language, normalise_language, pick

from ..config import cached


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
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    MESSENGER = "messenger", _("Messenger")
    INSTAGRAM = "instagram", _("Instagram")


# channels whose customer replies go out through a messaging app (channels.messaging), not mail
MESSAGING_CHANNELS = frozenset(
    {Channel.TELEGRAM, Channel.WHATSAPP, Channel.MESSENGER, Channel.INSTAGRAM}
)


class StatusColour(models.TextChoices):
    """The colours a status badge may take: a fixed palette whose light and dark variants are
    chosen in the style sheet for readable contrast (classes `status--<colour>`)."""

    SLATE = "slate", _("Slate")
    BLUE = "blue", _("Blue")
    TEAL = "teal", _("Teal")
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")
    PINK = "pink", _("Pink")
    PURPLE = "purple", _("Purple")


# the colour a status gets when none is chosen: one per category
CATEGORY_COLOURS: dict[str, StatusColour] = {
    StatusCategory.NEW: StatusColour.AMBER,
    StatusCategory.OPEN: StatusColour.BLUE,
    StatusCategory.PENDING: StatusColour.PURPLE,
    StatusCategory.RESOLVED: StatusColour.GREEN,
    StatusCategory.CLOSED: StatusColour.SLATE,
}


class Status(Translatable):
    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=10, choices=StatusCategory.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_default = models.BooleanField(
        _("default for new tickets"),
        default=False,
        help_text=_("New tickets start in this status."),
    )
    is_working = models.BooleanField(
        _("default for assigned tickets"),
        default=False,
        help_text=_(
            "Assigning a new ticket moves it here, and a customer's reply brings an assigned "
            "ticket back here (an open-category status, e.g. “In progress”)."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    colour = models.CharField(
        _("colour"),
        max_length=10,
        choices=StatusColour.choices,
        default=StatusColour.BLUE,
        db_default=StatusColour.BLUE,  # the previous release inserts statuses without it
        help_text=_("The colour of the status badge on ticket lists, tickets and the diagram."),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("status")
        verbose_name_plural = _("statuses")


class Transition(models.Model):
    """An allowed move from one status to another (the workflow)."""

    from_status = models.ForeignKey(Status, on_delete=models.CASCADE, related_name="transitions")
    to_status = models.ForeignKey(Status, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=60, blank=True, default="")
    required_fields = models.JSONField(
        _("required fields"),
        default=list,
        db_default=models.Value([], output_field=models.JSONField()),
        blank=True,
        help_text=_(
            "What a ticket must have before an agent takes this move: “resolution_summary”, "
            "“category”, “business_area”, “ticket_type” or “custom_fields.<key>”."
        ),
    )
    ticket_types: models.ManyToManyField[TicketType, Any] = models.ManyToManyField(
        "TicketType",
        blank=True,
        related_name="+",
        verbose_name=_("ticket types"),
        help_text=_("The move is offered only for tickets of these types. Empty: every type."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_status", "to_status"], name="transition_unique")
        ]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class TicketType(Translatable):
    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    default_team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default team"),
        help_text=_("New tickets of this type go to this team when nothing more specific says."),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")


class VerificationKind(models.TextChoices):
    CHECK = "check", _("Checkbox")
    TEXT = "text", _("Text (e.g. a name)")


class VerificationStep(models.Model):
    """One item of a ticket type's verification checklist, asked when an agent resolves a
    ticket of that type ("Fix tested by", "Customer confirmed")."""

    ticket_type = models.ForeignKey(
        TicketType,
        on_delete=models.CASCADE,
        related_name="verification_steps",
        verbose_name=_("ticket type"),
    )
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=10, choices=VerificationKind.choices, default=VerificationKind.CHECK
    )
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["ticket_type", "order", "id"]
        verbose_name = _("verification step")
        verbose_name_plural = _("verification checklist")
        constraints = [
            models.UniqueConstraint(fields=["ticket_type", "key"], name="verification_step_unique")
        ]

    def __str__(self) -> str:
        return str(_(self.label))


class WorkflowSettings(models.Model):
    """One row (pk=1): how resolved tickets close. Edited in the Django admin."""

    auto_close_days = models.PositiveSmallIntegerField(
        _("close resolved tickets after (days)"),
        default=7,
        help_text=_(
            "A resolved ticket the customer neither answers nor reopens closes by itself after "
            "this many days. 0: never."
        ),
    )

    class Meta:
        verbose_name = _("workflow settings")
        verbose_name_plural = _("workflow settings")

    def __str__(self) -> str:
        return str(_("Workflow settings"))

    @classmethod
    def current(cls) -> WorkflowSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


def category_tree() -> dict[int, tuple[int | None, str, dict[str, Any]]]:
    """{id: (parent id, name, translations)} of every category, from the per-process
    configuration cache (localised paths are built from it without a query per level)."""

    def load() -> dict[int, tuple[int | None, str, dict[str, Any]]]:
        rows = Category.objects.values_list("pk", "parent_id", "name", "translations")
        return {
            pk: (parent_id, name, translations or {}) for pk, parent_id, name, translations in rows
        }

    return cached("category_tree", load)


def category_path(pk: int, language: str | None = None) -> str | None:
    """The full path of category `pk` with every level in `language` (default: the
    viewer's), from the cached tree; None if the cache does not know the category."""
    tree = category_tree()
    if pk not in tree:
        return None
    names = []
    seen: set[int] = set()
    current: int | None = pk
    while current is not None and current in tree and current not in seen:
        seen.add(current)
        parent_id, name, translations = tree[current]
        names.append(pick(translations, "name", name, language))
        current = parent_id
    return " / ".join(reversed(names))


class Category(Translatable):
    """Hierarchical: 'Hardware / Laptop / Battery'."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("full path"), max_length=500, editable=False, default="")
    active = models.BooleanField(_("active"), default=True)
    default_team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default team"),
        help_text=_("New tickets of this category (and its subcategories) go to this team."),
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_in_parent")
        ]

    def __str__(self) -> str:
        return self.localized_path()

    def untranslated(self) -> str:
        return self.path or self.compute_path()

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

    def localized_path(self, language: str | None = None) -> str:
        """The path with every level in `language` (default: the viewer's)."""
        found = category_path(self.pk, language) if self.pk is not None else None
        if found is None:  # not saved, or saved after another process filled its cache
            return self.translated("name", language) if self.parent_id is None else self.path
        return found


class ChannelDefault(models.Model):
    """The team a new ticket of a channel starts in when nothing more specific says (see
    tickets/intake.py for the order)."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, unique=True)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", verbose_name=_("team")
    )

    class Meta:
        ordering = ["channel"]
        verbose_name = _("channel default team")
        verbose_name_plural = _("channel default teams")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.team}"


class BusinessArea(Translatable):
    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business area")
        verbose_name_plural = _("business areas")


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
    USER = "user", _("Agent of the desk")
    ASSET = "asset", _("Asset from the inventory")
    FILE = "file", _("File")


# the types whose values only agents can give (the portal never asks them): customers do
# not know the agents, and the inventory lists every organisation's items
AGENT_ONLY_TYPES = (FieldType.USER, FieldType.ASSET)


class FieldSection(Translatable):
    """A named group of fields of the ticket form ("Device", "Billing"), drawn as a fieldset
    with its name as the legend in the agent's and the customer's forms."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("form section")
        verbose_name_plural = _("form sections")


class CustomFieldDefinition(Translatable):
    """A field of the ticket form. `choices` holds the values (strings, or {"value", "label"});
    the labels of the choices in other languages are `translations[lang]["choices"]`."""

    translatable_fields: ClassVar[tuple[str, ...]] = ("label", "help_text", "choices")

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
    min_length = models.PositiveIntegerField(_("minimum length"), null=True, blank=True)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    allowed_file_types = models.CharField(
        _("allowed file types"),
        max_length=300,
        blank=True,
        default="",
        db_default="",
        help_text=_("Extensions (.pdf) or content types (image/png, image/*); empty: any."),
    )
    max_file_bytes = models.PositiveBigIntegerField(
        _("largest file (bytes)"),
        null=True,
        blank=True,
        help_text=_("Empty: the desk's attachment limit (never above it)."),
    )
    show_when_category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("show only for category"),
        help_text=_("Asked only when the ticket's category is this one or below it."),
    )
    ticket_types = models.ManyToManyField(
        TicketType,
        blank=True,
        related_name="custom_fields",
        help_text=_("Empty: the field applies to every type."),
    )
    visible_to_customers = models.BooleanField(_("asked in the portal"), default=True)
    section = models.ForeignKey(
        FieldSection,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fields",
        verbose_name=_("section"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def choice_options(self, language: str | None = None) -> list[tuple[str, str]]:
        """(value, label in `language`) of each choice."""
        code = normalise_language(language or translation.get_language() or base_language())
        translations = self.translations if isinstance(self.translations, dict) else {}
        labels: dict[str, str] = {}
        for candidate in (code.split("-")[0], code):  # the specific language wins
            found = (translations.get(candidate) or {}).get("choices")
            if isinstance(found, dict):
                labels.update({str(k): str(v) for k, v in found.items() if str(v).strip()})
        options = []
        for choice in self.choices or []:
            if isinstance(choice, dict):
                value = str(choice.get("value", ""))
                label = str(choice.get("label") or value)
            else:
                value = label = str(choice)
            options.append((value, labels.get(value, label)))
        return options

    def choice_label(self, value: Any, language: str | None = None) -> str:
        return dict(self.choice_options(language)).get(str(value), str(value))
