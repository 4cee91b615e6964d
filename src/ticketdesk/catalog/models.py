"""The service catalog: request types with their own forms and approval steps, the requests
made from them (one ticket each) and the approvals each request waits for."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Contact, Team, User
from ticketdesk.core.translatable import Translatable
from ticketdesk.tickets.models import Ticket, TicketType


class RequestType(Translatable):
    """An entry of the portal catalog ("New laptop", "Access to the finance share")."""

    translatable_fields: ClassVar[tuple[str, ...]] = ("name", "description")

    key = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True, default="")
    ticket_type = models.ForeignKey(
        TicketType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ticket type"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("fulfilling team"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True, db_index=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("request type")
        verbose_name_plural = _("request types")

    def __str__(self) -> str:
        return self.translated("name")

    @property
    def translated_description(self) -> str:
        return self.translated("description")


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    TEXTAREA = "textarea", _("Long text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    CHECKBOX = "checkbox", _("Checkbox")


class RequestField(Translatable):
    """A question of a request type's form. `choices`: a list of strings."""

    translatable_fields: ClassVar[tuple[str, ...]] = ("label", "help_text")

    request_type = models.ForeignKey(RequestType, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=FieldKind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=200, blank=True, default="")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["request_type", "order", "id"]
        verbose_name = _("request field")
        verbose_name_plural = _("request fields")
        constraints = [
            models.UniqueConstraint(fields=["request_type", "key"], name="request_field_unique")
        ]

    def __str__(self) -> str:
        return self.label


class ApproverKind(models.TextChoices):
    MANAGER = "manager", _("The requester's manager")
    TEAM = "team", _("The members of a team")
    PEOPLE = "people", _("Named people")


class ApprovalRule(models.TextChoices):
    ANY = "any", _("One of them")
    ALL = "all", _("All of them")


class ApprovalStep(models.Model):
    """One step of a request type's approval, taken in `order`."""

    request_type = models.ForeignKey(RequestType, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    kind = models.CharField(_("approvers"), max_length=10, choices=ApproverKind.choices)
    rule = models.CharField(
        _("decision"), max_length=5, choices=ApprovalRule.choices, default=ApprovalRule.ANY
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("team"),
    )
    people = models.ManyToManyField(User, blank=True, related_name="+", verbose_name=_("people"))

    class Meta:
        ordering = ["request_type", "order", "id"]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        constraints = [
            models.UniqueConstraint(fields=["request_type", "order"], name="approval_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.request_type} #{self.order}"


class RequestState(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    NOT_NEEDED = "not_needed", _("No approval needed")


class ServiceRequest(models.Model):
    """A request made from the catalog: its ticket, the answers and the approval's state."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="service_request")
    request_type = models.ForeignKey(RequestType, on_delete=models.PROTECT, related_name="+")
    requester = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=RequestState.choices, db_index=True)
    current_step = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")

    def __str__(self) -> str:
        return f"{self.request_type} ({self.ticket_id})"


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SKIPPED = "skipped", _("No longer needed")


class Approval(models.Model):
    """One approver's decision at one step of a request."""

    service_request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="approvals"
    )
    step_order = models.PositiveSmallIntegerField()
    rule = models.CharField(max_length=5, choices=ApprovalRule.choices)
    approver = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=10, choices=ApprovalState.choices, default=ApprovalState.PENDING
    )
    comment = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["service_request", "step_order", "id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        indexes = [models.Index(fields=["approver", "state", "-id"], name="approval_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["service_request", "step_order", "approver"], name="approval_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.approver} · {self.get_state_display()}"
