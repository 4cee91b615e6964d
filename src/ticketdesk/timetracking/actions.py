"""The only write path for time: log an entry, start and stop a timer, delete an entry.
Each asks the policy, validates, writes in one transaction and publishes an event."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import User
from ticketdesk.core import clock, outbox
from ticketdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from ticketdesk.tickets.models import Ticket

from .models import RunningTimer, TimeEntry, TypeTimeRule

MAX_MINUTES = 24 * 60
MAX_NOTE = 1000
MAX_DAYS_BACK = 366


def _payload(entry: TimeEntry, actor: User | None) -> dict[str, Any]:
    return {
        "ticket_id": entry.ticket_id,
        "ticket_number": entry.ticket.number,
        "entry_id": entry.pk,
        "agent_id": entry.agent_id,
        "minutes": entry.minutes,
        "billable": entry.billable,
        "work_date": entry.work_date.isoformat(),
        "actor_id": actor.pk if actor else None,
    }


def _check(minutes: Any, work_date: dt.date | None, note: str) -> tuple[int, dt.date, str]:
    errors: dict[str, list[str]] = {}
    try:
        value = int(minutes)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_MINUTES:
        errors["minutes"] = [_("Enter whole minutes from 1 to %(max)d.") % {"max": MAX_MINUTES}]
    today = timezone.localdate(clock.now())
    day = work_date or today
    if day > today:
        errors["work_date"] = [_("The date cannot be in the future.")]
    elif (today - day).days > MAX_DAYS_BACK:
        errors["work_date"] = [_("The date is more than a year ago.")]
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = [_("At most %(n)d characters.") % {"n": MAX_NOTE}]
    if errors:
        raise ValidationFailed(_("Check the time entry."), fields=errors)
    return value, day, note


def _create(ticket: Ticket, agent: User, **columns: Any) -> TimeEntry:
    entry = TimeEntry.objects.create(
        ticket=ticket,
        agent=agent,
        team_id=ticket.team_id,
        organization_id=ticket.organization_id,
        created_at=clock.now(),
        **columns,
    )
    outbox.publish("time.logged", _payload(entry, agent), ticket_id=ticket.pk)
    return entry


def log_time(
    ticket: Ticket,
    *,
    actor: User,
    minutes: Any,
    work_date: dt.date | None = None,
    billable: bool = True,
    note: str = "",
) -> TimeEntry:
    """The actor logs `minutes` on `ticket` for `work_date` (default: today)."""
    policy.require(actor, policy.LOG_TIME, ticket)
    value, day, note = _check(minutes, work_date, note)
    with transaction.atomic():
        return _create(ticket, actor, minutes=value, work_date=day, billable=billable, note=note)


def start_timer(ticket: Ticket, *, actor: User) -> RunningTimer:
    policy.require(actor, policy.LOG_TIME, ticket)
    with transaction.atomic():
        timer, created = RunningTimer.objects.get_or_create(
            agent=actor, ticket=ticket, defaults={"started_at": clock.now()}
        )
        if created:
            outbox.publish(
                "time.timer_started",
                {"ticket_id": ticket.pk, "agent_id": actor.pk, "actor_id": actor.pk},
                ticket_id=ticket.pk,
            )
    return timer


def stop_timer(ticket: Ticket, *, actor: User, billable: bool = True, note: str = "") -> TimeEntry:
    """Stop the actor's timer on the ticket: an entry of the minutes it ran (rounded up,
    at least one; at most a day)."""
    policy.require(actor, policy.LOG_TIME, ticket)
    with transaction.atomic():
        timer = RunningTimer.objects.select_for_update().filter(agent=actor, ticket=ticket).first()
        if timer is None:
            raise NotFound(_("No timer is running on this ticket."))
        seconds = (clock.now() - timer.started_at).total_seconds()
        minutes = min(max(1, math.ceil(seconds / 60)), MAX_MINUTES)
        _value, day, note = _check(minutes, None, note)
        timer.delete()
        return _create(
            ticket,
            actor,
            minutes=minutes,
            work_date=day,
            billable=billable,
            note=note,
            from_timer=True,
        )


def delete_entry(entry: TimeEntry, *, actor: User) -> None:
    """Agents delete their own entries; admins anyone's."""
    if entry.agent_id != actor.pk and not policy.is_admin(actor):
        raise PermissionDenied(_("You can only delete your own time entries."))
    policy.require(actor, policy.LOG_TIME, entry.ticket)
    with transaction.atomic():
        payload = _payload(entry, actor)
        entry.delete()
        outbox.publish("time.deleted", payload, ticket_id=payload["ticket_id"])


def require_time_before_resolving(ticket: Any, actor: Any) -> None:
    """The resolve check (registered in apps.py): a type whose rule asks for time cannot be
    resolved by an agent before some time is logged on the ticket."""
    if ticket.ticket_type_id is None:
        return
    required = TypeTimeRule.objects.filter(
        ticket_type_id=ticket.ticket_type_id, time_required=True
    ).exists()
    if required and not TimeEntry.objects.filter(ticket_id=ticket.pk).exists():
        raise ValidationFailed(
            _("Log the time spent on this ticket before resolving it."),
            fields={"time": [_("This ticket type needs time logged before it is resolved.")]},
        )
