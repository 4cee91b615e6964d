"""Keeping a ticket's SLA up to date: recompute the clock from the event log, write the derived
ticket columns, record every clock change, warning and breach once as a TicketEvent (kind
"sla"), and publish `sla.warning` / `sla.breached` to the outbox for automation.

Called by the SLA consumer (ticket created/updated, message created) and by the scheduler
for tickets whose next warning or breach moment has passed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from ticketdesk.core import clock as system_clock
from ticketdesk.core import metrics, outbox
from ticketdesk.tickets.actions.base import build_event
from ticketdesk.tickets.models import EventKind, Status, Ticket, TicketEvent

from .clock import RUNNING, SLAResult, clock_events, compute
from .models import TicketSLA
from .selection import PolicyCatalog, policy_spec

logger = logging.getLogger(__name__)

WARNING_TOPIC = "sla.warning"
BREACHED_TOPIC = "sla.breached"
BATCH_SIZE = 200
MAX_BATCHES = 25
CHECK_CHUNK = 25
# A warning or breach found more than this long after its moment (the demo's past tickets, a
# worker that was down for hours) is recorded on the ticket and counted in reports, but fires
# no rule and alerts nobody. TICKETDESK["SLA_ALERT_GRACE_MINUTES"] changes it.
STALE_ALERT_MINUTES = 60


def stale_after() -> dt.timedelta:
    return dt.timedelta(
        minutes=int(settings.TICKETDESK.get("SLA_ALERT_GRACE_MINUTES", STALE_ALERT_MINUTES))
    )


EVENT_FIELDS = ("id", "ticket_id", "kind", "data", "new_value", "created_at")
CLOCK_KINDS = ("created", "status_changed", "message_added")


def status_map() -> dict[Any, tuple[str, str]]:
    statuses: dict[Any, tuple[str, str]] = {}
    for pk, key, category in Status.objects.values_list("pk", "key", "category"):
        statuses[pk] = (key, category)
        statuses[key] = (key, category)
    return statuses


def evaluate(
    ticket: Ticket,
    catalog: PolicyCatalog,
    statuses: dict,
    now: dt.datetime,
    events: Any = None,
) -> tuple:
    """(policy, SLAResult) for the ticket as of `now` (reads only; `events`: its clock
    events in order, when the caller has them already)."""
    policy = catalog.policy_for(ticket)
    if policy is None:
        return None, SLAResult()
    if events is None:
        events = (
            TicketEvent.objects.filter(ticket_id=ticket.pk, kind__in=CLOCK_KINDS)
            .order_by("created_at", "id")
            .only(*EVENT_FIELDS)
        )
    schedule = catalog.schedule(catalog.calendar_id_for(policy, ticket))
    result = compute(clock_events(events, statuses), policy_spec(policy), schedule, now)
    return policy, result


def refresh(
    ticket_id: int,
    *,
    catalog: PolicyCatalog | None = None,
    statuses: dict | None = None,
) -> SLAResult | None:
    """Recompute and store the SLA of one ticket; idempotent. Returns the result (None if the
    ticket is gone)."""
    return refresh_many(
        [ticket_id],
        catalog=catalog or PolicyCatalog.load(),
        statuses=statuses if statuses is not None else status_map(),
    ).get(ticket_id)


def refresh_many(
    ticket_ids: list[int], *, catalog: PolicyCatalog, statuses: dict
) -> dict[int, SLAResult | None]:
    """Recompute and store the SLA of several tickets in one transaction and a handful of
    statements (the consumer's batches): the tickets locked in id order, their clock events,
    their SLA rows read at once; the events and rows written in bulk. Idempotent."""
    ids = sorted({int(i) for i in ticket_ids})
    results: dict[int, SLAResult | None] = dict.fromkeys(ids)
    if not ids:
        return results
    with transaction.atomic():
        tickets = list(
            Ticket.objects.select_for_update(of=("self",))
            .select_related("status", "organization", "category")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        events: dict[int, list[TicketEvent]] = defaultdict(list)
        for event in (
            TicketEvent.objects.filter(ticket_id__in=ids, kind__in=CLOCK_KINDS)
            .order_by("ticket_id", "created_at", "id")
            .only(*EVENT_FIELDS)
        ):
            events[event.ticket_id].append(event)
        states = {s.ticket_id: s for s in TicketSLA.objects.filter(ticket_id__in=ids)}
        now = system_clock.now()
        batch = _Writes()
        for ticket in tickets:
            policy, result = evaluate(ticket, catalog, statuses, now, events.get(ticket.pk, []))
            results[ticket.pk] = result
            _refresh_one(ticket, policy, result, states.get(ticket.pk), now, batch)
        batch.save()
    return results


@dataclass
class _Writes:
    events: list[TicketEvent] = field(default_factory=list)
    new_states: list[TicketSLA] = field(default_factory=list)
    changed_states: list[TicketSLA] = field(default_factory=list)
    columns: list[Ticket] = field(default_factory=list)
    alerts: list[tuple[str, dict[str, Any], int, bool]] = field(default_factory=list)

    def save(self) -> None:
        if self.events:
            TicketEvent.objects.bulk_create(self.events)
        if self.new_states:
            TicketSLA.objects.bulk_create(self.new_states)
        if self.changed_states:
            TicketSLA.objects.bulk_update(self.changed_states, STATE_FIELDS)
        if self.columns:
            Ticket.objects.bulk_update(self.columns, list(COLUMNS))
        # nobody is alerted about a moment long past; reports still count it
        outbox.publish_many(
            [
                (topic, payload, ticket_id, True if stale else None)
                for topic, payload, ticket_id, stale in self.alerts
            ]
        )


def _refresh_one(
    ticket: Ticket,
    policy: Any,
    result: SLAResult,
    state: TicketSLA | None,
    now: dt.datetime,
    batch: _Writes,
) -> None:
    _write_columns(ticket, result, now, batch)
    if state is None:
        if policy is None:
            return
        state = TicketSLA(ticket=ticket, notified={"keys": []}, metrics={})
        batch.new_states.append(state)
    else:
        batch.changed_states.append(state)
    recorded: list[str] = list((state.notified or {}).get("keys", []))
    seen = set(recorded)
    if state.policy_id != (policy.pk if policy else None):
        batch.events.append(
            build_event(
                ticket,
                EventKind.SLA,
                None,
                data={
                    "change": "policy" if policy else "no_policy",
                    "policy_id": policy.pk if policy else None,
                    "policy": policy.name if policy else "",
                },
                at=now,
            )
        )
    for transition in result.transitions:
        if transition.key in seen:
            continue
        batch.events.append(
            build_event(
                ticket,
                EventKind.SLA,
                None,
                data={
                    "metric": transition.metric,
                    "change": transition.change,
                    "at": transition.at.isoformat(),
                },
                # dated when it happened (history computed later, a worker that was down),
                # so the timeline tells the story in order
                at=min(transition.at, now),
            )
        )
        recorded.append(transition.key)
        seen.add(transition.key)
    _record_alerts(ticket, result, recorded, seen, policy, now, batch)
    state.policy = policy
    state.metrics = {metric: m.as_dict() for metric, m in result.metrics.items()}
    state.notified = {"keys": recorded}
    state.next_check_at = _next_check(result, seen)
    state.computed_at = now


def _record_alerts(
    ticket: Ticket,
    result: SLAResult,
    recorded: list[str],
    seen: set[str],
    policy: Any,
    now: dt.datetime,
    batch: _Writes,
) -> None:
    for metric, m in result.metrics.items():
        for change, at, topic in (
            ("warning", m.warned_at, WARNING_TOPIC),
            ("breached", m.breached_at, BREACHED_TOPIC),
        ):
            key = f"{metric}:{change}:{m.cycle}"
            if at is None or key in seen:
                continue
            if change == "breached":
                transaction.on_commit(metrics.SLA_BREACHES.labels(metric).inc)
            batch.events.append(
                build_event(
                    ticket,
                    EventKind.SLA,
                    None,
                    data={
                        "metric": metric,
                        "change": change,
                        "at": at.isoformat(),
                        "due_at": (m.due_at or at).isoformat() if change == "warning" else None,
                    },
                    at=min(at, now),
                )
            )
            recorded.append(key)
            seen.add(key)
            stale = at < now - stale_after()
            payload = {
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
            }
            batch.alerts.append((topic, payload, ticket.pk, stale))


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


COLUMNS = (
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "due_at",
    "sla_state",
)
STATE_FIELDS = ["policy", "metrics", "notified", "next_check_at", "computed_at"]


def _write_columns(ticket: Ticket, result: SLAResult, now: dt.datetime, batch: _Writes) -> None:
    """The derived SLA columns of the ticket (no version bump: derived data, not a change)."""
    columns = {
        "first_response_due_at": _due(result, "first_response"),
        "next_response_due_at": _due(result, "next_response"),
        "resolution_due_at": _due(result, "resolution"),
        "due_at": result.due_at,
        "sla_state": result.state(now),
    }
    if any(getattr(ticket, name) != value for name, value in columns.items()):
        for name, value in columns.items():
            setattr(ticket, name, value)
        batch.columns.append(ticket)


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
        for start in range(0, len(ids), CHECK_CHUNK):  # short transactions
            chunk = ids[start : start + CHECK_CHUNK]
            try:
                refresh_many(chunk, catalog=catalog, statuses=statuses)
            except Exception:  # find the ticket that fails; the others go through
                for ticket_id in chunk:
                    try:
                        refresh(ticket_id, catalog=catalog, statuses=statuses)
                    except Exception:
                        logger.exception("SLA check of ticket %s failed", ticket_id)
                        retry = system_clock.now() + dt.timedelta(minutes=5)
                        TicketSLA.objects.filter(ticket_id=ticket_id).update(next_check_at=retry)
            done += len(chunk)
    return done
