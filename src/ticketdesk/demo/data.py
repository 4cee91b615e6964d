"""The small demo data set: believable people and ~200 tickets made through the actions,
with their clocks set in the past so that timelines and reports look lived-in."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

from ticketdesk.accounts.actions import create_user, get_or_create_contact
from ticketdesk.accounts.models import Contact, Organization, Role, Team, TeamMembership, User
from ticketdesk.core import clock
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import (
    BusinessArea,
    Category,
    Channel,
    ChannelDefault,
    CustomFieldDefinition,
    Status,
    StatusCategory,
    Ticket,
    TicketType,
)
from ticketdesk.tickets.resolution import Resolution, steps_for

from .texts import AGENT_REPLIES, BODIES, CUSTOM_FIELDS, CUSTOMER_REPLIES, NAMES, NOTES, SUBJECTS

PASSWORD = "ticketdesk"  # noqa: S105 - demo only

TEAMS = [
    ("IT Support", "it@example.com"),
    ("Customer Care", "care@example.com"),
    ("Billing", "billing@example.com"),
    ("Infrastructure", "infra@example.com"),  # tier 2 / specialists for IT Support
]
AGENTS = [
    ("admin", "Alex", "Admin", Role.ADMIN, ["IT Support", "Customer Care", "Billing"], "en"),
    ("ana", "Ana", "Souza", Role.AGENT, ["IT Support"], "pt-br"),
    ("luca", "Luca", "Bianchi", Role.AGENT, ["Customer Care", "Billing"], "it"),
    ("priya", "Priya", "Natarajan", Role.AGENT, ["IT Support", "Customer Care", "Infrastructure"],
     "en"),
    ("joao", "João", "Pereira", Role.LIGHT_AGENT, ["IT Support"], "pt-br"),
]  # fmt: skip
# Team → the team its escalations go to (functional); leads take hierarchical ones.
ESCALATION_TEAMS = {"IT Support": "Infrastructure", "Customer Care": "IT Support"}
LEADS = [("ana", "IT Support"), ("priya", "Infrastructure"), ("luca", "Billing")]
ORGANIZATIONS = [
    ("Acme Corp", "acme.example", True),
    ("Padaria Estrela", "estrela.example", False),
    ("Trattoria Roma", "roma.example", False),
]
CUSTOMERS = [
    ("Maria Silva", "maria@estrela.example", "pt-br"),
    ("Pedro Costa", "pedro@estrela.example", "pt-br"),
    ("Giulia Rossi", "giulia@roma.example", "it"),
    ("Marco Ferrari", "marco@roma.example", "it"),
    ("John Carter", "john@acme.example", "en"),
    ("Emily Chen", "emily@acme.example", "en"),
    ("Sam Patel", "sam.patel@mail.example", "en"),
    ("Beatriz Lima", "bia.lima@mail.example", "pt-br"),
    ("Francesca Conti", "f.conti@mail.example", "it"),
    ("Olivia Brown", "olivia@acme.example", "en"),
]
CATEGORIES = {
    "Hardware": ["Laptop", "Printer", "Phone"],
    "Software": ["Email", "VPN", "Office"],
    "Accounts": ["Password", "Access request"],
    "Billing": ["Invoice", "Refund"],
}
# How the demo routes its tickets (tickets/intake.py): a category's team first, then the
# type's, then the channel's; whatever is left waits in the triage queue.
CATEGORY_TEAMS = {
    "Hardware": "IT Support",
    "Software": "IT Support",
    "Accounts": "Customer Care",
    "Billing": "Billing",
}
TYPE_TEAMS = {"question": "Customer Care", "service-request": "Customer Care"}
CHANNEL_TEAMS = {
    Channel.EMAIL: "Customer Care",
    Channel.PORTAL: "Customer Care",
    Channel.CHAT: "Customer Care",
    Channel.PHONE: "IT Support",
}
# the names of the categories and business areas in Portuguese and Italian
CHOICE_LABELS = {"windows": "Windows", "macos": "macOS", "linux": "Linux", "other": "Other"}


def _translated(name: str) -> dict[str, dict[str, str]]:
    portuguese, italian = NAMES.get(name, (name, name))
    return {"pt-br": {"name": portuguese}, "it": {"name": italian}}


def ensure_configuration() -> dict[str, Category]:
    """Categories, business areas and custom fields, named in three languages (idempotent)."""
    categories = {}
    for parent_name, children in CATEGORIES.items():
        parent, _c = Category.objects.get_or_create(
            name=parent_name, parent=None, defaults={"translations": _translated(parent_name)}
        )
        for child in children:
            node, _c = Category.objects.get_or_create(
                name=child, parent=parent, defaults={"translations": _translated(child)}
            )
            categories[f"{parent_name} / {child}"] = node
    for area in ("Sales", "Operations", "Finance"):
        BusinessArea.objects.get_or_create(name=area, defaults={"translations": _translated(area)})
    for order, (key, label, kind, choices, types, required, help_text, texts) in enumerate(
        CUSTOM_FIELDS
    ):
        field, created = CustomFieldDefinition.objects.get_or_create(
            key=key,
            defaults={
                "label": label,
                "field_type": kind,
                "choices": [{"value": c, "label": CHOICE_LABELS.get(c, c)} for c in choices],
                "required": required,
                "help_text": help_text,
                "order": order,
                "translations": texts,
            },
        )
        if created:
            field.ticket_types.set(TicketType.objects.filter(key__in=types))
    return categories


def ensure_people(rng: random.Random) -> dict[str, Any]:
    """Teams, agents, organizations, customers and categories (idempotent)."""
    teams = {}
    for name, email in TEAMS:
        team = Team.objects.filter(name=name).first()
        if team is None:
            team = Team.objects.create(name=name, slug=name.lower().replace(" ", "-"), email=email)
        teams[name] = team
    agents = {}
    for username, first, last, role, team_names, language in AGENTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = create_user(
                username=username,
                email=f"{username}@example.com",
                password=PASSWORD,
                role=role,
                first_name=first,
                last_name=last,
                language=language,
                teams=[teams[t] for t in team_names],
            )
        agents[username] = user
    for username, team_name in LEADS:
        TeamMembership.objects.filter(user=agents[username], team=teams[team_name]).update(
            is_lead=True
        )
    for name, target in ESCALATION_TEAMS.items():
        Team.objects.filter(pk=teams[name].pk, escalation_team__isnull=True).update(
            escalation_team=teams[target]
        )
    organizations = {}
    for name, domain, shared in ORGANIZATIONS:
        organizations[name], _c = Organization.objects.get_or_create(
            name=name, defaults={"domains": domain, "shared_tickets": shared}
        )
    contacts = []
    for name, email, language in CUSTOMERS:
        contacts.append(get_or_create_contact(email, name, language=language))
    if not User.objects.filter(username="maria").exists():
        maria = create_user(
            username="maria",
            email="maria@estrela.example",
            password=PASSWORD,
            role=Role.CUSTOMER,
            first_name="Maria",
            last_name="Silva",
            language="pt-br",
        )
        Contact.objects.filter(email__iexact="maria@estrela.example").update(user=maria)
    categories = ensure_configuration()
    ensure_routing_defaults(teams)
    return {"teams": teams, "agents": agents, "contacts": contacts, "categories": categories}


def ensure_routing_defaults(teams: dict[str, Team]) -> None:
    """Default teams per category, type and channel, set only where none is set yet."""
    for name, team_name in CATEGORY_TEAMS.items():
        Category.objects.filter(name=name, parent=None, default_team__isnull=True).update(
            default_team=teams[team_name]
        )
    for key, team_name in TYPE_TEAMS.items():
        TicketType.objects.filter(key=key, default_team__isnull=True).update(
            default_team=teams[team_name]
        )
    for channel, team_name in CHANNEL_TEAMS.items():
        ChannelDefault.objects.get_or_create(channel=channel, defaults={"team": teams[team_name]})


def load(rng: random.Random, *, count: int = 200, progress: Any = None) -> int:
    people = ensure_people(rng)
    statuses = {s.key: s for s in Status.objects.all()}
    types = {t.key: t for t in TicketType.objects.all()}
    agents = [a for a in people["agents"].values() if a.role in (Role.AGENT, Role.ADMIN)]
    contacts: list[Contact] = people["contacts"]
    start = clock.now() - dt.timedelta(days=60)
    now = clock.now()
    areas = list(BusinessArea.objects.order_by("name"))
    created = 0
    for index in range(count):
        contact = rng.choice(contacts)
        language = contact.language or "en"
        subject, category_path, type_key = rng.choice(SUBJECTS[language])
        category = people["categories"][category_path]
        opened_at = start + dt.timedelta(minutes=index * 60 * 24 * 58 // count + rng.randint(0, 90))
        details = _details(index, type_key, category_path, areas)
        with transaction.atomic(), clock.frozen(opened_at):
            ticket = actions.open_ticket(
                requester=contact,
                subject=subject,
                channel=rng.choice(
                    [Channel.EMAIL, Channel.EMAIL, Channel.PORTAL, Channel.PHONE, Channel.API]
                ),
                actor=None,
                body=BODIES[language].format(subject=subject, name=contact.name),
                markdown=False,
                ticket_type=types.get(type_key),  # the defaults choose the team
                category=category,
                urgency=rng.choice([1, 2, 2, 3, 4]),
                impact=rng.choice([1, 2, 2, 3]),
                tags=rng.sample(
                    ["vpn", "printer", "vip", "billing", "onboarding"], k=rng.randint(0, 2)
                ),
                **details,
            )
        members = [a for a in agents if a.team_memberships.filter(team=ticket.team_id).exists()]
        fate = rng.random()
        if fate < 0.12 or not members:
            created += 1
            continue  # still new and unassigned
        agent = rng.choice(members)
        at = opened_at + dt.timedelta(minutes=rng.randint(5, 240))
        first = contact.first_name
        with clock.frozen(at):
            actions.assign(ticket, assignee=agent, actor=agent)
            actions.reply(ticket, actor=agent, body=AGENT_REPLIES[language][0].format(first=first))
        if rng.random() < 0.4:
            at += dt.timedelta(minutes=rng.randint(10, 120))
            if at >= now:  # the story goes on after today: stop it here
                created += 1
                continue
            with clock.frozen(at):
                actions.add_note(ticket, actor=agent, body=rng.choice(NOTES))
        if fate < 0.35:
            created += 1
            continue  # open, waiting for the agent
        at += dt.timedelta(hours=rng.randint(1, 30))
        if at >= now:  # the story goes on after today: stop it here
            created += 1
            continue
        with clock.frozen(at):
            actions.reply(
                ticket, actor=agent, body=AGENT_REPLIES[language][1], status=statuses["pending"]
            )
        if fate < 0.5:
            created += 1
            continue  # pending on the customer
        at += dt.timedelta(hours=rng.randint(1, 48))
        if at >= now:  # the story goes on after today: stop it here
            created += 1
            continue
        with clock.frozen(at):
            actions.reply(
                ticket,
                actor=None,
                author_contact=contact,
                body=CUSTOMER_REPLIES[language][0],
                channel=Channel.EMAIL,
            )
        at += dt.timedelta(hours=rng.randint(1, 20))
        if at >= now:  # the story goes on after today: stop it here
            created += 1
            continue
        with clock.frozen(at):
            actions.reply(
                ticket,
                actor=agent,
                body=AGENT_REPLIES[language][2],
                status=statuses["resolved"],
                resolution=demo_resolution(ticket, agent),
            )
        if fate > 0.8:
            at += dt.timedelta(days=rng.randint(1, 5))
            if at < clock.now():
                with clock.frozen(at):
                    actions.change_status(ticket, statuses["closed"], actor=agent)
        created += 1
        if progress is not None and created % 50 == 0:
            progress.write(f"  {created}/{count} tickets")
    escalate_some(people)
    return created


MORNING = [
    (
        "maria@estrela.example",
        "Não consigo acessar a pasta compartilhada",
        "IT Support",
        "Accounts / Access request",
        "pt-br",
    ),
    (
        "john@acme.example",
        "Printer on the 3rd floor jams on every page",
        "IT Support",
        "Hardware / Printer",
        "en",
    ),
    (
        "giulia@roma.example",
        "Fattura di novembre non ricevuta",
        "Billing",
        "Billing / Invoice",
        "it",
    ),
]


def this_morning(rng: random.Random) -> int:
    """A few tickets opened in the last hour, live (not history): their teams are notified
    as on any working day — a handful of notifications per agent, a few mails."""
    people = ensure_people(rng)
    types = {t.key: t for t in TicketType.objects.all()}
    opened = 0
    for minutes_ago, (email, subject, team, category_path, language) in zip(
        (50, 25, 5), MORNING, strict=True
    ):
        contact = get_or_create_contact(email, "", language=language)
        with transaction.atomic(), clock.frozen(clock.now() - dt.timedelta(minutes=minutes_ago)):
            actions.open_ticket(
                requester=contact,
                subject=subject,
                channel=Channel.PORTAL if language == "pt-br" else Channel.EMAIL,
                actor=None,
                body=BODIES[language].format(subject=subject, name=contact.name),
                markdown=False,
                team=people["teams"][team],
                ticket_type=types.get("incident"),
                category=people["categories"][category_path],
                urgency=2,
                impact=2,
            )
        opened += 1
    return opened


def _details(index: int, type_key: str, category_path: str, areas: list[Any]) -> dict[str, Any]:
    """Business area and custom fields of demo ticket `index` (from their own random
    numbers, so that the rest of the demo stays as it was)."""
    pick = random.Random(index)
    values: dict[str, Any] = {}
    if type_key in ("incident", "service-request"):
        values["operating_system"] = pick.choice(["windows", "windows", "macos", "linux"])
    if type_key == "incident" and category_path.startswith("Hardware"):
        values["asset_tag"] = f"LT-{pick.randint(1000, 9999)}"
    return {
        "business_area": pick.choice(areas) if areas and pick.random() < 0.6 else None,
        "custom_field_values": values,
    }


ESCALATION_REASONS = [
    "Tried the usual fixes (profile, reinstall, restart): the gateway logs show errors "
    "only Infrastructure can read.",
    "Third time this month for the same customer; needs someone who can change the setup.",
]


def escalate_some(people: dict[str, Any], limit: int = 3) -> None:
    """A few open IT Support tickets were escalated by their agent (deterministic)."""
    candidates = Ticket.objects.filter(
        team=people["teams"]["IT Support"],
        assignee__isnull=False,
        status_category__in=["open", "pending"],
        escalation_level=0,
    ).order_by("number")[:limit]
    for index, ticket in enumerate(candidates):
        with clock.frozen(max(ticket.updated_at, clock.now() - dt.timedelta(hours=5 + index))):
            actions.escalate(
                ticket,
                actor=ticket.assignee,
                reason=ESCALATION_REASONS[index % len(ESCALATION_REASONS)],
            )


RESOLUTIONS = [
    "Restarted the service and checked the logs with the customer.",
    "Replaced the configuration with the standard one; tested from the customer's laptop.",
    "Reset the account and confirmed the login works.",
    "Corrected the invoice and sent the new copy.",
]


def demo_resolution(ticket: Ticket, agent: User) -> Resolution:
    """A believable resolution: a summary and every required checklist item answered (no
    draw from the demo's random sequence, so the rest of the demo stays as it was)."""
    answers: dict[str, Any] = {}
    for step in steps_for(ticket.ticket_type_id):
        if step.kind == "text":
            answers[step.key] = agent.display_name
        elif step.required or ticket.number % 3:
            answers[step.key] = True
    return Resolution(summary=RESOLUTIONS[ticket.number % len(RESOLUTIONS)], verification=answers)


def open_statuses() -> list[Status]:
    return list(
        Status.objects.exclude(category__in=[StatusCategory.RESOLVED, StatusCategory.CLOSED])
    )


__all__ = ["Ticket", "ensure_people", "load", "this_morning"]
