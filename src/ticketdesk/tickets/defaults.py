"""The shipped configuration: statuses, the default workflow, ticket types, the priority
matrix and the ticket counter. Used by the data migration, and by tests after a flush."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_noop

# The shipped names stay in the catalogs for events written before ids were kept: such an
# event holds only text, which the timeline looks up in the catalog (tickets/display.py).
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

# The shipped rows' names in the other languages (stored on the rows, see
# core/translatable.py; the data migration 0008 gives them to existing installations).
TRANSLATIONS = {
    "status": {
        "new": {"pt-br": "Novo", "it": "Nuovo"},
        "open": {"pt-br": "Aberto", "it": "Aperto"},
        "pending": {"pt-br": "Pendente", "it": "In attesa"},
        "on-hold": {"pt-br": "Em espera", "it": "Sospeso"},
        "resolved": {"pt-br": "Resolvido", "it": "Risolto"},
        "closed": {"pt-br": "Fechado", "it": "Chiuso"},
    },
    "ticket_type": {
        "incident": {"pt-br": "Incidente", "it": "Incidente"},
        "service-request": {"pt-br": "Solicitação de serviço", "it": "Richiesta di servizio"},
        "question": {"pt-br": "Dúvida", "it": "Domanda"},
        "problem": {"pt-br": "Problema", "it": "Problema"},
        "bug": {"pt-br": "Defeito", "it": "Difetto"},
    },
}


def name_translations(kind: str, key: str) -> dict[str, dict[str, str]]:
    """{"pt-br": {"name": "Novo"}, "it": {"name": "Nuovo"}} of a shipped row."""
    return {language: {"name": name} for language, name in TRANSLATIONS[kind].get(key, {}).items()}


def _translated(model: Any, kind: str, key: str) -> dict[str, Any]:
    """The translations default of a shipped row (none before migration 0008 added the
    column: the 0002 migration runs with the models of its time)."""
    fields = {field.name for field in model._meta.get_fields()}
    return {"translations": name_translations(kind, key)} if "translations" in fields else {}


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
            defaults={
                "name": name,
                "category": category,
                "order": order,
                "is_default": default,
                **_translated(status_model, "status", key),
            },
        )
    for source, targets in TRANSITIONS.items():
        for target in targets:
            transition_model.objects.get_or_create(
                from_status=statuses[source], to_status=statuses[target]
            )
    for order, (key, name) in enumerate(TYPES):
        type_model.objects.get_or_create(
            key=key,
            defaults={"name": name, "order": order, **_translated(type_model, "ticket_type", key)},
        )
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
