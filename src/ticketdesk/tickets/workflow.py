"""Statuses and the transitions between them."""

from __future__ import annotations

import contextlib

from django.utils.translation import gettext as _

from ticketdesk.core.errors import InvalidTransition, ValidationFailed

from .config import cached
from .models import Status, StatusCategory, Transition


def _active_statuses() -> list[Status]:
    return [s for s in all_statuses() if s.active]


def all_statuses() -> list[Status]:
    """Every status, active or not, in workflow order (from the configuration cache)."""
    return cached("all_statuses", lambda: list(Status.objects.order_by("order", "id")))


def active_statuses() -> list[Status]:
    """The active statuses in workflow order (from the configuration cache)."""
    return cached("active_statuses", _active_statuses)


def _transition_pairs() -> frozenset[tuple[int, int]]:
    return frozenset(Transition.objects.values_list("from_status_id", "to_status_id"))


def default_status() -> Status:
    statuses = cached("active_statuses", _active_statuses)
    status = next((s for s in statuses if s.is_default), None)
    if status is None:
        status = next((s for s in statuses if s.category == StatusCategory.NEW), None)
    if status is None:
        raise ValidationFailed(_("No status is configured for new tickets."))
    return status


def status_for_category(category: str) -> Status:
    """The first active status of a category (e.g. where a customer reply moves a ticket)."""
    status = next(
        (s for s in cached("active_statuses", _active_statuses) if s.category == category), None
    )
    if status is None:
        raise ValidationFailed(_("No active status in category %(c)s.") % {"c": category})
    return status


def working_status() -> Status | None:
    """Where assigned tickets are worked ("In progress": `Status.is_working`), if any."""
    return next((s for s in cached("active_statuses", _active_statuses) if s.is_working), None)


def reopen_target(current: Status, *, assigned: bool) -> Status | None:
    """Where a ticket goes back to when the customer answers or says it is not solved: the
    working status when someone is assigned, else the first open status (whichever the
    workflow allows from `current`)."""
    candidates: list[Status | None] = [working_status()] if assigned else []
    with contextlib.suppress(ValidationFailed):
        candidates.append(status_for_category(StatusCategory.OPEN))
    for candidate in candidates:
        if candidate is not None and is_allowed(current, candidate):
            return candidate
    return None


def allowed_targets(status: Status) -> list[Status]:
    """The active statuses a ticket in `status` may move to, in workflow order."""
    pairs = cached("transitions", _transition_pairs)
    return [s for s in _active_statuses() if s.pk != status.pk and (status.pk, s.pk) in pairs]


def is_allowed(from_status: Status, to_status: Status) -> bool:
    if from_status.pk == to_status.pk:
        return True
    return (from_status.pk, to_status.pk) in cached("transitions", _transition_pairs)


def check_transition(from_status: Status, to_status: Status) -> None:
    if not to_status.active:
        raise InvalidTransition(
            _("The status “%(s)s” is not active.") % {"s": to_status},
            fields={"status": [_("Inactive status.")]},
        )
    if not is_allowed(from_status, to_status):
        raise InvalidTransition(
            _("A ticket cannot move from “%(a)s” to “%(b)s”.") % {"a": from_status, "b": to_status},
            fields={"status": [_("This transition is not allowed.")]},
        )
