"""Products, services, assets and configuration items ("items"), their relationships and
the tickets that affect them.

An item has a type; the type defines the item's custom attributes (a JSON list of
definitions: key, label, kind, required, choices) and the item stores their values (a JSON
object). A ticket links to the items it affects through `AffectedItem` (tickets' own models
are left alone)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Contact, Organization, User
from ticketdesk.tickets.models import Ticket


class AttributeKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class ItemType(models.Model):
    """Laptop, server, application, product version... with its attribute definitions:
    `[{"key": "ram_gb", "label": "RAM (GB)", "kind": "number", "required": false,
    "choices": []}]`."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    attributes = models.JSONField(_("attribute definitions"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("order", "name")
        verbose_name = _("item type")
        verbose_name_plural = _("item types")

    def __str__(self) -> str:
        return self.name


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("In use")
    MAINTENANCE = "maintenance", _("In maintenance")
    RETIRED = "retired", _("Retired")


class Item(models.Model):
    name = models.CharField(_("name"), max_length=150)
    item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="items", verbose_name=_("type")
    )
    identifier = models.CharField(
        _("identifier"),
        max_length=80,
        blank=True,
        default="",
        help_text=_("Asset tag, serial number or product code; unique when given."),
    )
    version = models.CharField(_("version"), max_length=40, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.ACTIVE
    )
    owner_contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_items",
        verbose_name=_("owner (contact)"),
    )
    owner_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_items",
        verbose_name=_("owner (organization)"),
    )
    description = models.TextField(_("description"), blank=True, default="")
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        indexes = [
            # the list's filters, each ordered by name then id (keyset pages)
            models.Index(fields=["name", "id"], name="assets_item_name"),
            models.Index(fields=["item_type", "name", "id"], name="assets_item_type_name"),
            models.Index(fields=["status", "name", "id"], name="assets_item_status_name"),
            models.Index(fields=["owner_organization", "name", "id"], name="assets_item_org_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier"],
                condition=~Q(identifier=""),
                name="assets_item_identifier_unique",
            ),
            models.CheckConstraint(
                condition=Q(owner_contact__isnull=True) | Q(owner_organization__isnull=True),
                name="assets_item_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})" if self.identifier else self.name

    @property
    def owner(self) -> Contact | Organization | None:
        return self.owner_contact or self.owner_organization


class RelationKind(models.TextChoices):
    RUNS_ON = "runs_on", _("runs on")
    DEPENDS_ON = "depends_on", _("depends on")


class ItemRelation(models.Model):
    """`source` runs on / depends on `target`."""

    source = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(_("relationship"), max_length=12, choices=RelationKind.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind"], name="assets_relation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="assets_relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class AffectedItem(models.Model):
    """A ticket affects an item."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="affected_items")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="ticket_links")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "item"], name="assets_affected_unique")
        ]
        indexes = [models.Index(fields=["item", "ticket"], name="assets_affected_item")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.item_id}"
