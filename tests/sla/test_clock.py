"""The pure SLA clock: pauses, response cycles, reopen, priority/policy changes recomputed from
the same history, and the property that paused time never counts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ticketdesk.sla.calendar import business_seconds_between, make_schedule
from ticketdesk.sla.clock import (
    AGENT_MESSAGE,
    CREATED,
    CUSTOMER_MESSAGE,
    STATUS,
    ClockEvent,
    PolicySpec,
    TargetSpec,
    compute,
)

UTC = dt.UTC
ROME = ZoneInfo("Europe/Rome")
OFFICE = make_schedule("Europe/Rome", [(d, "09:00", "18:00") for d in range(5)])
HOUR = 3600


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ROME)


def created(when: dt.datetime) -> ClockEvent:
    return ClockEvent(when, CREATED, "new", "new")


def status(when: dt.datetime, key: str, category: str) -> ClockEvent:
    return ClockEvent(when, STATUS, key, category)


def policy(**targets: float) -> PolicySpec:
    return PolicySpec(targets={m: TargetSpec(seconds=s) for m, s in targets.items()})


def test_pending_overnight_pause_moves_resolution_due():
    events = [
        created(at(2025, 6, 9, 10)),  # Monday 10:00
        ClockEvent(at(2025, 6, 9, 11), AGENT_MESSAGE),
        status(at(2025, 6, 9, 11), "pending", "pending"),  # waits on the customer
        ClockEvent(at(2025, 6, 10, 15), CUSTOMER_MESSAGE),  # Tuesday 15:00
        status(at(2025, 6, 10, 15), "open", "open"),
    ]
    result = compute(
        events, policy(resolution=8 * HOUR, first_response=4 * HOUR), OFFICE, at(2025, 6, 10, 16)
    )
    resolution = result.metrics["resolution"]
    assert resolution.state == "running"
    assert resolution.elapsed_seconds == 2 * HOUR  # 10-11 Monday, 15-16 Tuesday
    # 1 h used before the pause; 7 h left from Tuesday 15:00 -> 3 h Tuesday, 4 h Wednesday
    assert resolution.due_at == at(2025, 6, 11, 13)
    assert result.metrics["first_response"].state == "met"
    assert result.metrics["first_response"].breached_at is None
    changes = [(t.metric, t.change) for t in result.transitions]
    assert ("resolution", "paused") in changes and ("resolution", "resumed") in changes
    assert result.state(at(2025, 6, 10, 16)) == "active"


def test_paused_ticket_has_no_due_and_state_paused():
    events = [created(at(2025, 6, 9, 10)), status(at(2025, 6, 9, 12), "pending", "pending")]
    result = compute(events, policy(resolution=8 * HOUR), OFFICE, at(2025, 6, 20, 12))
    resolution = result.metrics["resolution"]
    assert resolution.state == "paused"
    assert resolution.due_at is None
    assert resolution.elapsed_seconds == 2 * HOUR
    assert result.due_at is None
    assert result.state(at(2025, 6, 20)) == "paused"


def test_configured_pause_statuses_replace_the_pending_category():
    events = [created(at(2025, 6, 9, 10)), status(at(2025, 6, 9, 12), "on-hold", "pending")]
    spec = PolicySpec(
        targets={"resolution": TargetSpec(8 * HOUR)}, pause_status_keys=frozenset({"waiting"})
    )
    result = compute(events, spec, OFFICE, at(2025, 6, 9, 15))
    assert result.metrics["resolution"].state == "running"  # on-hold does not pause here
    assert result.metrics["resolution"].elapsed_seconds == 5 * HOUR


def test_next_response_cycles_on_customer_messages():
    events = [
        created(at(2025, 6, 9, 9)),
        ClockEvent(at(2025, 6, 9, 10), AGENT_MESSAGE),
        ClockEvent(at(2025, 6, 9, 11), CUSTOMER_MESSAGE),
        ClockEvent(at(2025, 6, 9, 12), CUSTOMER_MESSAGE),  # same cycle: oldest unanswered
    ]
    spec = policy(first_response=HOUR, next_response=2 * HOUR)
    result = compute(events, spec, OFFICE, at(2025, 6, 9, 12, 30))
    nxt = result.metrics["next_response"]
    assert nxt.state == "running"
    assert nxt.cycle_start == at(2025, 6, 9, 11)
    assert nxt.due_at == at(2025, 6, 9, 13)
    events.append(ClockEvent(at(2025, 6, 9, 14), AGENT_MESSAGE))  # answered late
    events.append(ClockEvent(at(2025, 6, 9, 15), CUSTOMER_MESSAGE))  # a new cycle
    result = compute(events, spec, OFFICE, at(2025, 6, 9, 15, 30))
    nxt = result.metrics["next_response"]
    assert nxt.cycle_start == at(2025, 6, 9, 15)
    assert nxt.breached_at is None  # the new cycle is fresh
    assert nxt.due_at == at(2025, 6, 9, 17)


def test_first_response_breach_and_warning_instants():
    events = [created(at(2025, 6, 9, 17))]  # Monday 17:00, 1 h of office left
    spec = PolicySpec(targets={"first_response": TargetSpec(2 * HOUR, warn_at_percent=75)})
    before = compute(events, spec, OFFICE, at(2025, 6, 10, 9, 15))
    first = before.metrics["first_response"]
    assert first.warn_at == at(2025, 6, 10, 9, 30)
    assert first.due_at == at(2025, 6, 10, 10)
    assert first.warned_at is None and before.state(at(2025, 6, 10, 9, 15)) == "active"
    risk = compute(events, spec, OFFICE, at(2025, 6, 10, 9, 45))
    assert risk.metrics["first_response"].warned_at == at(2025, 6, 10, 9, 30)
    assert risk.state(at(2025, 6, 10, 9, 45)) == "at_risk"
    late = compute(events, spec, OFFICE, at(2025, 6, 10, 11))
    assert late.metrics["first_response"].breached_at == at(2025, 6, 10, 10)
    assert late.state(at(2025, 6, 10, 11)) == "breached"


def test_reopen_resumes_resolution_with_time_already_used():
    events = [
        created(at(2025, 6, 9, 9)),
        status(at(2025, 6, 9, 12), "resolved", "resolved"),  # 3 h used
        status(at(2025, 6, 11, 9), "open", "open"),  # reopened Wednesday
    ]
    spec = policy(resolution=5 * HOUR)
    resolved = compute(events[:2], spec, OFFICE, at(2025, 6, 10))
    assert resolved.metrics["resolution"].state == "met"
    assert resolved.state(at(2025, 6, 10)) == "met"
    result = compute(events, spec, OFFICE, at(2025, 6, 11, 10))
    resolution = result.metrics["resolution"]
    assert resolution.state == "running"
    assert resolution.elapsed_seconds == 4 * HOUR
    assert resolution.due_at == at(2025, 6, 11, 11)
    assert [t.change for t in result.transitions] == ["started", "met", "resumed"]


def test_changed_targets_recompute_over_the_same_history():
    """A priority change selects another policy: the due moves, paused time stays paused."""
    events = [
        created(at(2025, 6, 9, 9)),
        status(at(2025, 6, 9, 10), "pending", "pending"),
        status(at(2025, 6, 9, 16), "open", "open"),
    ]
    now = at(2025, 6, 9, 17)
    normal = compute(events, policy(resolution=8 * HOUR), OFFICE, now)
    urgent = compute(events, policy(resolution=2 * HOUR), OFFICE, now)
    assert normal.metrics["resolution"].elapsed_seconds == 2 * HOUR
    assert urgent.metrics["resolution"].elapsed_seconds == 2 * HOUR
    assert urgent.metrics["resolution"].breached_at == at(2025, 6, 9, 17)
    assert normal.metrics["resolution"].due_at == at(2025, 6, 10, 14)  # 1 h + 2 h + 5 h


def test_calendar_time_targets_ignore_the_calendar():
    events = [created(at(2025, 6, 7, 10))]  # a Saturday
    spec = PolicySpec(targets={"resolution": TargetSpec(HOUR, business_hours=False)})
    result = compute(events, spec, OFFICE, at(2025, 6, 7, 10, 30))
    assert result.metrics["resolution"].due_at == at(2025, 6, 7, 11)


def test_no_policy_no_clock():
    result = compute([created(at(2025, 6, 9, 9))], None, OFFICE, at(2025, 6, 9, 10))
    assert result.metrics == {} and result.state(at(2025, 6, 9, 10)) == "none"


# --- property: paused time never counts -------------------------------------------------------

toggles = st.lists(
    st.tuples(st.integers(min_value=1, max_value=6 * 24 * 60), st.booleans()),
    min_size=0,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    toggles=toggles,
    start=st.datetimes(min_value=dt.datetime(2018, 1, 1), max_value=dt.datetime(2026, 1, 1)),
    horizon=st.integers(min_value=0, max_value=8 * 24 * 60),
    business=st.booleans(),
)
def test_paused_time_never_counts(toggles, start, horizon, business):
    created_at = start.replace(microsecond=0, tzinfo=UTC)
    events = [ClockEvent(created_at, CREATED, "open", "open")]
    moments = sorted({minutes for minutes, _pause in toggles})
    pause_by_minute = dict(toggles)
    for minutes in moments:
        pause = pause_by_minute[minutes]
        events.append(
            status(
                created_at + dt.timedelta(minutes=minutes),
                "pending" if pause else "open",
                "pending" if pause else "open",
            )
        )
    now = created_at + dt.timedelta(minutes=horizon)
    calendar = OFFICE if business else None
    spec = PolicySpec(targets={"resolution": TargetSpec(10**9, business_hours=business)})
    result = compute(events, spec, calendar, now)

    # reference: sum the counting stretches directly
    expected = 0.0
    running_since: dt.datetime | None = created_at
    for event in events[1:]:
        if event.at > now:
            break
        if event.category == "pending" and running_since is not None:
            expected += _counted(calendar, running_since, event.at)
            running_since = None
        elif event.category != "pending" and running_since is None:
            running_since = event.at
    if running_since is not None:
        expected += _counted(calendar, running_since, now)
    assert abs(result.metrics["resolution"].elapsed_seconds - expected) < 1e-6
    # and a pause anywhere can only lower the time used
    paused_everything = compute(
        [events[0], status(created_at, "pending", "pending")], spec, calendar, now
    )
    assert paused_everything.metrics["resolution"].elapsed_seconds == 0


def _counted(calendar, start: dt.datetime, end: dt.datetime) -> float:
    if calendar is None:
        return (end - start).total_seconds()
    return business_seconds_between(calendar, start, end)
