"""Helpers for the automation tests."""

from __future__ import annotations

from typing import Any

from tests.factories import make_agent
from ticketdesk.automation import actions as automation_actions
from ticketdesk.automation.models import Rule
from ticketdesk.core import outbox


def leaf(field: str, operator: str, value: Any = "") -> dict[str, str]:
    return {"field": field, "operator": operator, "value": str(value)}


def make_rule(
    trigger: str,
    conditions: list[dict] | dict | None,
    actions: list[dict],
    *,
    match: str = "all",
    author: Any = None,
    **extra: Any,
) -> Rule:
    if author is None:
        from ticketdesk.accounts.models import User

        author = User.objects.filter(role="admin").first() or make_agent(
            None, role="admin", username="rules-admin"
        )
    tree = (
        conditions
        if isinstance(conditions, dict)
        else {
            "match": match,
            "conditions": conditions or [],
        }
    )
    data = {"name": extra.pop("name", f"rule {trigger}"), "trigger": trigger}
    data.update(conditions=tree, actions=actions, enabled=True, **extra)
    return automation_actions.save_rule(author, data)


def drain(rounds: int = 10) -> int:
    """Run the outbox until it is empty (each round handles rows written by the last)."""
    total = 0
    for _ in range(rounds):
        handled = outbox.process_pending()
        total += handled
        if handled == 0:
            break
    return total
