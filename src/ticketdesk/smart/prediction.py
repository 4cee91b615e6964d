"""Triage suggestions for one ticket: for each field the most probable value, its
confidence, the top three, and the reason (the ticket's words that weighed most, and the
similar past tickets that carry the same value)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ticketdesk.accounts.models import Team
from ticketdesk.tickets.models import Category, Level, Ticket, TicketType

from . import learning, training

SIMILAR_FOR_REASON = 10


@dataclass
class FieldSuggestion:
    field: str
    value: str
    confidence: float
    words: list[str]
    similar_ids: list[int] = dataclasses.field(default_factory=list)
    ranked: list[tuple[str, float]] = dataclasses.field(default_factory=list)

    def reason(self) -> dict[str, Any]:
        return {"words": self.words, "similar": self.similar_ids, "ranked": self.ranked}


@dataclass
class Triage:
    version: int
    fields: list[FieldSuggestion]
    neighbours: list[tuple[int, float]]


def vector_for(learner: learning.Learner, ticket: Ticket) -> Any:
    return learner.vectors([learning.ticket_text(ticket.subject, ticket.description)])


def current_value(ticket: Ticket, name: str) -> str:
    value = getattr(ticket, f"{name}_id" if name in ("ticket_type", "category", "team") else name)
    return "" if value is None else str(value)


def triage(ticket: Ticket) -> Triage | None:
    """Suggestions for every field the model knows (None: no model trained yet)."""
    loaded = training.current()
    if loaded is None:
        return None
    version, learner = loaded
    vector = vector_for(learner, ticket)
    neighbours = learning.nearest(learner, vector, SIMILAR_FOR_REASON, exclude=ticket.pk)
    labels = _neighbour_labels([pk for pk, _score in neighbours])
    found = []
    for name in learning.FIELDS:
        guessed = learning.guess(learner, vector, name)
        if guessed is None:
            continue
        similar = [pk for pk, _score in neighbours if labels.get(pk, {}).get(name) == guessed.value]
        found.append(
            FieldSuggestion(
                field=name,
                value=guessed.value,
                confidence=round(guessed.confidence, 4),
                words=guessed.words,
                similar_ids=similar[:3],
                ranked=[(v, round(p, 4)) for v, p in guessed.ranked],
            )
        )
    return Triage(version=version, fields=found, neighbours=neighbours)


def _neighbour_labels(ids: list[int]) -> dict[int, dict[str, str]]:
    rows = Ticket.objects.filter(pk__in=ids).values_list(
        "id", "ticket_type_id", "category_id", "team_id", "urgency", "impact"
    )
    return {
        row[0]: {
            name: "" if value is None else str(value)
            for name, value in zip(learning.FIELDS, row[1:], strict=True)
        }
        for row in rows
    }


def labels_for(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Display names of (field, value) pairs: one query per model at most."""
    wanted: dict[str, set[int]] = {}
    for name, value in pairs:
        if value.isdigit():
            wanted.setdefault(name, set()).add(int(value))
    names: dict[tuple[str, str], str] = {}
    models: dict[str, Any] = {"ticket_type": TicketType, "category": Category, "team": Team}
    for name, model in models.items():
        if name in wanted:
            for row in model.objects.filter(pk__in=wanted[name]):
                names[(name, str(row.pk))] = str(row)
    for name in ("urgency", "impact"):
        for level in Level:
            names[(name, str(level.value))] = str(level.label)
    return {pair: names.get(pair, _("(removed)")) for pair in pairs}


def value_exists(name: str, value: str) -> bool:
    if not value.isdigit():
        return False
    if name in ("urgency", "impact"):
        return int(value) in Level.values
    model: Any = {"ticket_type": TicketType, "category": Category, "team": Team}[name]
    return bool(model.objects.filter(pk=int(value), active=True).exists())


def field_change(name: str, value: str) -> dict[str, Any]:
    """The keyword argument for tickets.actions.set_fields that sets `name` to `value`."""
    if name in ("urgency", "impact"):
        return {name: int(value)}
    model: Any = {"ticket_type": TicketType, "category": Category, "team": Team}[name]
    return {name: model.objects.get(pk=int(value))}
