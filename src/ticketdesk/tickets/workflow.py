"""Statuses and the transitions between them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ticketdesk.core.errors import InvalidTransition, ValidationFailed

from .models import Status, StatusCategory, Transition


def default_status() -> Status:
    status = Status.objects.filter(is_default=True, active=True).first()
    if status is None:
        status = Status.objects.filter(category=StatusCategory.NEW, active=True).first()
    if status is None:
        raise ValidationFailed(_("No status is configured for new tickets."))
    return status


def status_for_category(category: str) -> Status:
    """The first active status of a category (e.g. where a customer reply moves a ticket)."""
    status = Status.objects.filter(category=category, active=True).order_by("order", "id").first()
    if status is None:
        raise ValidationFailed(_("No active status in category %(c)s.") % {"c": category})
    return status


def allowed_targets(status: Status) -> list[Status]:
    return list(
        Status.objects.filter(
            pk__in=Transition.objects.filter(from_status=status).values("to_status_id"),
            active=True,
        ).order_by("order", "id")
    )


def is_allowed(from_status: Status, to_status: Status) -> bool:
    if from_status.pk == to_status.pk:
        return True
    return Transition.objects.filter(from_status=from_status, to_status=to_status).exists()


def check_transition(from_status: Status, to_status: Status) -> None:
    if not to_status.active:
        raise InvalidTransition(
            _("The status “%(s)s” is not active.") % {"s": to_status.name},
            fields={"status": [_("Inactive status.")]},
        )
    if not is_allowed(from_status, to_status):
        raise InvalidTransition(
            _("A ticket cannot move from “%(a)s” to “%(b)s”.")
            % {"a": from_status.name, "b": to_status.name},
            fields={"status": [_("This transition is not allowed.")]},
        )
