"""The daily roll-up by dimension: every single-dimension filter answered from it gives the
numbers the per-ticket facts give; histogram percentiles stay within one bucket (9 %)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import (
    OrganizationFactory,
    TeamFactory,
    make_agent,
    make_ticket,
    resolution,
    status,
)
from tests.reports.conftest import T0, drain
from ticketdesk.accounts.models import Contact
from ticketdesk.core import clock
from ticketdesk.reports import filters, metrics
from ticketdesk.reports.models import DailyTicketStats
from ticketdesk.reports.rollup import (
    bucket_bounds,
    bucket_of,
    histogram_percentiles,
    rebuild_from_facts,
)
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Category, TicketType

BUCKET_WIDTH = 2 ** (1 / 8) - 1  # 9.05 %


def exact_percentile(values: list[int], fraction: float) -> float:
    """percentile_cont, by hand."""
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    if low + 1 >= len(ordered):
        return float(ordered[low])
    return ordered[low] + (ordered[low + 1] - ordered[low]) * (rank - low)


def within_a_bucket(estimate: float | None, exact: float) -> bool:
    assert estimate is not None
    return abs(estimate - exact) <= BUCKET_WIDTH * exact + 1  # bucket 0 is [0, 1 s)


def test_buckets_cover_every_duration_once():
    assert bucket_of(0) == 0 and bucket_of(0.5) == 0 and bucket_of(1) == 1
    for seconds in (1, 2, 59, 60, 3600, 86_399, 86_400, 31_536_000):
        low, high = bucket_bounds(bucket_of(seconds))
        assert low <= seconds < high
    assert bucket_of(2) == bucket_of(1) + 8  # eight buckets per doubling


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=40 * 86_400), min_size=1, max_size=300),
    st.sampled_from([0.0, 0.1, 0.5, 0.9, 0.99, 1.0]),
)
def test_histogram_percentiles_are_within_one_bucket(values, fraction):
    histogram: dict[int, int] = {}
    for value in values:
        histogram[bucket_of(value)] = histogram.get(bucket_of(value), 0) + 1
    (estimate,) = histogram_percentiles(histogram, (fraction,))
    assert within_a_bucket(estimate, exact_percentile(values, fraction))


def test_empty_histogram_has_no_percentiles():
    assert histogram_percentiles({}, (0.5, 0.9)) == [None, None]


@pytest.fixture
def varied(team, agent, settings):
    """Twelve tickets over four days: two teams, two agents, three channels, two types, two
    categories, two organizations; replies, resolutions at varied times, one reopen."""
    settings.TIME_ZONE = "Europe/Rome"
    other_team = TeamFactory(name="Facilities", slug="facilities")
    other_agent = make_agent(other_team, username="luca")
    types = [TicketType.objects.order_by("pk")[i] for i in (0, 1)]
    network = Category.objects.create(name="Network")
    hardware = Category.objects.create(name="Hardware")
    orgs = [OrganizationFactory(name="Acme"), OrganizationFactory(name="Globex")]
    tickets = []
    for i in range(12):
        requester = Contact.objects.create(email=f"c{i}@example.com", name=f"C {i}")
        when = T0 + dt.timedelta(days=i % 4, hours=(i * 5) % 11, minutes=i * 7)
        with clock.frozen(when):
            ticket = make_ticket(
                team=team if i % 3 else other_team,
                requester=requester,
                channel=("email", "portal", "api")[i % 3],
                ticket_type=types[i % 2],
                category=(network, hardware, None)[i % 3],
                organization=orgs[i % 2] if i % 5 else None,
            )
        owner = agent if i % 3 else other_agent
        with clock.frozen(when + dt.timedelta(minutes=10 + i * 13)):
            actions.assign(ticket, assignee=owner, actor=owner)
            if i % 4:
                actions.reply(ticket, actor=owner, body="On it")
        if i % 2:
            with clock.frozen(when + dt.timedelta(hours=2 + i)):
                actions.change_status(
                    ticket, status("resolved"), actor=owner, resolution=resolution(ticket)
                )
        if i == 3:
            with clock.frozen(when + dt.timedelta(hours=20)):
                actions.reply(ticket, actor=None, author_contact=requester, body="Again")
            with clock.frozen(when + dt.timedelta(days=1, hours=1)):
                actions.change_status(
                    ticket, status("resolved"), actor=owner, resolution=resolution(ticket)
                )
        tickets.append(ticket)
    drain()
    return {
        "types": types,
        "categories": (network, hardware),
        "orgs": orgs,
        "agents": (agent, other_agent),
        "teams": (team, other_team),
    }


RANGE = {"start": "2026-03-01", "end": "2026-03-10"}


def _parse(user, **extra):
    with clock.frozen(T0 + dt.timedelta(days=8)):
        return filters.parse(user, {**RANGE, **{k: str(v) for k, v in extra.items()}})


def _same_numbers(f) -> None:
    from_facts = replace(f, force_facts=True)
    assert not f.needs_facts
    assert metrics.counters(f) == metrics.counters(from_facts)
    assert metrics.volume_series(f) == metrics.volume_series(from_facts)
    assert metrics.heatmap(f) == metrics.heatmap(from_facts)
    assert metrics.performance(f, "agent_id") == metrics.performance(from_facts, "agent_id")
    assert metrics.performance(f, "team_id") == metrics.performance(from_facts, "team_id")


def test_every_single_dimension_filter_reads_the_rollup(varied, admin_user):
    network, hardware = varied["categories"]
    agent, other_agent = varied["agents"]
    team, _other_team = varied["teams"]
    cases = [
        {},
        {"channel": "portal"},
        {"type_id": varied["types"][1].pk},
        {"category_id": network.pk},
        {"category_id": hardware.pk, "agent_id": agent.pk},
        {"organization_id": varied["orgs"][0].pk, "team_id": team.pk},
        {"channel": "email", "agent_id": other_agent.pk},
    ]
    for extra in cases:
        f = _parse(admin_user, **extra)
        _same_numbers(f)
    everything = metrics.summary(_parse(admin_user))
    assert everything["created"] == 12
    assert everything["resolved"] == 6
    assert everything["reopen_rate"] == pytest.approx(100 / 6)
    by_category = metrics.summary(_parse(admin_user, category_id=network.pk))
    assert by_category["created"] == 4


def test_two_dimensions_at_once_read_the_facts(varied, admin_user):
    network, _hardware = varied["categories"]
    f = _parse(admin_user, channel="email", category_id=network.pk)
    assert f.needs_facts
    # i % 3 == 0 is email and network: tickets 0, 3, 6, 9
    assert metrics.summary(f)["created"] == 4
    with pytest.raises(ValueError, match="two roll-up dimensions"):
        filters.dimension_filter(f, facts=False)


def test_heatmap_uses_local_hours(varied, admin_user):
    grid = metrics.heatmap(_parse(admin_user))
    assert sum(map(sum, grid)) == 12
    # ticket 0: Monday 09:00 UTC = 10:00 in Rome
    assert grid[0][10] >= 1


def test_percentiles_from_histograms_when_there_are_many(varied, admin_user, monkeypatch):
    f = _parse(admin_user)
    exact = metrics.time_percentiles(f)
    assert exact["approximate"] is False
    monkeypatch.setattr(metrics, "EXACT_LIMIT", 0)
    approximate = metrics.time_percentiles(f)
    assert approximate["approximate"] is True
    for name in ("first_response", "resolution"):
        for estimate, value in zip(approximate[name], exact[name], strict=True):
            assert within_a_bucket(estimate, value)
    # one category, one agent: the histograms of that slice only
    network, _ = varied["categories"]
    agent, _ = varied["agents"]
    f = _parse(admin_user, category_id=network.pk, agent_id=agent.pk)
    monkeypatch.setattr(metrics, "EXACT_LIMIT", 20_000)
    exact = metrics.time_percentiles(f)
    monkeypatch.setattr(metrics, "EXACT_LIMIT", 0)
    approximate = metrics.time_percentiles(f)
    for name in ("first_response", "resolution"):
        for estimate, value in zip(approximate[name], exact[name], strict=True):
            if value is None:
                assert estimate is None
            else:
                assert within_a_bucket(estimate, value)


def test_dashboard_says_when_the_median_is_approximate(client, varied, admin_user, monkeypatch):
    monkeypatch.setattr(metrics, "EXACT_LIMIT", 0)
    client.force_login(admin_user)
    with clock.frozen(T0 + dt.timedelta(days=8)):
        body = client.get("/reports/", RANGE).content.decode()
    assert "within 9 %" in body


def test_rebuild_from_facts_in_small_windows_equals_incremental(varied):
    def snapshot():
        return sorted(
            (
                r.date,
                r.team_id,
                r.agent_id,
                r.dimension,
                r.value,
                r.created,
                r.resolved,
                r.replies,
                r.first_response_sum,
                r.h10,
                sorted(r.hist_first_response.items()),
                sorted(r.hist_resolution.items()),
            )
            for r in DailyTicketStats.objects.all()
            if r.created or r.resolved or r.hist_first_response or r.hist_resolution
        )

    before = snapshot()
    assert before
    rebuild_from_facts(window_days=1)
    assert snapshot() == before


def test_dashboard_on_the_facts_groups_once_and_agrees(varied, admin_user):
    network, _hardware = varied["categories"]
    for extra in ({"channel": "email", "category_id": network.pk}, {}):
        f = replace(_parse(admin_user, **extra), force_facts=True)
        data = metrics.dashboard(f)
        assert data["summary"] == metrics.summary(f)
        assert data["series"] == metrics.volume_series(f)
        assert data["agents"] == metrics.performance(f, "agent_id")
        assert data["teams"] == metrics.performance(f, "team_id")
    rollup = metrics.dashboard(_parse(admin_user))
    assert rollup["summary"] == data["summary"]
    assert rollup["series"] == data["series"]
    assert rollup["agents"] == data["agents"]


def test_breakdown_by_category_type_and_channel(varied, admin_user, client):
    network, hardware = varied["categories"]
    f = _parse(admin_user)
    for dimension in ("category", "type", "channel"):
        from_rollup = metrics.breakdown(f, dimension)
        assert from_rollup == metrics.breakdown(replace(f, force_facts=True), dimension)
    by_category = dict(metrics.breakdown(f, "category"))
    assert {k: v["created"] for k, v in by_category.items()} == {
        str(network.pk): 4,
        str(hardware.pk): 4,
        "0": 4,
    }
    # another roll-up dimension is filtered: the facts are grouped instead
    email = dict(metrics.breakdown(_parse(admin_user, channel="email"), "category"))
    assert {k: v["created"] for k, v in email.items()} == {str(network.pk): 4}
    client.force_login(admin_user)
    with clock.frozen(T0 + dt.timedelta(days=8)):
        body = client.get("/reports/", RANGE).content.decode()
    assert "Where time goes" in body
    assert f"category_id={network.pk}" in body


def test_breakdowns_on_the_facts_share_one_pass(varied, admin_user, django_assert_num_queries):
    f = _parse(admin_user)
    from_rollup = metrics.breakdowns(f, ["type", "channel", "category"])
    facts_f = replace(f, force_facts=True)
    with django_assert_num_queries(2):  # one grouped query per cohort for all three
        from_facts = metrics.breakdowns(facts_f, ["type", "channel", "category"])
    assert from_facts == from_rollup
