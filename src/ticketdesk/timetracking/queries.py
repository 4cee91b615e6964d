"""Reads of time: a ticket's totals and entries, an agent's running timer, the report
grouped by agent, team, organization or period (one aggregate query each)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from ticketdesk.accounts import policy
from ticketdesk.tickets.models import Ticket

from .models import RunningTimer, TimeEntry, TypeTimeRule

TICKET_ENTRIES = 20
GROUPS = ("agent", "team", "organization", "item", "day", "week", "month")


@dataclass
class TicketTime:
    total: int = 0
    billable: int = 0
    entries: list[TimeEntry] = field(default_factory=list)
    more: bool = False
    per_agent: list[dict[str, Any]] = field(default_factory=list)
    timer: RunningTimer | None = None
    required: bool = False


def _per_ticket(qs: QuerySet[Any], value: Any) -> Subquery:
    return Subquery(
        qs.filter(ticket_id=OuterRef("pk"))
        .order_by()
        .values("ticket_id")
        .annotate(v=value)
        .values("v")
    )


def ticket_time_columns(user: Any) -> dict[str, Any]:
    """The time card's totals, the user's running timer and the type's rule as subqueries of
    the ticket's own query (`tickets.queries.ticket_detail(columns=...)`): then
    `ticket_time` needs no query until something is logged."""
    timer = RunningTimer.objects.filter(ticket_id=OuterRef("pk"), agent_id=int(user.pk or 0))
    return {
        "time_total": _per_ticket(TimeEntry.objects.all(), Sum("minutes")),
        "time_billable": _per_ticket(
            TimeEntry.objects.all(), Sum("minutes", filter=Q(billable=True))
        ),
        "time_count": _per_ticket(TimeEntry.objects.all(), Count("id")),
        "time_timer_id": Subquery(timer.order_by("id").values("id")[:1]),
        "time_timer_started": Subquery(timer.order_by("id").values("started_at")[:1]),
        "time_required": Exists(
            TypeTimeRule.objects.filter(
                ticket_type_id=OuterRef("ticket_type_id"), time_required=True
            )
        ),
    }


def _totals(user: Any, ticket: Ticket) -> tuple[dict[str, int], RunningTimer | None, bool]:
    row: Any = ticket  # annotated by ticket_time_columns, when it was
    if hasattr(row, "time_count"):
        totals = {
            "total": row.time_total or 0,
            "billable": row.time_billable or 0,
            "count": row.time_count or 0,
        }
        timer = None
        if row.time_timer_id is not None:
            timer = RunningTimer(
                id=row.time_timer_id,
                ticket_id=ticket.pk,
                agent_id=user.pk,
                started_at=row.time_timer_started,
            )
        return totals, timer, bool(row.time_required) and ticket.ticket_type_id is not None
    found = TimeEntry.objects.filter(ticket=ticket).aggregate(
        total=Sum("minutes"), billable=Sum("minutes", filter=Q(billable=True)), count=Count("id")
    )
    totals = {key: found[key] or 0 for key in ("total", "billable", "count")}
    required = (
        ticket.ticket_type_id is not None
        and TypeTimeRule.objects.filter(
            ticket_type_id=ticket.ticket_type_id, time_required=True
        ).exists()
    )
    return totals, RunningTimer.objects.filter(ticket=ticket, agent=user).first(), required


def ticket_time(user: Any, ticket: Ticket) -> TicketTime | None:
    """What the ticket page shows, or None when the user may not log time: no query before
    anything is logged when the ticket was read with `ticket_time_columns` (else two or
    three), two more after, however many entries."""
    if not policy.can(user, policy.LOG_TIME, ticket):
        return None
    qs = TimeEntry.objects.filter(ticket=ticket)
    totals, timer, required = _totals(user, ticket)
    time = TicketTime(
        total=totals["total"], billable=totals["billable"], timer=timer, required=required
    )
    if totals["count"]:
        entries = list(
            qs.select_related("agent").order_by("-work_date", "-id")[: TICKET_ENTRIES + 1]
        )
        time.entries, time.more = entries[:TICKET_ENTRIES], len(entries) > TICKET_ENTRIES
        per_agent = (
            qs.values("agent_id", "agent__first_name", "agent__last_name", "agent__username")
            .annotate(total=Sum("minutes"))
            .order_by("-total")[:20]
        )
        time.per_agent = [{**row} for row in per_agent]
    return time


def entries_in(since: dt.date, until: dt.date) -> QuerySet[TimeEntry]:
    """Entries with `since <= work_date <= until`."""
    return TimeEntry.objects.filter(work_date__gte=since, work_date__lte=until)


def _group_columns(group: str) -> tuple[dict[str, Any], list[str]]:
    if group == "agent":
        return {}, ["agent_id", "agent__first_name", "agent__last_name", "agent__username"]
    if group == "team":
        return {}, ["team_id", "team__name"]
    if group == "organization":
        return {}, ["organization_id", "organization__name"]
    if group == "item":  # the ticket's affected items (assets): a ticket's time counts under each
        return {}, ["ticket__affected_items__item_id", "ticket__affected_items__item__name"]
    trunc = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}[group]
    return {"period": trunc("work_date")}, ["period"]


def _label(group: str, row: dict[str, Any]) -> str:
    if group == "agent":
        name = f"{row['agent__first_name']} {row['agent__last_name']}".strip()
        return name or row["agent__username"]
    if group in ("team", "organization"):
        return row[f"{group}__name"] or ""
    if group == "item":
        return row["ticket__affected_items__item__name"] or ""
    period = row["period"]
    return period.isoformat() if hasattr(period, "isoformat") else str(period)


def report(
    since: dt.date,
    until: dt.date,
    group: str,
    *,
    billable: bool | None = None,
    scope: Q | None = None,
) -> list[dict[str, Any]]:
    """[{label, minutes, billable_minutes, entries, tickets}] for the period, one row per
    group value (empty label: no team / no organization), largest first for people and
    teams, in order for periods (at most 1,000 rows; one query)."""
    if group not in GROUPS:
        raise ValueError(group)
    qs = entries_in(since, until)
    if scope is not None:  # policy.time_report_scope: whose entries the viewer may see
        qs = qs.filter(scope)
    if billable is not None:
        qs = qs.filter(billable=billable)
    extra, columns = _group_columns(group)
    if extra:
        qs = qs.annotate(**extra)
    rows = (
        qs.values(*columns)
        .annotate(
            total=Sum("minutes"),
            billable_minutes=Sum("minutes", filter=Q(billable=True)),
            entries=Count("id"),
            tickets=Count("ticket_id", distinct=True),
        )
        .order_by(*(["period"] if extra else [F("total").desc(), columns[0]]))
    )
    return [
        {
            "label": _label(group, row),
            "minutes": row["total"] or 0,
            "billable_minutes": row["billable_minutes"] or 0,
            "entries": row["entries"],
            "tickets": row["tickets"],
        }
        for row in rows[:1000]
    ]
