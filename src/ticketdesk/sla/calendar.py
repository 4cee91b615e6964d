"""Business-time arithmetic, DST-correct in a calendar's own time zone.

A `Schedule` is a plain, immutable description of a business calendar (time zone, working
intervals per weekday, dated and yearly holidays). The functions here are pure: they never touch
the database, so the SLA clock can be computed and tested with fixed instants.

Working intervals are local wall-clock times; each day's intervals are turned into UTC instants
with `zoneinfo`, so a day on which the clocks change has the right length (a 09:00-18:00 day is
nine hours long on both sides of a DST change, and the night of the change counts for nothing).
An interval ending at 00:00 ends at the next local midnight (24-hour calendars).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = dt.UTC
# How far ahead a calendar is searched for working time before we give up (a calendar with no
# working hours at all, or a year of holidays).
MAX_SEARCH_DAYS = 800

Interval = tuple[dt.time, dt.time]


@dataclass(frozen=True)
class Schedule:
    """A business calendar as data. `intervals[weekday]` (Monday = 0) lists local (start, end)
    pairs; `holidays` are dated days off, `yearly_holidays` (month, day) pairs off every year."""

    time_zone: str
    intervals: dict[int, tuple[Interval, ...]] = field(default_factory=dict)
    holidays: frozenset[dt.date] = frozenset()
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.holidays or (day.month, day.day) in self.yearly_holidays

    def has_working_time(self) -> bool:
        return any(self.intervals.get(weekday) for weekday in range(7))


def make_schedule(
    time_zone: str,
    hours: Iterable[tuple[int, str | dt.time, str | dt.time]],
    holidays: Iterable[dt.date] = (),
    yearly_holidays: Iterable[tuple[int, int]] = (),
) -> Schedule:
    """Build a Schedule from (weekday, "09:00", "17:00") triples."""
    by_day: dict[int, list[Interval]] = {}
    for weekday, start, end in hours:
        by_day.setdefault(weekday, []).append((_as_time(start), _as_time(end)))
    return Schedule(
        time_zone=time_zone,
        intervals={day: tuple(sorted(items)) for day, items in by_day.items()},
        holidays=frozenset(holidays),
        yearly_holidays=frozenset(yearly_holidays),
    )


def _as_time(value: str | dt.time) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(value)


def _to_utc(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of a local wall-clock time. An ambiguous time (autumn) is its first
    occurrence; a time inside a spring-forward gap is read with the offset before the change
    (PEP 495 fold=0), so a gap's first moment maps to the instant the clocks jump."""
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def day_periods(schedule: Schedule, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The working periods of one local day as UTC (start, end) pairs, in order."""
    if schedule.is_holiday(day):
        return []
    zone = schedule.zone
    periods: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in schedule.intervals.get(day.weekday(), ()):
        start_utc = _to_utc(day, start, zone)
        if end == dt.time(0, 0):
            end_utc = _to_utc(day + dt.timedelta(days=1), end, zone)
        else:
            end_utc = _to_utc(day, end, zone)
        if end_utc > start_utc:
            periods.append((start_utc, end_utc))
    return periods


def periods_from(
    schedule: Schedule, start: dt.datetime, *, max_days: int = MAX_SEARCH_DAYS
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Working periods (UTC) that end after `start`, clipped to begin no earlier than it."""
    day = start.astimezone(schedule.zone).date() - dt.timedelta(days=1)
    for _offset in range(max_days + 2):
        for period_start, period_end in day_periods(schedule, day):
            if period_end <= start:
                continue
            yield max(period_start, start), period_end
        day += dt.timedelta(days=1)


def business_seconds_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> float:
    """Working seconds in [start, end) (0 when end <= start)."""
    if end <= start:
        return 0.0
    days = (end - start).days + 3
    total = 0.0
    for period_start, period_end in periods_from(schedule, start, max_days=days):
        if period_start >= end:
            break
        total += (min(period_end, end) - period_start).total_seconds()
    return total


def add_business_seconds(
    schedule: Schedule, start: dt.datetime, seconds: float
) -> dt.datetime | None:
    """The instant when `seconds` of working time have passed since `start`; None if the
    calendar has no working time within the search horizon. Adding 0 to an instant outside
    working hours gives that instant."""
    if seconds <= 0:
        return start
    remaining = dt.timedelta(seconds=seconds)
    for period_start, period_end in periods_from(schedule, start):
        length = period_end - period_start
        if remaining <= length:
            return period_start + remaining
        remaining -= length
    return None


def is_working_instant(schedule: Schedule, at: dt.datetime) -> bool:
    for period_start, period_end in periods_from(schedule, at, max_days=2):
        return period_start <= at < period_end
    return False


def business_minutes_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> float:
    return business_seconds_between(schedule, start, end) / 60


def add_business_minutes(
    schedule: Schedule, start: dt.datetime, minutes: float
) -> dt.datetime | None:
    return add_business_seconds(schedule, start, minutes * 60)


# --- Either business or calendar time --------------------------------------------------------


def elapsed_seconds(schedule: Schedule | None, start: dt.datetime, end: dt.datetime) -> float:
    """Seconds that count between two instants: working seconds on a calendar, wall-clock
    seconds without one."""
    if end <= start:
        return 0.0
    if schedule is None:
        return (end - start).total_seconds()
    return business_seconds_between(schedule, start, end)


def advance(schedule: Schedule | None, start: dt.datetime, seconds: float) -> dt.datetime | None:
    if schedule is None:
        return start + dt.timedelta(seconds=max(seconds, 0))
    return add_business_seconds(schedule, start, seconds)
