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
import json
import random
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models import F

from ticketdesk.accounts.models import Contact, Organization, Role, Team, User
from ticketdesk.core import clock

from . import demo_data
from .models import (
    BusinessArea,
    Category,
    Channel,
    EventKind,
    Message,
    MessageKind,
    Status,
    StatusCategory,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketType,
)
from .priority import matrix

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
    from ticketdesk.search import backend as search
    from ticketdesk.search.progress import Progress

    messages = max(1, messages)
    pools = _pools(rng, count, progress)
    writer: _Writer = _CopyWriter() if connection.vendor == "postgresql" else _SQLiteWriter()
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


def _columns(model: type[models.Model], *, with_id: bool) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if with_id or not f.primary_key  # type: ignore[union-attr]
    ]


def _defaults(model: type[models.Model]) -> dict[str, Any]:
    return {
        f.attname: f.get_default()
        for f in model._meta.concrete_fields
        if not f.primary_key  # type: ignore[union-attr]
    }


def _as_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _as_sqlite_datetime(value: dt.datetime | None) -> str | None:
    # what Django's SQLite backend stores: naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"
    if value is None:
        return None
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _identity(value: Any) -> Any:
    return value


class _Writer:
    """Writes one batch with explicit ids (taken up front), bypassing the ORM's per-object
    work: executemany on SQLite, COPY on PostgreSQL."""

    def begin(self) -> None:
        """Called first in each batch's transaction."""

    def write(self, batch: Batch) -> tuple[int, int]:
        ticket_ids = self.ids(Ticket, len(batch.tickets))
        message_ids = self.ids(Message, len(batch.messages))
        ticket_defaults = _defaults(Ticket)
        self.insert(
            Ticket,
            _columns(Ticket, with_id=True),
            ({**ticket_defaults, **row, "id": ticket_ids[row["_index"]]} for row in batch.tickets),
        )
        message_defaults = _defaults(Message)
        self.insert(
            Message,
            _columns(Message, with_id=True),
            (
                {
                    **message_defaults,
                    **row,
                    "id": message_ids[index],
                    "ticket_id": ticket_ids[row["_ticket"]],
                }
                for index, row in enumerate(batch.messages)
            ),
        )
        self.insert(
            TicketEvent,
            _columns(TicketEvent, with_id=False),
            (
                {**row, "ticket_id": ticket_ids[row["_ticket"]]}
                for row in _events_with_messages(batch, iter(message_ids))
            ),
        )
        return min(ticket_ids), max(ticket_ids)

    def converter(self, column: models.Field) -> Any:
        if isinstance(column, models.JSONField):
            return _as_json
        return _identity

    def rows(
        self, columns: Sequence[models.Field], rows: Iterator[dict[str, Any]]
    ) -> Iterator[list[Any]]:
        pairs = [(column.attname, self.converter(column)) for column in columns]
        for row in rows:
            yield [convert(row[name]) for name, convert in pairs]

    def ids(self, model: type[models.Model], count: int) -> list[int]:
        raise NotImplementedError

    def insert(
        self,
        model: type[models.Model],
        columns: Sequence[models.Field],
        rows: Iterator[dict[str, Any]],
    ) -> None:
        raise NotImplementedError


class _SQLiteWriter(_Writer):
    def converter(self, column: models.Field) -> Any:
        if isinstance(column, models.DateTimeField):
            return _as_sqlite_datetime
        return super().converter(column)

    def ids(self, model: type[models.Model], count: int) -> list[int]:
        # the batch's transaction holds SQLite's write lock: nobody else takes ids meanwhile
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0), "  # noqa: S608
                "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
                [table],
            )
            start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))

    def insert(
        self,
        model: type[models.Model],
        columns: Sequence[models.Field],
        rows: Iterator[dict[str, Any]],
    ) -> None:
        names = ", ".join(connection.ops.quote_name(str(column.column)) for column in columns)
        marks = ", ".join("?" for _column in columns)
        sql = f"INSERT INTO {model._meta.db_table} ({names}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.cursor.executemany(sql, self.rows(columns, rows))  # type: ignore[attr-defined]


class _CopyWriter(_Writer):
    """PostgreSQL: ids taken from the sequences, rows streamed with COPY."""

    replica_role_allowed = True

    def begin(self) -> None:
        with connection.cursor() as cursor:
            # demo data: losing the last batch in a crash is fine, waiting for each flush is not
            cursor.execute("SET LOCAL synchronous_commit = off")
            if not self.replica_role_allowed:
                return
            # The generated rows only reference rows that exist, so skip the deferred foreign
            # key checks (a third of the time at commit). Needs superuser; else keep them.
            try:
                with transaction.atomic():
                    cursor.execute("SET LOCAL session_replication_role = replica")
            except DatabaseError:
                self.replica_role_allowed = False

    def ids(self, model: type[models.Model], count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            return [int(row[0]) for row in cursor.fetchall()]

    def insert(
        self,
        model: type[models.Model],
        columns: Sequence[models.Field],
        rows: Iterator[dict[str, Any]],
    ) -> None:
        quoted = ", ".join(connection.ops.quote_name(str(column.column)) for column in columns)
        sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN"
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(sql) as copy:  # type: ignore[attr-defined]
                for values in self.rows(columns, rows):
                    copy.write_row(values)


def _events_with_messages(batch: Batch, message_ids: Iterator[int]) -> Iterator[dict[str, Any]]:
    """Events in order, each MESSAGE-bearing one paired with the message written before it
    (messages and events are generated in the same order)."""
    for row in batch.events:
        yield {**row, "message_id": next(message_ids) if row["_message"] else None}
