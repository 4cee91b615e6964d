"""Statuses and the transitions between them."""

from __future__ import annotations

import contextlib
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketdesk.core.errors import FieldsRequired, InvalidTransition, ValidationFailed

from . import custom_fields
from .config import cached
from .models import Status, StatusCategory, Ticket, Transition

CUSTOM_PREFIX = "custom_fields."
# what a move may require (Transition.required_fields), besides custom fields
REQUIREMENTS: dict[str, Any] = {
    "resolution_summary": gettext_lazy("Resolution summary"),
    "ticket_type": gettext_lazy("Type"),
    "category": gettext_lazy("Category"),
    "business_area": gettext_lazy("Business area"),
}


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


class _AnyType:
    """No ticket at hand: a move limited to some types counts as allowed."""


ANY_TYPE: Any = _AnyType()


def _type_limits() -> dict[tuple[int, int], frozenset[int]]:
    through = Transition.ticket_types.through
    limits: dict[tuple[int, int], set[int]] = {}
    rows = through.objects.values_list(
        "transition__from_status_id", "transition__to_status_id", "tickettype_id"
    )
    for source, target, type_id in rows:
        limits.setdefault((source, target), set()).add(type_id)
    return {pair: frozenset(ids) for pair, ids in limits.items()}


def _type_allows(pair: tuple[int, int], ticket_type_id: int | _AnyType | None) -> bool:
    if isinstance(ticket_type_id, _AnyType):
        return True
    limits = cached("transition_types", _type_limits).get(pair)
    return limits is None or ticket_type_id in limits


def reopen_target(
    current: Status, *, assigned: bool, ticket_type_id: int | _AnyType | None = ANY_TYPE
) -> Status | None:
    """Where a ticket goes back to when the customer answers or says it is not solved: the
    working status when someone is assigned, else the first open status (whichever the
    workflow allows from `current` for the ticket's type)."""
    candidates: list[Status | None] = [working_status()] if assigned else []
    with contextlib.suppress(ValidationFailed):
        candidates.append(status_for_category(StatusCategory.OPEN))
    for candidate in candidates:
        if candidate is not None and is_allowed(current, candidate, ticket_type_id=ticket_type_id):
            return candidate
    return None


def allowed_targets(
    status: Status, *, ticket_type_id: int | _AnyType | None = ANY_TYPE
) -> list[Status]:
    """The active statuses a ticket in `status` (of type `ticket_type_id`) may move to, in
    workflow order. A move limited to some ticket types is offered only for those."""
    pairs = cached("transitions", _transition_pairs)
    return [
        s
        for s in _active_statuses()
        if s.pk != status.pk
        and (status.pk, s.pk) in pairs
        and _type_allows((status.pk, s.pk), ticket_type_id)
    ]


def is_allowed(
    from_status: Status, to_status: Status, *, ticket_type_id: int | _AnyType | None = ANY_TYPE
) -> bool:
    if from_status.pk == to_status.pk:
        return True
    pair = (from_status.pk, to_status.pk)
    return pair in cached("transitions", _transition_pairs) and _type_allows(pair, ticket_type_id)


def check_transition(
    from_status: Status, to_status: Status, *, ticket_type_id: int | _AnyType | None = ANY_TYPE
) -> None:
    if not to_status.active:
        raise InvalidTransition(
            _("The status “%(s)s” is not active.") % {"s": to_status},
            fields={"status": [_("Inactive status.")]},
        )
    if not is_allowed(from_status, to_status, ticket_type_id=ticket_type_id):
        if is_allowed(from_status, to_status):
            raise InvalidTransition(
                _("Tickets of this type cannot move from “%(a)s” to “%(b)s”.")
                % {"a": from_status, "b": to_status},
                fields={"status": [_("This transition is not allowed for this ticket type.")]},
            )
        raise InvalidTransition(
            _("A ticket cannot move from “%(a)s” to “%(b)s”.") % {"a": from_status, "b": to_status},
            fields={"status": [_("This transition is not allowed.")]},
        )


def _requirements() -> dict[tuple[int, int], tuple[str, ...]]:
    rows = Transition.objects.exclude(required_fields=[]).values_list(
        "from_status_id", "to_status_id", "required_fields"
    )
    return {(a, b): tuple(fields or ()) for a, b, fields in rows if fields}


def required_fields(from_status: Status, to_status: Status) -> tuple[str, ...]:
    """What the move from `from_status` to `to_status` requires (Transition.required_fields),
    from the configuration cache."""
    return cached("transition_requirements", _requirements).get((from_status.pk, to_status.pk), ())


def requirement_choices() -> list[tuple[str, str]]:
    """What an admin may require of a move: the built-in fields, then every active custom
    field (as `custom_fields.<key>`)."""
    choices = [(key, str(label)) for key, label in REQUIREMENTS.items()]
    choices += [
        (CUSTOM_PREFIX + d.key, str(d.translated("label")))
        for d in custom_fields.active_definitions()
    ]
    return choices


def requirement_label(key: str) -> str:
    if key in REQUIREMENTS:
        return str(REQUIREMENTS[key])
    return dict(requirement_choices()).get(key, key.removeprefix(CUSTOM_PREFIX))


def missing_fields(
    ticket: Ticket, required: tuple[str, ...] | list[str], *, resolution_summary: str = ""
) -> list[str]:
    """The required fields `ticket` lacks. A custom field that does not apply to the
    ticket (another type, a category it is not asked for, switched off) is not asked."""
    missing = []
    applicable = None
    for key in required:
        if key == "resolution_summary":
            if not (resolution_summary or ticket.resolution_summary or "").strip():
                missing.append(key)
        elif key in ("ticket_type", "category", "business_area"):
            if getattr(ticket, f"{key}_id") is None:
                missing.append(key)
        elif key.startswith(CUSTOM_PREFIX):
            if applicable is None:
                applicable = {
                    d.key
                    for d in custom_fields.cached_definitions_for(ticket.ticket_type)
                    if custom_fields.shown_for(d, ticket.category_id)
                }
            name = key.removeprefix(CUSTOM_PREFIX)
            value = (ticket.custom_fields or {}).get(name)
            if name in applicable and value in (None, "", [], False):
                missing.append(key)
    return missing


def check_required_fields(
    ticket: Ticket, from_status: Status, to_status: Status, *, resolution_summary: str = ""
) -> None:
    """Refuse the move when the ticket lacks a field the transition requires, naming each
    missing field (FieldsRequired: `fields` per field, `missing` the list of keys)."""
    required = required_fields(from_status, to_status)
    if not required:
        return
    missing = missing_fields(ticket, required, resolution_summary=resolution_summary)
    if not missing:
        return
    names = ", ".join(requirement_label(key) for key in missing)
    raise FieldsRequired(
        _("To move the ticket to “%(s)s”, fill in: %(f)s.") % {"s": to_status, "f": names},
        fields={
            key: [_("Required to move the ticket to “%(s)s”.") % {"s": to_status}]
            for key in missing
        },
        missing=missing,
    )
