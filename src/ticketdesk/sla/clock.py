"""The SLA clock, computed from a ticket's event log by a pure function.

`compute(events, policy, calendar, now)` replays the log (created, status changes, public
messages) and returns, per metric, the time used, the due and warning instants, and the clock's
history (started, paused, resumed, met, stopped). Nothing is stored in between, so a change of
priority or policy simply recomputes the targets over the same history: paused time stays
paused, reopened tickets resume their resolution clock with the time already used.

Rules:
- first response: runs from creation until the first public agent reply;
- next response: after the first response, a customer message starts a new cycle (unless one
  is already waiting for an answer: the oldest unanswered message counts) that runs until the
  next public agent reply;
- resolution: runs from creation until the ticket is resolved or closed; reopening resumes it;
- every clock stops while the ticket waits on the customer (the policy's pause statuses, else
  the pending category) and restarts on the customer's reply or a move out of those statuses;
  response clocks also stop while the ticket is resolved or closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .calendar import Schedule, advance, elapsed_seconds

FIRST_RESPONSE = "first_response"
NEXT_RESPONSE = "next_response"
RESOLUTION = "resolution"
METRICS = (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)

PENDING = "pending"
DONE = ("resolved", "closed")

# Metric states
NOT_STARTED = "not_started"
RUNNING = "running"
PAUSED = "paused"
STOPPED = "stopped"
MET = "met"

# Clock event kinds (normalised from TicketEvent)
CREATED = "created"
STATUS = "status"
CUSTOMER_MESSAGE = "customer_message"
AGENT_MESSAGE = "agent_message"


@dataclass(frozen=True)
class ClockEvent:
    at: dt.datetime
    kind: str
    status_key: str = ""
    category: str = ""


@dataclass(frozen=True)
class TargetSpec:
    seconds: float
    business_hours: bool = True
    warn_at_percent: int = 80


@dataclass(frozen=True)
class PolicySpec:
    targets: Mapping[str, TargetSpec]
    pause_status_keys: frozenset[str] = frozenset()
    policy_id: int | None = None
    name: str = ""

    def pauses(self, status_key: str, category: str) -> bool:
        if self.pause_status_keys:
            return status_key in self.pause_status_keys
        return category == PENDING


@dataclass(frozen=True)
class Transition:
    at: dt.datetime
    metric: str
    change: str  # started, paused, resumed, stopped, met

    @property
    def key(self) -> str:
        return f"{self.metric}:{self.change}:{self.at.isoformat()}"


@dataclass
class MetricResult:
    metric: str
    state: str
    target_seconds: float
    business_hours: bool
    cycle_start: dt.datetime | None = None
    elapsed_seconds: float = 0.0
    due_at: dt.datetime | None = None  # only while running
    warn_at: dt.datetime | None = None  # only while running
    breached_at: dt.datetime | None = None
    warned_at: dt.datetime | None = None
    met_at: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state in (RUNNING, PAUSED, STOPPED)

    @property
    def remaining_seconds(self) -> float:
        return self.target_seconds - self.elapsed_seconds

    @property
    def cycle(self) -> str:
        return self.cycle_start.isoformat() if self.cycle_start else ""

    def as_dict(self) -> dict[str, Any]:
        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "state": self.state,
            "target_seconds": self.target_seconds,
            "business_hours": self.business_hours,
            "cycle_start": iso(self.cycle_start),
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "due_at": iso(self.due_at),
            "warn_at": iso(self.warn_at),
            "breached_at": iso(self.breached_at),
            "warned_at": iso(self.warned_at),
            "met_at": iso(self.met_at),
        }


@dataclass
class SLAResult:
    metrics: dict[str, MetricResult] = field(default_factory=dict)
    transitions: list[Transition] = field(default_factory=list)

    @property
    def due_at(self) -> dt.datetime | None:
        """The earliest due instant of a running target."""
        dues = [m.due_at for m in self.metrics.values() if m.state == RUNNING and m.due_at]
        return min(dues) if dues else None

    def state(self, now: dt.datetime) -> str:
        """One of tickets.models.SLAState's values."""
        if not self.metrics:
            return "none"
        if any(m.breached_at is not None for m in self.metrics.values()):
            return "breached"
        running = [m for m in self.metrics.values() if m.state == RUNNING]
        if any(m.warn_at is not None and m.warn_at <= now for m in running):
            return "at_risk"
        if running:
            return "active"
        if any(m.state == PAUSED for m in self.metrics.values()):
            return "paused"
        return "met"


class _Track:
    def __init__(self) -> None:
        self.active = False
        self.cycle_start: dt.datetime | None = None
        self.met_at: dt.datetime | None = None
        self.segments: list[tuple[dt.datetime, dt.datetime | None]] = []

    def start_cycle(self, at: dt.datetime) -> None:
        self.active = True
        self.cycle_start = at
        self.met_at = None
        self.segments = []

    def open(self, at: dt.datetime) -> None:
        self.segments.append((at, None))

    def close(self, at: dt.datetime) -> None:
        if self.segments and self.segments[-1][1] is None:
            self.segments[-1] = (self.segments[-1][0], at)


def compute(
    events: Iterable[ClockEvent],
    policy: PolicySpec | None,
    calendar: Schedule | None,
    now: dt.datetime,
) -> SLAResult:
    """Replay `events` (in order) up to `now` under `policy`; pure."""
    if policy is None or not policy.targets:
        return SLAResult()
    tracks = {metric: _Track() for metric in METRICS}
    transitions: list[Transition] = []
    paused = done = False
    responded = False

    def counting(metric: str) -> bool:
        track = tracks[metric]
        if not track.active or paused:
            return False
        return not done

    for event in events:
        if event.at > now:
            break
        before = {metric: counting(metric) for metric in METRICS}
        started: set[str] = set()
        met: set[str] = set()
        if event.kind == CREATED:
            paused = policy.pauses(event.status_key, event.category)
            done = event.category in DONE
            for metric in (FIRST_RESPONSE, RESOLUTION):
                tracks[metric].start_cycle(event.at)
                started.add(metric)
        elif event.kind == STATUS:
            paused = policy.pauses(event.status_key, event.category)
            now_done = event.category in DONE
            resolution = tracks[RESOLUTION]
            if now_done and not done and resolution.active:
                resolution.active = False
                resolution.met_at = event.at
                met.add(RESOLUTION)
            elif done and not now_done and resolution.cycle_start is not None:
                resolution.active = True  # reopened: resume with the time already used
                resolution.met_at = None
            done = now_done
        elif event.kind == CUSTOMER_MESSAGE:
            paused = False  # the customer's reply resumes the clock
            if responded and not tracks[NEXT_RESPONSE].active:
                tracks[NEXT_RESPONSE].start_cycle(event.at)
                started.add(NEXT_RESPONSE)
        elif event.kind == AGENT_MESSAGE:
            responded = True
            for metric in (FIRST_RESPONSE, NEXT_RESPONSE):
                track = tracks[metric]
                if track.active:
                    track.active = False
                    track.met_at = event.at
                    met.add(metric)
        for metric in METRICS:
            after = counting(metric)
            track = tracks[metric]
            if before[metric] and (not after or metric in met):
                track.close(event.at)
            if after and not before[metric]:
                track.open(event.at)
            if metric not in policy.targets:
                continue
            if metric in started:
                transitions.append(Transition(event.at, metric, "started"))
                if not after:
                    transitions.append(Transition(event.at, metric, "paused"))
            elif metric in met:
                transitions.append(Transition(event.at, metric, "met"))
            elif before[metric] and not after:
                change = "stopped" if done else "paused"
                transitions.append(Transition(event.at, metric, change))
            elif after and not before[metric]:
                transitions.append(Transition(event.at, metric, "resumed"))

    result = SLAResult(transitions=transitions)
    for metric, target in policy.targets.items():
        track = tracks[metric]
        schedule = calendar if target.business_hours else None
        result.metrics[metric] = _metric_result(
            metric, track, target, schedule, now, counting=counting(metric), done=done
        )
    return result


def _metric_result(
    metric: str,
    track: _Track,
    target: TargetSpec,
    schedule: Schedule | None,
    now: dt.datetime,
    *,
    counting: bool,
    done: bool,
) -> MetricResult:
    if track.cycle_start is None:
        state = NOT_STARTED
    elif not track.active:
        state = MET
    elif counting:
        state = RUNNING
    else:
        state = STOPPED if done else PAUSED
    result = MetricResult(
        metric=metric,
        state=state,
        target_seconds=target.seconds,
        business_hours=target.business_hours,
        cycle_start=track.cycle_start,
        met_at=track.met_at,
    )
    if state == NOT_STARTED:
        return result
    result.elapsed_seconds = sum(
        elapsed_seconds(schedule, start, min(end or now, now)) for start, end in track.segments
    )
    due = moment(track.segments, target.seconds, schedule)
    warn = moment(track.segments, target.seconds * target.warn_at_percent / 100, schedule)
    if state == RUNNING:
        result.due_at = due
        result.warn_at = warn
    if due is not None and due <= now and (state != MET or (track.met_at and due < track.met_at)):
        result.breached_at = due
    if (
        warn is not None
        and warn <= now
        and (state != MET or (track.met_at and warn < track.met_at))
    ):
        result.warned_at = warn
    return result


def moment(
    segments: Sequence[tuple[dt.datetime, dt.datetime | None]],
    seconds: float,
    schedule: Schedule | None,
) -> dt.datetime | None:
    """The instant at which the counting segments add up to `seconds` (None: never, with the
    segments as they stand)."""
    used = 0.0
    for start, end in segments:
        if end is None:
            return advance(schedule, start, seconds - used)
        length = elapsed_seconds(schedule, start, end)
        if used + length >= seconds:
            return advance(schedule, start, seconds - used)
        used += length
    return None


def clock_events(
    ticket_events: Iterable[Any], statuses: Mapping[Any, tuple[str, str]]
) -> list[ClockEvent]:
    """Normalise TicketEvent rows (or objects with kind, data, new_value, created_at) into
    clock events. `statuses` maps status id and key to (key, category)."""
    result: list[ClockEvent] = []
    for event in ticket_events:
        data = event.data or {}
        if event.kind == "created":
            key, category = statuses.get(data.get("status"), (data.get("status", ""), "new"))
            result.append(ClockEvent(event.created_at, CREATED, key, category))
        elif event.kind == "status_changed":
            new = event.new_value if isinstance(event.new_value, dict) else {}
            category = data.get("to_category", "")
            key, category = statuses.get(new.get("id"), ("", category))
            result.append(ClockEvent(event.created_at, STATUS, key, category))
        elif event.kind == "message_added":
            kind = CUSTOMER_MESSAGE if data.get("from_customer") else AGENT_MESSAGE
            result.append(ClockEvent(event.created_at, kind))
    return result
