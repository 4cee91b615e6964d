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
    gettext_noop("In progress"),
    gettext_noop("Fix tested by"),
    gettext_noop("Customer confirmed the fix"),
    gettext_noop("Regression test added"),
    gettext_noop("Customer confirmed it works"),
]

# The shipped rows' names in the other languages (stored on the rows, see
# core/translatable.py; the data migration 0008 gives them to existing installations).
TRANSLATIONS = {
    "status": {
        "new": {"pt-br": "Novo", "it": "Nuovo"},
        "open": {"pt-br": "Aberto", "it": "Aperto"},
        "in-progress": {"pt-br": "Em andamento", "it": "In lavorazione"},
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
    ("in-progress", "In progress", "open", 25, False),
    ("pending", "Pending", "pending", 30, False),
    ("on-hold", "On hold", "open", 35, False),
    ("resolved", "Resolved", "resolved", 40, False),
    ("closed", "Closed", "closed", 50, False),
]
# the badge colour of each shipped status (others: the colour of their category)
STATUS_COLOURS = {
    "new": "amber",
    "open": "blue",
    "in-progress": "teal",
    "pending": "purple",
    "on-hold": "orange",
    "resolved": "green",
    "closed": "slate",
}
SHIPPED_CATEGORY_COLOURS = {
    "new": "amber",
    "open": "blue",
    "pending": "purple",
    "resolved": "green",
}


def status_colour(key: str, category: str) -> str:
    """The shipped colour of a status: its own, else its category's (closed: slate)."""
    return STATUS_COLOURS.get(key) or SHIPPED_CATEGORY_COLOURS.get(category, "slate")


def colour_statuses(apps: Any) -> None:
    """Give every status its shipped colour (migration 0015 adds the column)."""
    status_model = apps.get_model("tickets", "Status")
    for status in status_model.objects.all():
        status.colour = status_colour(status.key, status.category)
        status.save(update_fields=["colour"])


WORKING_STATUS = "in-progress"  # where assigned tickets are worked (Status.is_working)
TRANSITIONS = {
    "new": ["open", "in-progress", "pending", "on-hold", "resolved", "closed"],
    "open": ["in-progress", "pending", "on-hold", "resolved", "closed"],
    "in-progress": ["open", "pending", "on-hold", "resolved", "closed"],
    "pending": ["open", "in-progress", "on-hold", "resolved", "closed"],
    "on-hold": ["open", "in-progress", "pending", "resolved", "closed"],
    "resolved": ["open", "in-progress", "closed"],  # reopening is a transition
    "closed": [],
}
# what a move into a shipped status requires (Transition.required_fields)
REQUIRED_FIELDS = {"resolved": ["resolution_summary"]}


def require_shipped_fields(apps: Any) -> None:
    """Moves into the shipped "Resolved" status require a resolution summary (migration 0016
    adds the column; moves an admin already gave requirements keep theirs)."""
    transition_model = apps.get_model("tickets", "Transition")
    for key, required in REQUIRED_FIELDS.items():
        for transition in transition_model.objects.filter(to_status__key=key):
            if not transition.required_fields:
                transition.required_fields = list(required)
                transition.save(update_fields=["required_fields"])


# The verification checklist asked when an agent resolves a ticket of a type:
# type key -> [(key, label, kind, required)]. Shipped optional (bulk and problem resolutions
# stay possible); an admin makes an item required in the admin.
VERIFICATION = {
    "incident": [
        ("fix_tested_by", "Fix tested by", "text", False),
        ("customer_confirmed", "Customer confirmed the fix", "check", False),
    ],
    "bug": [
        ("fix_tested_by", "Fix tested by", "text", False),
        ("regression_test", "Regression test added", "check", False),
    ],
    "service-request": [
        ("customer_confirmed", "Customer confirmed it works", "check", False),
    ],
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
    # the data migration 0002 runs before the fields and models later migrations add
    has_working = any(f.name == "is_working" for f in status_model._meta.get_fields())
    has_colour = any(f.name == "colour" for f in status_model._meta.get_fields())
    statuses = {}
    for key, name, category, order, default in STATUSES:
        if key == WORKING_STATUS and not has_working:
            continue  # migration 0010 adds it
        statuses[key], _created = status_model.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "category": category,
                "order": order,
                "is_default": default,
                **_translated(status_model, "status", key),
                **({"is_working": key == WORKING_STATUS} if has_working else {}),
                **({"colour": status_colour(key, category)} if has_colour else {}),
            },
        )
    has_required = any(f.name == "required_fields" for f in transition_model._meta.get_fields())
    for source, targets in TRANSITIONS.items():
        for target in targets:
            if source not in statuses or target not in statuses:
                continue
            transition_model.objects.get_or_create(
                from_status=statuses[source],
                to_status=statuses[target],
                defaults=(
                    {"required_fields": list(REQUIRED_FIELDS.get(target, []))}
                    if has_required
                    else {}
                ),
            )
    for order, (key, name) in enumerate(TYPES):
        type_model.objects.get_or_create(
            key=key,
            defaults={"name": name, "order": order, **_translated(type_model, "ticket_type", key)},
        )
    ensure_verification_steps(apps)
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


def ensure_verification_steps(apps: Any) -> None:
    """The shipped checklists, for types that have none yet (an admin's own are kept)."""
    type_model = apps.get_model("tickets", "TicketType")
    try:
        step_model = apps.get_model("tickets", "VerificationStep")
    except LookupError:  # the data migration 0002 runs before 0010 adds the model
        return
    for type_key, steps in VERIFICATION.items():
        ticket_type = type_model.objects.filter(key=type_key).first()
        if ticket_type is None or step_model.objects.filter(ticket_type=ticket_type).exists():
            continue
        for order, (key, label, kind, required) in enumerate(steps):
            step_model.objects.create(
                ticket_type=ticket_type,
                key=key,
                label=label,
                kind=kind,
                required=required,
                order=order * 10,
            )


def add_working_status(apps: Any) -> None:
    """Existing installations get the "In progress" status and its transitions, unless they
    already have a working status or a status of that key or name (their own stays as it
    is). Transitions are added only between the new status and shipped statuses that still
    exist; custom statuses and transitions are left alone."""
    status_model = apps.get_model("tickets", "Status")
    transition_model = apps.get_model("tickets", "Transition")
    if not status_model.objects.exists() or status_model.objects.filter(is_working=True).exists():
        return
    existing = (
        status_model.objects.filter(key=WORKING_STATUS).first()
        or status_model.objects.filter(name__iexact="In progress", category="open").first()
    )
    if existing is not None:
        if existing.category == "open":
            existing.is_working = True
            existing.save(update_fields=["is_working"])
        return
    key, name, category, order, _default = next(s for s in STATUSES if s[0] == WORKING_STATUS)
    status_model.objects.create(
        key=key,
        name=name,
        category=category,
        order=order,
        is_working=True,
        **_translated(status_model, "status", key),
    )
    shipped = {s.key: s for s in status_model.objects.filter(key__in=list(TRANSITIONS))}
    for source, targets in TRANSITIONS.items():
        for target in targets:
            if WORKING_STATUS in (source, target) and source in shipped and target in shipped:
                transition_model.objects.get_or_create(
                    from_status=shipped[source], to_status=shipped[target]
                )
