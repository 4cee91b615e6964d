"""The shipped configuration: statuses, the default workflow, ticket types, the priority
matrix and the ticket counter. Used by the data migration, and by tests after a flush."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_noop

# Names of the shipped rows, for the translation catalogs (rows are translated when shown).
SHIPPED_NAMES = [
    gettext_noop("New"),
    gettext_noop("Open"),
    gettext_noop("Pending"),
    gettext_noop("On hold"),
    gettext_noop("Resolved"),
    gettext_noop("Closed"),
    gettext_noop("Incident"),
    gettext_noop("Service request"),
    gettext_noop("Question"),
    gettext_noop("Problem"),
    gettext_noop("Bug"),
]

STATUSES = [
    # key, name, category, order, default for new tickets
    ("new", "New", "new", 10, True),
    ("open", "Open", "open", 20, False),
    ("pending", "Pending", "pending", 30, False),
    ("on-hold", "On hold", "open", 35, False),
    ("resolved", "Resolved", "resolved", 40, False),
    ("closed", "Closed", "closed", 50, False),
]
TRANSITIONS = {
    "new": ["open", "pending", "on-hold", "resolved", "closed"],
    "open": ["pending", "on-hold", "resolved", "closed"],
    "pending": ["open", "on-hold", "resolved", "closed"],
    "on-hold": ["open", "pending", "resolved", "closed"],
    "resolved": ["open", "closed"],  # reopening is a transition
    "closed": [],
}
TYPES = [
    ("incident", "Incident"),
    ("service-request", "Service request"),
    ("question", "Question"),
    ("problem", "Problem"),
    ("bug", "Bug"),
]


def shipped_priority(urgency: int, impact: int) -> int:
    """The shipped matrix: the sum of both levels, banded (low..critical = 1..4)."""
    total = urgency + impact
    if total <= 3:
        return 1
    if total == 4:
        return 2
    if total <= 6:
        return 3
    return 4


def ensure_defaults(apps: Any = None) -> None:
    """Create the shipped configuration where it is missing (idempotent)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    status_model = apps.get_model("tickets", "Status")
    transition_model = apps.get_model("tickets", "Transition")
    type_model = apps.get_model("tickets", "TicketType")
    rule_model = apps.get_model("tickets", "PriorityRule")
    counter_model = apps.get_model("tickets", "TicketCounter")
    if status_model.objects.exists() and counter_model.objects.exists():
        return
    statuses = {}
    for key, name, category, order, default in STATUSES:
        statuses[key], _created = status_model.objects.get_or_create(
            key=key,
            defaults={"name": name, "category": category, "order": order, "is_default": default},
        )
    for source, targets in TRANSITIONS.items():
        for target in targets:
            transition_model.objects.get_or_create(
                from_status=statuses[source], to_status=statuses[target]
            )
    for order, (key, name) in enumerate(TYPES):
        type_model.objects.get_or_create(key=key, defaults={"name": name, "order": order})
    for urgency in range(1, 5):
        for impact in range(1, 5):
            rule_model.objects.get_or_create(
                urgency=urgency,
                impact=impact,
                defaults={"priority": shipped_priority(urgency, impact)},
            )
    # TICKETDESK_FIRST_TICKET_NUMBER counts when the database is created; later changes of
    # the setting never renumber (the counter row exists from then on)
    first_number = int(settings.TICKETDESK["FIRST_TICKET_NUMBER"])
    counter_model.objects.get_or_create(name="ticket", defaults={"next_value": first_number})
