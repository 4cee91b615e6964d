from __future__ import annotations

import datetime as dt

import pytest

from ticketdesk.reports.facts import csat_value, sla_outcome
from ticketdesk.reports.models import HOURS, DailyTicketStats, TicketFact
from ticketdesk.reports.rebuild import rebuild

pytestmark = pytest.mark.django_db

COUNTERS = [
    "created",
    "resolved",
    "reopened",
    "one_touch",
    "replies",
    "first_response_sum",
    "first_response_count",
    "resolution_sum",
    "resolution_count",
    "csat_count",
]


def daily_snapshot(dimension: str = "") -> list[tuple]:
    """Non-empty roll-up rows of one dimension, and a check that every dimension adds up to
    the same totals per (date, team, agent)."""
    totals: dict[str, dict[tuple, list[int]]] = {}
    for r in DailyTicketStats.objects.all():
        numbers = [getattr(r, c) for c in [*COUNTERS, *HOURS]]
        row = totals.setdefault(r.dimension, {}).setdefault(
            (r.date, r.team_id, r.agent_id), [0] * len(numbers)
        )
        for i, number in enumerate(numbers):
            row[i] += number
    for name, per_key in totals.items():
        assert per_key == totals[""], f"dimension {name!r} does not add up"
    rows = DailyTicketStats.objects.filter(dimension=dimension).order_by(
        "date", "team_id", "agent_id", "value"
    )
    return [
        (r.date, r.team_id, r.agent_id, r.value, *(getattr(r, c) for c in COUNTERS))
        for r in rows
        if any(getattr(r, c) for c in COUNTERS)
    ]


def hourly_snapshot() -> list[tuple]:
    rows = DailyTicketStats.objects.filter(dimension="").order_by("date", "team_id", "agent_id")
    return [(r.date, r.team_id, [getattr(r, h) for h in HOURS]) for r in rows if r.created]


def histogram_snapshot() -> list[tuple]:
    rows = DailyTicketStats.objects.order_by("date", "team_id", "agent_id", "dimension", "value")
    return [
        (r.date, r.dimension, r.value, r.hist_first_response, r.hist_resolution)
        for r in rows
        if r.hist_first_response or r.hist_resolution
    ]


def test_fact_of_a_reopened_paused_ticket(history):
    fact = TicketFact.objects.get(ticket=history.a)
    assert fact.first_response_seconds == 3600
    assert fact.pending_seconds == 3 * 3600
    assert fact.resolution_seconds == 23 * 3600  # 26 h wall clock minus 3 h pending
    assert fact.reopens == 1
    assert fact.replies == 2
    assert fact.one_touch is False
    assert fact.resolved_date == dt.date(2026, 3, 3)
    assert fact.is_open is False


def test_merged_duplicate_counts_nowhere(history):
    fact = TicketFact.objects.get(ticket=history.b)
    assert fact.merged is True
    assert sum(DailyTicketStats.objects.filter(dimension="").values_list("created", flat=True)) == 2


def test_daily_rollup_matches_hand_computed(history, team, agent):
    from ticketdesk.reports.rollup import bucket_of

    day1, day2 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
    assert daily_snapshot() == [
        (day1, team.pk, 0, "", 1, 0, 0, 0, 2, 3600, 1, 0, 0, 0),
        (day2, team.pk, 0, "", 1, 1, 1, 0, 0, 0, 0, 23 * 3600, 1, 0),
    ]
    assert daily_snapshot("channel") == [
        (day1, team.pk, 0, "email", 1, 0, 0, 0, 2, 3600, 1, 0, 0, 0),
        (day2, team.pk, 0, "email", 0, 1, 1, 0, 0, 0, 0, 23 * 3600, 1, 0),
        (day2, team.pk, 0, "portal", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ]
    # A at 09:00 on day 1, C at 09:00 on day 2 (UTC)
    assert [(d, hours.index(1)) for d, _team, hours in hourly_snapshot()] == [(day1, 9), (day2, 9)]
    first, resolution = {str(bucket_of(3600)): 1}, {str(bucket_of(23 * 3600)): 1}
    assert histogram_snapshot()[0] == (day1, "", "", first, {})
    assert (day2, "", "", {}, resolution) in histogram_snapshot()
    assert len(histogram_snapshot()) == 10  # 5 dimensions × (first response, resolution)


def test_rebuild_equals_incremental(history):
    daily, hourly, histograms = daily_snapshot(), hourly_snapshot(), histogram_snapshot()
    facts = list(TicketFact.objects.order_by("pk").values_list("pk", "resolution_seconds"))
    assert rebuild(batch_size=2) == 3
    assert daily_snapshot() == daily
    assert hourly_snapshot() == hourly
    assert histogram_snapshot() == histograms
    assert list(TicketFact.objects.order_by("pk").values_list("pk", "resolution_seconds")) == facts


def test_refresh_is_idempotent(history):
    from ticketdesk.reports.facts import refresh_ticket

    before, histograms = daily_snapshot(), histogram_snapshot()
    refresh_ticket(history.a.pk)
    refresh_ticket(history.a.pk)
    assert daily_snapshot() == before
    assert histogram_snapshot() == histograms


def test_one_touch_and_reassignment_moves_the_numbers(history, team, agent):
    from tests.factories import resolution, status
    from tests.reports.conftest import at, drain
    from ticketdesk.core import clock
    from ticketdesk.tickets import actions

    with clock.frozen(at(days=2)):
        actions.reply(
            history.c,
            actor=agent,
            body="Done",
            status=status("resolved"),
            resolution=resolution(history.c),
        )
        actions.assign(history.c, assignee=agent, actor=agent)
        drain()
    fact = TicketFact.objects.get(ticket=history.c)
    assert fact.one_touch is True
    assert fact.agent_id == agent.pk
    rows = DailyTicketStats.objects.filter(agent_id=agent.pk, dimension="")
    assert sum(r.created for r in rows) == 1
    assert sum(r.one_touch for r in rows) == 1
    daily = daily_snapshot()
    rebuild()
    assert daily_snapshot() == daily


def test_csat_and_sla_parsing():
    assert csat_value({"rating": 5, "scale": 5}) == (100.0, True)
    assert csat_value({"rating": 1, "scale": 5}) == (0.0, False)
    assert csat_value({"rating": 2, "scale": 2}) == (100.0, True)
    assert csat_value({"rating": "good"}) == (100.0, True)
    assert csat_value({"rating": None}) is None
    assert sla_outcome({"metric": "first_response", "outcome": "breached"}) == (
        "first_response",
        "breached",
    )
    assert sla_outcome({"metric": "resolution", "state": "met"}) == ("resolution", "met")
    assert sla_outcome({"metric": "resolution", "state": "warning"}) is None
    # what the sla and portal apps record
    assert sla_outcome({"metric": "next_response", "change": "met", "at": "x"}) == (
        "next_response",
        "met",
    )
    assert sla_outcome({"metric": "first_response", "change": "paused"}) is None
    assert csat_value({"score": 5, "scale": "binary"}) == (100.0, True)
    assert csat_value({"score": 1, "scale": "binary"}) == (0.0, False)
    assert csat_value({"score": 4, "scale": "five"}) == (75.0, True)


def test_sla_and_csat_events_reach_the_dashboard_numbers(history, team, admin_user):
    from tests.reports.conftest import at
    from ticketdesk.core import clock
    from ticketdesk.reports import filters, metrics
    from ticketdesk.reports.facts import refresh_recent, refresh_ticket
    from ticketdesk.tickets.models import TicketEvent

    def event(ticket, kind, data, **delta):
        TicketEvent.objects.create(ticket=ticket, kind=kind, data=data, created_at=at(**delta))

    event(history.a, "sla", {"metric": "first_response", "change": "met"}, hours=1)
    event(history.a, "sla", {"metric": "resolution", "change": "warning"}, hours=20)
    event(history.a, "sla", {"metric": "resolution", "change": "breached"}, hours=22)
    event(history.a, "sla", {"metric": "resolution", "change": "met"}, days=1, hours=2)
    event(history.c, "sla", {"metric": "first_response", "change": "breached"}, days=1, hours=9)
    event(history.a, "csat", {"score": 2, "scale": "five"}, days=2)
    with clock.frozen(at(days=2, minutes=5)):
        assert refresh_recent() == 1  # the csat event, recorded without an outbox message
    refresh_ticket(history.a.pk)
    refresh_ticket(history.c.pk)
    with clock.frozen(at(days=3)):
        f = filters.parse(admin_user, {"start": "2026-03-01", "end": "2026-03-31"})
    summary = metrics.summary(f)
    assert summary["sla"]["first_response"] == {"met": 1, "breached": 1, "compliance": 50.0}
    assert summary["sla"]["resolution"] == {"met": 0, "breached": 1, "compliance": 0.0}
    assert summary["csat_score"] == 25.0
    assert summary["csat_positive_rate"] == 0.0
    assert summary["csat_response_rate"] == 100.0  # one rating, one resolved ticket
    daily = daily_snapshot()
    rebuild()
    assert daily_snapshot() == daily
