"""Reads of the ticket configuration for the Settings pages (the form builder and the
workflow editor): a few short lists, each in a bounded number of queries."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import CustomFieldDefinition, Status, TicketType, Transition


def ticket_types() -> list[TicketType]:
    return list(TicketType.objects.filter(active=True).order_by("order", "id"))


def form_fields(ticket_type: TicketType | None) -> QuerySet[CustomFieldDefinition]:
    """Every field (switched off too) on the form of `ticket_type`: its own and those of
    every type; with no type, the fields of every type only."""
    qs = CustomFieldDefinition.objects.all()
    if ticket_type is None:
        qs = qs.filter(ticket_types__isnull=True)
    else:
        qs = qs.filter(Q(ticket_types__isnull=True) | Q(ticket_types=ticket_type)).distinct()
    return (
        qs.select_related("show_when_category")
        .prefetch_related("ticket_types")
        .order_by("order", "id")
    )


def statuses() -> list[Status]:
    return list(Status.objects.order_by("order", "id"))


def transition_pairs() -> set[tuple[int, int]]:
    return set(Transition.objects.values_list("from_status_id", "to_status_id"))


def transitions() -> list[Transition]:
    """Every move with its two statuses and ticket types, in workflow order (two queries)."""
    return list(
        Transition.objects.select_related("from_status", "to_status")
        .prefetch_related("ticket_types")
        .order_by("from_status__order", "from_status_id", "to_status__order", "to_status_id")
    )
