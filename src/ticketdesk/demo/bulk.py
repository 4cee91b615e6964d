"""`ticketdesk demo --tickets N --messages M`: a large, believable data set for benchmarks.

Tickets, their messages and their events (CREATED, MESSAGE_ADDED / NOTE_ADDED, STATUS_CHANGED
for tickets that moved on) are written in batches: `bulk_create` on SQLite, COPY on PostgreSQL.
Numbers come from the ticket counter, advanced once per batch inside the batch's transaction.
The search index is filled batch by batch with set-based SQL. No outbox rows are written: the
data set is history, nothing should be notified.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from ticketdesk.accounts.models import Contact, Organization, Role, Team, User
from ticketdesk.core import clock
from ticketdesk.tickets.models import (
    BusinessArea,
    Category,
    Channel,
    EventKind,
    MessageKind,
    Status,
    StatusCategory,
    TicketCounter,
    TicketType,
)
from ticketdesk.tickets.priority import matrix

from . import data as demo_data
from .bulk_writers import BulkWriter, CopyWriter, SQLiteWriter

BATCH_SIZE = 5000
HISTORY_DAYS = 365
LANGUAGES = ("en", "pt-br", "it")
FIRST_NAMES = {
    "en": ["John", "Emily", "Olivia", "Sam", "James", "Grace", "Noah", "Ava", "Liam", "Mia"],
    "pt-br": ["Maria", "Pedro", "Beatriz", "João", "Lucas", "Ana", "Rafael", "Júlia", "Thiago"],
    "it": ["Giulia", "Marco", "Francesca", "Luca", "Chiara", "Matteo", "Sofia", "Lorenzo"],
}
LAST_NAMES = {
    "en": ["Carter", "Chen", "Brown", "Patel", "Smith", "Taylor", "Walker", "Young"],
    "pt-br": ["Silva", "Costa", "Lima", "Souza", "Oliveira", "Pereira", "Araújo", "Gonçalves"],
    "it": ["Rossi", "Ferrari", "Conti", "Bianchi", "Romano", "Colombo", "Ricci", "Marino"],
}
# Extra words make texts differ, so that search benchmarks have rare and common terms.
DETAILS = [
    "keyboard", "monitor", "docking", "firmware", "dashboard", "certificate", "mailbox",
    "spreadsheet", "headset", "webcam", "router", "badge", "payroll", "calendar", "scanner",
    "backup", "wifi", "bluetooth", "license", "timeout", "sync", "quota", "driver", "token",
]  # fmt: skip
CHANNELS = [
    (Channel.EMAIL, 50), (Channel.PORTAL, 25), (Channel.AGENT, 10),
    (Channel.PHONE, 7), (Channel.API, 5), (Channel.CHAT, 3),
]  # fmt: skip
RECENT_STATUS = {"new": 25, "open": 35, "pending": 15, "on-hold": 5, "resolved": 15, "closed": 5}
OLD_STATUS = {"new": 1, "open": 4, "pending": 2, "on-hold": 1, "resolved": 12, "closed": 80}


@dataclass
class Pools:
    """Reference rows the generated tickets point at."""

    contacts: list[tuple[int, str, str, int | None]]  # id, first name, language, organization
    teams: list[tuple[int, list[int]]]  # team id, assignable agent ids
    statuses: dict[str, Status]
    default_status: Status
    types: list[int]
    categories: list[int]
    areas: list[int]
    priorities: dict[tuple[int, int], int]
    agent_names: dict[int, str] = field(default_factory=dict)


@dataclass
class Batch:
    tickets: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def load(
    count: int,
    messages: int = 3,
    *,
    rng: random.Random,
    progress: Any = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Bulk-load `count` tickets with `messages` messages each; returns the count."""
    from ticketdesk.core.progress import Progress
    from ticketdesk.search import backend as search

    messages = max(1, messages)
    pools = _pools(rng, count, progress)
    writer: BulkWriter = CopyWriter() if connection.vendor == "postgresql" else SQLiteWriter()
    bar = Progress(progress, count, "Tickets")
    now = clock.now()
    start = now - dt.timedelta(days=HISTORY_DAYS)
    done = 0
    while done < count:
        size = min(batch_size, count - done)
        with transaction.atomic():
            writer.begin()
            first_number = take_numbers(size)
            batch = Batch()
            for offset in range(size):
                position = (done + offset) / count
                created = start + dt.timedelta(seconds=position * HISTORY_DAYS * 86400)
                created += dt.timedelta(seconds=rng.randint(0, 3600))
                _ticket(batch, pools, rng, first_number + offset, min(created, now), now, messages)
            first_id, last_id = writer.write(batch)
            search.index_ticket_range(first_id - 1, last_id)
        done += size
        bar.advance(size)
    bar.finish()
    from ticketdesk.core.tasks import refresh_statistics

    refresh_statistics()  # SQLite: the planner needs statistics for tables this size
    if progress is not None:
        progress.write(
            f"Loaded {count:,} tickets with {messages} messages each in {bar.elapsed:.1f} s "
            f"({count / max(bar.elapsed, 0.001):,.0f} tickets/s); search index filled."
        )
    return count


def take_numbers(count: int) -> int:
    """Advance the ticket counter by `count` (inside the caller's transaction, holding the
    counter's lock until commit); returns the first number of the block."""
    updated = TicketCounter.objects.filter(pk="ticket").update(next_value=F("next_value") + count)
    if not updated:
        first = int(settings.TICKETDESK["FIRST_TICKET_NUMBER"])
        TicketCounter.objects.create(pk="ticket", next_value=first + count)
        return first
    value = TicketCounter.objects.filter(pk="ticket").values_list("next_value", flat=True).get()
    return int(value) - count


# --- reference data ----------------------------------------------------------------------------


def _pools(rng: random.Random, count: int, progress: Any) -> Pools:
    people = demo_data.ensure_people(rng)
    contacts = _bulk_contacts(rng, min(max(count // 20, 50), 50_000), progress)
    for contact in people["contacts"]:
        contacts.append((contact.pk, contact.name.split(" ")[0], contact.language or "en", None))
    teams = []
    for team in Team.objects.order_by("pk"):
        agent_ids = list(
            User.objects.filter(
                team_memberships__team=team, role__in=[Role.AGENT, Role.ADMIN], is_active=True
            ).values_list("pk", flat=True)
        )
        teams.append((team.pk, agent_ids))
    statuses = {status.key: status for status in Status.objects.filter(active=True)}
    default_status = Status.objects.filter(is_default=True).first() or next(iter(statuses.values()))
    return Pools(
        contacts=contacts,
        teams=teams,
        statuses=statuses,
        default_status=default_status,
        types=list(TicketType.objects.filter(active=True).values_list("pk", flat=True)),
        categories=list(Category.objects.filter(active=True).values_list("pk", flat=True)),
        areas=list(BusinessArea.objects.values_list("pk", flat=True)),
        priorities=matrix(),
        agent_names={
            user.pk: user.first_name or user.username
            for user in User.objects.filter(role__in=[Role.AGENT, Role.ADMIN])
        },
    )


def _bulk_contacts(
    rng: random.Random, count: int, progress: Any
) -> list[tuple[int, str, str, int | None]]:
    tag = secrets.token_hex(3)  # a fresh run never collides with an earlier one
    organizations = list(Organization.objects.values_list("pk", flat=True))
    rows, details = [], []
    for index in range(count):
        language = rng.choice(LANGUAGES)
        first, last = rng.choice(FIRST_NAMES[language]), rng.choice(LAST_NAMES[language])
        domain = {"en": "mail.example", "pt-br": "correio.example", "it": "posta.example"}
        email = f"{_ascii(first)}.{_ascii(last)}.{tag}{index}@{domain[language]}".lower()
        rows.append(Contact(email=email, name=f"{first} {last}", language=language))
        organization = rng.choice(organizations) if organizations and rng.random() < 0.3 else None
        details.append((first, language, organization))
    created = Contact.objects.bulk_create(rows, batch_size=2000)
    memberships = [
        Contact.organizations.through(contact_id=contact.pk, organization_id=organization)
        for contact, (_first, _language, organization) in zip(created, details, strict=True)
        if organization is not None
    ]
    Contact.organizations.through.objects.bulk_create(memberships, batch_size=2000)
    if progress is not None:
        progress.write(f"Created {count:,} contacts.")
    return [
        (int(contact.pk), first, language, organization)
        for contact, (first, language, organization) in zip(created, details, strict=True)
    ]


def _ascii(value: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(char for char in decomposed if char.isascii())


# --- one ticket --------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


@functools.lru_cache(maxsize=4096)
def _html(text: str) -> str:
    return "".join(
        "<p>" + html.escape(paragraph).replace("\n", "<br>") + "</p>"
        for paragraph in text.split("\n\n")
        if paragraph.strip()
    )


def _label(status: Status) -> dict[str, Any]:
    return {"id": status.pk, "label": status.name}


def _ticket(
    batch: Batch,
    pools: Pools,
    rng: random.Random,
    number: int,
    created: dt.datetime,
    now: dt.datetime,
    message_count: int,
) -> None:
    contact_id, first_name, language, organization_id = rng.choice(pools.contacts)
    subject, _category, _type = rng.choice(demo_data.SUBJECTS[language])
    team_id, agent_ids = rng.choice(pools.teams) if pools.teams else (None, [])
    age = now - created
    key = _weighted(rng, RECENT_STATUS if age < dt.timedelta(days=7) else OLD_STATUS)
    status = pools.statuses.get(key, pools.default_status)
    assignee_id = rng.choice(agent_ids) if agent_ids else None
    if status.category == StatusCategory.NEW and rng.random() < 0.6:
        assignee_id = None
    channel = rng.choices([c for c, _w in CHANNELS], weights=[w for _c, w in CHANNELS])[0]
    urgency, impact = rng.randint(1, 4), rng.randint(1, 4)
    details = " ".join(rng.sample(DETAILS, 2))
    body = demo_data.BODIES[language].format(subject=subject, name=first_name)
    body += f"\n\nAsset: {rng.choice(DETAILS)}-{rng.randint(1000, 99999)} ({details})."
    ticket_id = len(batch.tickets)  # a placeholder the writer replaces with the real id
    ticket: dict[str, Any] = {
        "_index": ticket_id,
        "number": number,
        "subject": subject,
        "description": body,
        "requester_id": contact_id,
        "organization_id": organization_id,
        "team_id": team_id,
        "assignee_id": assignee_id,
        "ticket_type_id": rng.choice(pools.types) if pools.types else None,
        "category_id": rng.choice(pools.categories) if pools.categories else None,
        "business_area_id": rng.choice(pools.areas) if pools.areas and rng.random() < 0.4 else None,
        "channel": channel,
        "urgency": urgency,
        "impact": impact,
        "priority": pools.priorities.get((urgency, impact), 2),
        "status_id": status.pk,
        "status_category": status.category,
        "created_at": created,
        "last_customer_message_at": created,
        "last_agent_message_at": None,
        "first_response_at": None,
        "resolved_at": None,
        "closed_at": None,
    }
    version = 1
    when = created
    _message(batch, ticket_id, MessageKind.PUBLIC, None, contact_id, body, channel, when)
    batch.events.append(
        _event(ticket_id, EventKind.CREATED, when, version, contact=contact_id, message=True)
    )
    batch.events[-1]["data"].update(
        {"channel": channel, "status": pools.default_status.key, "priority": ticket["priority"]}
    )
    for position in range(1, message_count):
        when = min(when + dt.timedelta(minutes=rng.randint(5, 600)), now)
        version += 1
        from_agent = position % 2 == 1
        agent_name = pools.agent_names.get(assignee_id or 0, "")
        if from_agent and rng.random() < 0.15:
            text = rng.choice(demo_data.NOTES)
            _message(batch, ticket_id, MessageKind.INTERNAL, assignee_id, None, text, "agent", when)
            note = _event(ticket_id, EventKind.NOTE_ADDED, when, version, assignee_id, message=True)
            batch.events.append(note)
            continue
        if from_agent:
            text = rng.choice(demo_data.AGENT_REPLIES[language]).format(first=first_name)
            text += f"\n\n{agent_name}".rstrip()
            _message(batch, ticket_id, MessageKind.PUBLIC, assignee_id, None, text, "agent", when)
            ticket["last_agent_message_at"] = when
            ticket["first_response_at"] = ticket["first_response_at"] or when
        else:
            text = rng.choice(demo_data.CUSTOMER_REPLIES[language])
            _message(batch, ticket_id, MessageKind.PUBLIC, None, contact_id, text, channel, when)
            ticket["last_customer_message_at"] = when
        event = _event(
            ticket_id,
            EventKind.MESSAGE_ADDED,
            when,
            version,
            None if not from_agent else assignee_id,
            contact=None if from_agent else contact_id,
            message=True,
        )
        event["data"].update({"from_customer": not from_agent, "channel": channel})
        batch.events.append(event)
    ticket["last_message_at"] = when
    if status.pk != pools.default_status.pk:
        when = min(when + dt.timedelta(minutes=rng.randint(10, 3000)), now)
        version += 1
        event = _event(ticket_id, EventKind.STATUS_CHANGED, when, version, assignee_id)
        event.update(
            field="status", old_value=_label(pools.default_status), new_value=_label(status)
        )
        event["data"].update(
            {
                "from_category": pools.default_status.category,
                "to_category": status.category,
                "reopened": False,
            }
        )
        batch.events.append(event)
        if status.category in (StatusCategory.RESOLVED, StatusCategory.CLOSED):
            ticket["resolved_at"] = when
        if status.category == StatusCategory.CLOSED:
            ticket["closed_at"] = when
    ticket["updated_at"] = when
    ticket["version"] = version
    batch.tickets.append(ticket)


def _message(
    batch: Batch,
    ticket_index: int,
    kind: str,
    user_id: int | None,
    contact_id: int | None,
    text: str,
    channel: str,
    when: dt.datetime,
) -> None:
    batch.messages.append(
        {
            "_ticket": ticket_index,
            "kind": kind,
            "author_user_id": user_id,
            "author_contact_id": contact_id,
            "body_html": _html(text),
            "body_text": text,
            "channel": channel,
            "is_customer_message": contact_id is not None,
            "created_at": when,
        }
    )


def _event(
    ticket_index: int,
    kind: str,
    when: dt.datetime,
    version: int,
    user_id: int | None = None,
    *,
    contact: int | None = None,
    message: bool = False,
) -> dict[str, Any]:
    return {
        "_ticket": ticket_index,
        # the event points at the message written just before it
        "_message": message,
        "kind": kind,
        "actor_user_id": user_id,
        "actor_contact_id": contact,
        "field": "",
        "old_value": None,
        "new_value": None,
        "data": {"version": version},
        "created_at": when,
    }


# --- writers -----------------------------------------------------------------------------------
