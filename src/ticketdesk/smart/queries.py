"""Reads of smart support: the acceptance rate per field and per kind of answer suggestion
(for admins) and the models kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from .models import AnswerKind, AnswerOffer, Decision, SuggestedField, Suggestion, TrainedModel


@dataclass
class FieldRate:
    field: str
    label: str
    accepted: int
    rejected: int
    automatic: int
    pending: int

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def rate(self) -> float | None:
        """Accepted / decided by an agent (rules' own applications are not a judgement)."""
        return self.accepted / self.decided if self.decided else None


def acceptance_rates() -> list[FieldRate]:
    """One grouped query over the (field, decision) index."""
    counts: dict[tuple[str, str], int] = {
        (row["field"], row["decision"]): row["n"]
        for row in Suggestion.objects.values("field", "decision").annotate(n=Count("id"))
    }
    return [
        FieldRate(
            field=choice.value,
            label=str(choice.label),
            accepted=counts.get((choice.value, Decision.ACCEPTED), 0),
            rejected=counts.get((choice.value, Decision.REJECTED), 0),
            automatic=counts.get((choice.value, Decision.AUTOMATIC), 0),
            pending=counts.get((choice.value, Decision.PENDING), 0),
        )
        for choice in SuggestedField
    ]


@dataclass
class AnswerRate:
    kind: str
    label: str
    offered: int
    used: int

    @property
    def rate(self) -> float | None:
        """Inserted into a reply / shown (each answer counted once per ticket)."""
        return self.used / self.offered if self.offered else None


def answer_rates() -> list[AnswerRate]:
    """One grouped query: how often agents insert each kind of answer suggestion."""
    counts: dict[str, dict[str, int]] = {
        row["kind"]: {"offered": row["offered"], "used": row["used"]}
        for row in AnswerOffer.objects.values("kind").annotate(
            offered=Count("id"), used=Count("id", filter=Q(used_at__isnull=False))
        )
    }
    return [
        AnswerRate(
            kind=choice.value,
            label=str(choice.label),
            offered=counts.get(choice.value, {}).get("offered", 0),
            used=counts.get(choice.value, {}).get("used", 0),
        )
        for choice in AnswerKind
    ]


def models_kept() -> list[Any]:
    return list(TrainedModel.objects.defer("blob").order_by("-version")[:5])
