"""Business-time arithmetic: weekends, holidays, several intervals a day, DST in the calendar's
own time zone (Europe/Rome, and São Paulo's historical DST), and properties checked by
hypothesis."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ticketdesk.sla.calendar import (
    add_business_minutes,
    add_business_seconds,
    business_minutes_between,
    business_seconds_between,
    day_periods,
    is_working_instant,
    make_schedule,
    periods_from,
)

UTC = dt.UTC
ROME = ZoneInfo("Europe/Rome")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")

WEEKDAYS_9_TO_18 = [(d, "09:00", "18:00") for d in range(5)]
SPLIT_DAY = [(d, "09:00", "12:30") for d in range(5)] + [(d, "14:00", "18:00") for d in range(5)]
ALWAYS = [(d, "00:00", "00:00") for d in range(7)]


def local(zone: ZoneInfo, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


def test_weekend_is_skipped():
    cal = make_schedule("Europe/Rome", WEEKDAYS_9_TO_18)
    friday_5pm = local(ROME, 2025, 6, 6, 17, 0)
    due = add_business_minutes(cal, friday_5pm, 120)
    assert due == local(ROME, 2025, 6, 9, 10, 0)  # Monday 10:00
    assert business_minutes_between(cal, friday_5pm, due) == 120


def test_start_outside_hours_waits_for_the_next_interval():
    cal = make_schedule("Europe/Rome", WEEKDAYS_9_TO_18)
    saturday = local(ROME, 2025, 6, 7, 11, 0)
    assert add_business_minutes(cal, saturday, 30) == local(ROME, 2025, 6, 9, 9, 30)
    assert business_minutes_between(cal, saturday, local(ROME, 2025, 6, 9, 8, 0)) == 0


def test_several_intervals_a_day():
    cal = make_schedule("Europe/Rome", SPLIT_DAY)
    monday_noon = local(ROME, 2025, 6, 9, 12, 0)
    # 30 minutes before lunch, then 60 after it
    assert add_business_minutes(cal, monday_noon, 90) == local(ROME, 2025, 6, 9, 15, 0)
    day = business_minutes_between(cal, local(ROME, 2025, 6, 9), local(ROME, 2025, 6, 10))
    assert day == 3.5 * 60 + 4 * 60


def test_dated_and_yearly_holidays():
    cal = make_schedule(
        "Europe/Rome",
        WEEKDAYS_9_TO_18,
        holidays=[dt.date(2025, 4, 21)],  # Easter Monday 2025
        yearly_holidays=[(12, 25), (12, 26)],
    )
    assert day_periods(cal, dt.date(2025, 4, 21)) == []
    assert day_periods(cal, dt.date(2031, 12, 25)) == []  # yearly: any year
    assert day_periods(cal, dt.date(2026, 4, 21)) != []  # dated: that year only
    # Christmas Eve 2025 is a Wednesday: 17:00 + 2h lands on Saturday? no: Thu/Fri off,
    # weekend off, so Monday the 29th at 10:00.
    due = add_business_minutes(cal, local(ROME, 2025, 12, 24, 17, 0), 120)
    assert due == local(ROME, 2025, 12, 29, 10, 0)


def test_rome_spring_forward_weekend():
    cal = make_schedule("Europe/Rome", WEEKDAYS_9_TO_18)
    # Friday 29 March 2024 17:00 CET (+01:00); clocks go forward on Sunday 31 March.
    start = local(ROME, 2024, 3, 29, 17, 0)
    due = add_business_minutes(cal, start, 120)
    assert due == dt.datetime(2024, 4, 1, 8, 0, tzinfo=UTC)  # Monday 10:00 CEST (+02:00)
    assert due.astimezone(ROME).hour == 10


def test_rome_dst_days_have_23_and_25_hours():
    cal = make_schedule("Europe/Rome", ALWAYS)
    spring = business_minutes_between(cal, local(ROME, 2024, 3, 31), local(ROME, 2024, 4, 1))
    autumn = business_minutes_between(cal, local(ROME, 2024, 10, 27), local(ROME, 2024, 10, 28))
    assert spring == 23 * 60
    assert autumn == 25 * 60


def test_rome_night_shift_across_the_change():
    # A Saturday/Sunday night shift 22:00-06:00 as two intervals: the night of the spring
    # change is one hour shorter.
    cal = make_schedule("Europe/Rome", [(5, "22:00", "00:00"), (6, "00:00", "06:00")])
    night = business_minutes_between(
        cal, local(ROME, 2024, 3, 30, 12, 0), local(ROME, 2024, 3, 31, 12, 0)
    )
    assert night == 7 * 60
    normal = business_minutes_between(
        cal, local(ROME, 2024, 4, 6, 12, 0), local(ROME, 2024, 4, 7, 12, 0)
    )
    assert normal == 8 * 60


def test_sao_paulo_historical_dst_start_and_end():
    # Brazil's last DST: started Sunday 4 Nov 2018 at 00:00 (-> 01:00), ended Sunday
    # 17 Feb 2019 at 00:00 (-> Saturday 23:00). DST was abolished in 2019.
    cal = make_schedule("America/Sao_Paulo", ALWAYS)
    start_day = business_minutes_between(
        cal, local(SAO_PAULO, 2018, 11, 3, 12), local(SAO_PAULO, 2018, 11, 5, 12)
    )
    assert start_day == 47 * 60
    end_day = business_minutes_between(
        cal, local(SAO_PAULO, 2019, 2, 16, 12), local(SAO_PAULO, 2019, 2, 18, 12)
    )
    assert end_day == 49 * 60
    office = make_schedule("America/Sao_Paulo", WEEKDAYS_9_TO_18)
    # Friday 2 Nov 2018 17:00 (-03:00) + 2 business hours = Monday 10:00 (-02:00)
    due = add_business_minutes(office, local(SAO_PAULO, 2018, 11, 2, 17), 120)
    assert due == dt.datetime(2018, 11, 5, 12, 0, tzinfo=UTC)
    # after DST ended, the same office hour is 13:00 UTC again
    due = add_business_minutes(office, local(SAO_PAULO, 2019, 2, 15, 17), 120)
    assert due == dt.datetime(2019, 2, 18, 13, 0, tzinfo=UTC)


def test_calendar_without_hours_never_reaches_a_target():
    cal = make_schedule("UTC", [])
    assert add_business_minutes(cal, dt.datetime(2025, 1, 1, tzinfo=UTC), 1) is None


# --- properties ------------------------------------------------------------------------------

PROPERTY_CALENDARS = [
    make_schedule("Europe/Rome", SPLIT_DAY, yearly_holidays=[(1, 1), (12, 25)]),
    make_schedule("America/Sao_Paulo", [*WEEKDAYS_9_TO_18, (5, "08:00", "12:00")]),
    make_schedule(
        "Europe/Rome", [(5, "22:00", "00:00"), (6, "00:00", "06:00"), (0, "07:30", "19:00")]
    ),
]

instants = st.datetimes(min_value=dt.datetime(2017, 1, 1), max_value=dt.datetime(2026, 12, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)
calendars = st.sampled_from(PROPERTY_CALENDARS)
spans = st.integers(min_value=0, max_value=10 * 24 * 60)  # minutes


def _sum_over_intervals(cal, start: dt.datetime, end: dt.datetime) -> float:
    """Independent reference: overlap of [start, end) with every working interval of the
    local days concerned."""
    zone = cal.zone
    day = start.astimezone(zone).date() - dt.timedelta(days=1)
    last = end.astimezone(zone).date() + dt.timedelta(days=1)
    total = 0.0
    while day <= last:
        for period_start, period_end in day_periods(cal, day):
            overlap = min(period_end, end) - max(period_start, start)
            total += max(overlap.total_seconds(), 0)
        day += dt.timedelta(days=1)
    return total


@settings(max_examples=150, deadline=None)
@given(cal=calendars, start=instants, minutes=spans)
def test_between_is_the_sum_over_intervals(cal, start, minutes):
    end = start + dt.timedelta(minutes=minutes)
    assert business_seconds_between(cal, start, end) == _sum_over_intervals(cal, start, end)


@settings(max_examples=150, deadline=None)
@given(cal=calendars, start=instants, first=spans, second=spans)
def test_between_is_additive(cal, start, first, second):
    middle = start + dt.timedelta(minutes=first)
    end = middle + dt.timedelta(minutes=second)
    assert business_seconds_between(cal, start, end) == business_seconds_between(
        cal, start, middle
    ) + business_seconds_between(cal, middle, end)


@settings(max_examples=150, deadline=None)
@given(
    cal=calendars,
    start=instants,
    minutes=spans,
    fraction=st.floats(min_value=0.001, max_value=0.999),
)
def test_add_round_trips_on_working_instants(cal, start, minutes, fraction):
    # an end strictly inside a working interval (at an interval's first instant the inverse
    # is the previous interval's end, which is the same amount of business time)
    period_start, period_end = next(periods_from(cal, start + dt.timedelta(minutes=minutes)))
    end = (period_start + (period_end - period_start) * fraction).replace(microsecond=0)
    assume(period_start < end < period_end and end > start)
    assert is_working_instant(cal, end)
    between = business_seconds_between(cal, start, end)
    assert add_business_seconds(cal, start, between) == end


@settings(max_examples=100, deadline=None)
@given(cal=calendars, start=instants, minutes=st.integers(min_value=1, max_value=5000))
def test_add_then_between_gives_the_minutes_back(cal, start, minutes):
    due = add_business_minutes(cal, start, minutes)
    assert due is not None and due > start
    assert business_minutes_between(cal, start, due) == minutes
    assert is_working_instant(cal, due - dt.timedelta(seconds=1))
