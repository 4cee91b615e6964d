"""Batch writers for the bulk demo loader (demo/bulk.py): rows with explicit ids,
bypassing the ORM's per-object work — executemany on SQLite, COPY on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, connection, models, transaction

from ticketdesk.tickets.models import Message, Ticket, TicketEvent

if TYPE_CHECKING:
    from .bulk import Batch


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


class BulkWriter(ABC):
    """Writes one batch with explicit ids (taken up front), bypassing the ORM's per-object
    work: executemany on SQLite, COPY on PostgreSQL."""

    def begin(self) -> None:  # noqa: B027 - optional hook, a no-op by default
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

    @abstractmethod
    def ids(self, model: type[models.Model], count: int) -> list[int]:
        """Take `count` primary keys for `model` up front."""

    @abstractmethod
    def insert(
        self,
        model: type[models.Model],
        columns: Sequence[models.Field],
        rows: Iterator[dict[str, Any]],
    ) -> None:
        """Insert `rows` (dicts by attname) into `model`'s table."""


class SQLiteWriter(BulkWriter):
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


class CopyWriter(BulkWriter):
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
