"""Keeping a ticket's SLA up to date: recompute the clock from the event log, write the derived
ticket columns, record every clock change, warning and breach once as a TicketEvent (kind
"sla"), and publish `sla.warning` / `sla.breached` to the outbox for automation.

Called by the SLA consumer (ticket created/updated, message created) and by the scheduler
for tickets whose next warning or breach moment has passed.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from ticketdesk.core import clock as system_clock
from ticketdesk.core import outbox
from ticketdesk.core.errors import NotFound
from ticketdesk.tickets.actions.base import lock_ticket, record
from ticketdesk.tickets.models import EventKind, Status, Ticket, TicketEvent

from .clock import RUNNING, SLAResult, clock_events, compute
from .models import TicketSLA
from .selection import PolicyCatalog, policy_spec

logger = logging.getLogger(__name__)

WARNING_TOPIC = "sla.warning"
BREACHED_TOPIC = "sla.breached"
BATCH_SIZE = 200
MAX_BATCHES = 25
# A warning or breach found more than this long after its moment (the demo's past tickets, a
# worker that was down for hours) is recorded on the ticket and counted in reports, but fires
# no rule and alerts nobody. TICKETDESK["SLA_ALERT_GRACE_MINUTES"] changes it.
STALE_ALERT_MINUTES = 60


def stale_after() -> dt.timedelta:
    return dt.timedelta(
        minutes=int(settings.TICKETDESK.get("SLA_ALERT_GRACE_MINUTES", STALE_ALERT_MINUTES))
    )


EVENT_FIELDS = ("id", "ticket_id", "kind", "data", "new_value", "created_at")


def status_map() -> dict[Any, tuple[str, str]]:
    statuses: dict[Any, tuple[str, str]] = {}
    for pk, key, category in Status.objects.values_list("pk", "key", "category"):
        statuses[pk] = (key, category)
        statuses[key] = (key, category)
    return statuses


def evaluate(ticket: Ticket, catalog: PolicyCatalog, statuses: dict, now: dt.datetime) -> tuple:
    """(policy, SLAResult) for the ticket as of `now` (reads only)."""
    policy = catalog.policy_for(ticket)
    if policy is None:
        return None, SLAResult()
    events = (
        TicketEvent.objects.filter(
            ticket_id=ticket.pk, kind__in=("created", "status_changed", "message_added")
        )
        .order_by("created_at", "id")
        .only(*EVENT_FIELDS)
    )
    schedule = catalog.schedule(catalog.calendar_id_for(policy, ticket))
    result = compute(clock_events(events, statuses), policy_spec(policy), schedule, now)
    return policy, result


def refresh_many(
    ticket_ids: list[int], *, catalog: PolicyCatalog, statuses: dict
) -> dict[int, SLAResult | None]:
    """Recompute several tickets' SLA with one catalog (the consumer's batches)."""
    return {
        ticket_id: refresh(ticket_id, catalog=catalog, statuses=statuses)
        for ticket_id in sorted(set(ticket_ids))
    }


def refresh(
    ticket_id: int,
    *,
    catalog: PolicyCatalog | None = None,
    statuses: dict | None = None,
) -> SLAResult | None:
    """Recompute and store the SLA of one ticket; idempotent. Returns the result (None if the
    ticket is gone)."""
    catalog = catalog or PolicyCatalog.load()
    statuses = statuses if statuses is not None else status_map()
    with transaction.atomic():
        try:
            ticket = lock_ticket(ticket_id)
        except NotFound:  # deleted meanwhile: nothing to do
            return None
        now = system_clock.now()
        policy, result = evaluate(ticket, catalog, statuses, now)
        state = TicketSLA.objects.filter(ticket=ticket).first()
        if state is None:
            if policy is None:
                _write_columns(ticket, result, now)
                return result
            state = TicketSLA.objects.create(ticket=ticket)
        recorded: list[str] = list(state.notified.get("keys", []))
        seen = set(recorded)
        previous_policy_id = state.policy_id
        if previous_policy_id != (policy.pk if policy else None):
            record(
                ticket,
                EventKind.SLA,
                None,
                data={
                    "change": "policy" if policy else "no_policy",
                    "policy_id": policy.pk if policy else None,
                    "policy": policy.name if policy else "",
                },
            )
        for transition in result.transitions:
            if transition.key in seen:
                continue
            record(
                ticket,
                EventKind.SLA,
                None,
                data={
                    "metric": transition.metric,
                    "change": transition.change,
                    "at": transition.at.isoformat(),
                },
            )
            recorded.append(transition.key)
            seen.add(transition.key)
        _record_alerts(ticket, result, recorded, seen, policy)
        state.policy = policy
        state.metrics = {metric: m.as_dict() for metric, m in result.metrics.items()}
        state.notified = {"keys": recorded}
        state.next_check_at = _next_check(result, seen)
        state.computed_at = now
        state.save()
        _write_columns(ticket, result, now)
    return result


def _record_alerts(
    ticket: Ticket, result: SLAResult, recorded: list[str], seen: set[str], policy: Any
) -> None:
    for metric, m in result.metrics.items():
        for change, at, topic in (
            ("warning", m.warned_at, WARNING_TOPIC),
            ("breached", m.breached_at, BREACHED_TOPIC),
        ):
            key = f"{metric}:{change}:{m.cycle}"
            if at is None or key in seen:
                continue
            record(
                ticket,
                EventKind.SLA,
                None,
                data={
                    "metric": metric,
                    "change": change,
                    "at": at.isoformat(),
                    "due_at": (m.due_at or at).isoformat() if change == "warning" else None,
                },
            )
            recorded.append(key)
            seen.add(key)
            stale = at < system_clock.now() - stale_after()
            outbox.publish(
                topic,
                {
                    "ticket_id": ticket.pk,
                    "ticket_number": ticket.number,
                    "actor_id": None,
                    "version": ticket.version,
                    "metric": metric,
                    "due_at": (m.due_at or m.breached_at or at).isoformat(),
                    "at": at.isoformat(),
                    "policy_id": policy.pk if policy else None,
                    "open": m.is_open,
                    "cycle": m.cycle,
                    "stale": stale,
                },
                ticket_id=ticket.pk,
                # nobody is alerted about a moment long past; reports still count it
                historical=True if stale else None,
            )


def _next_check(result: SLAResult, seen: set[str]) -> dt.datetime | None:
    """The earliest warning or breach moment not yet recorded, of the running targets."""
    moments: list[dt.datetime] = []
    for metric, m in result.metrics.items():
        if m.state != RUNNING:
            continue
        if m.warn_at and f"{metric}:warning:{m.cycle}" not in seen:
            moments.append(m.warn_at)
        if m.due_at and f"{metric}:breached:{m.cycle}" not in seen:
            moments.append(m.due_at)
    return min(moments) if moments else None


def _due(result: SLAResult, metric: str) -> dt.datetime | None:
    m = result.metrics.get(metric)
    return m.due_at if m is not None and m.state == RUNNING else None


def _write_columns(ticket: Ticket, result: SLAResult, now: dt.datetime) -> None:
    """The derived SLA columns of the ticket (no version bump: derived data, not a change)."""
    columns = {
        "first_response_due_at": _due(result, "first_response"),
        "next_response_due_at": _due(result, "next_response"),
        "resolution_due_at": _due(result, "resolution"),
        "due_at": result.due_at,
        "sla_state": result.state(now),
    }
    if any(getattr(ticket, name) != value for name, value in columns.items()):
        Ticket.objects.filter(pk=ticket.pk).update(**columns)


def check_due(now: dt.datetime | None = None) -> int:
    """Refresh the tickets whose next warning or breach moment has passed, in bounded batches
    through the indexed `next_check_at`. Returns how many were refreshed."""
    now = now or system_clock.now()
    catalog: PolicyCatalog | None = None
    statuses: dict = {}
    done = 0
    for _batch in range(MAX_BATCHES):
        ids = list(
            TicketSLA.objects.filter(next_check_at__lte=now)
            .order_by("next_check_at")
            .values_list("ticket_id", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            break
        if catalog is None:  # loaded once, and only when there is work
            catalog = PolicyCatalog.load()
            statuses = status_map()
        for ticket_id in ids:
            try:
                refresh(ticket_id, catalog=catalog, statuses=statuses)
            except Exception:
                logger.exception("SLA check of ticket %s failed", ticket_id)
                retry = system_clock.now() + dt.timedelta(minutes=5)
                TicketSLA.objects.filter(ticket_id=ticket_id).update(next_check_at=retry)
            done += 1
    return done
