"""Priority from the urgency × impact matrix (PriorityRule rows, editable by admins)."""

from __future__ import annotations

from .config import cached
from .defaults import shipped_priority
from .models import Level, PriorityRule

default_priority = shipped_priority


def compute_priority(urgency: int, impact: int) -> int:
    return cached("priority_matrix", matrix)[(urgency, impact)]


def matrix() -> dict[tuple[int, int], int]:
    """The whole matrix, with shipped defaults where no row exists."""
    cells = {(u, i): default_priority(u, i) for u in Level.values for i in Level.values}
    for rule in PriorityRule.objects.all():
        cells[(rule.urgency, rule.impact)] = rule.priority
    return cells
