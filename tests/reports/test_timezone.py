from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_ticket
from tests.reports.conftest import drain
from ticketdesk.core import clock
from ticketdesk.reports import filters, metrics
from ticketdesk.reports.models import DailyTicketStats, TicketFact
from ticketdesk.reports.rebuild import rebuild

pytestmark = pytest.mark.django_db


def test_days_and_hours_follow_the_site_time_zone(settings, team, admin_user):
    settings.TIME_ZONE = "America/Sao_Paulo"  # UTC-3, no DST in 2026
    created = dt.datetime(2026, 3, 3, 2, 30, tzinfo=dt.UTC)  # Monday 23:30 in São Paulo
    with clock.frozen(created):
        ticket = make_ticket(team=team)
        drain()
    fact = TicketFact.objects.get(ticket=ticket)
    assert fact.created_date == dt.date(2026, 3, 2)
    assert DailyTicketStats.objects.get(created=1, dimension="").date == dt.date(2026, 3, 2)
    with clock.frozen(created):
        f = filters.parse(admin_user, {"start": "2026-03-02", "end": "2026-03-02"})
        grid = metrics.heatmap(f)
        assert grid[0][23] == 1  # Monday, 23:00 local
        assert sum(map(sum, grid)) == 1
        assert metrics.summary(f)["created"] == 1
        # the next local day does not see it
        f2 = filters.parse(admin_user, {"start": "2026-03-03", "end": "2026-03-03"})
        assert metrics.summary(f2)["created"] == 0
        assert sum(map(sum, metrics.heatmap(f2))) == 0
    rebuild()
    assert DailyTicketStats.objects.get(created=1, dimension="").date == dt.date(2026, 3, 2)


def test_trends_and_problem_pages_have_bounded_queries(
    client, admin_user, team, django_assert_max_num_queries
):
    from ticketdesk.tickets.models import Category

    network = Category.objects.create(name="Network")
    for i in range(6):
        make_ticket(team=team, subject=f"VPN drops {i}", category=network)
    drain()
    client.force_login(admin_user)
    with django_assert_max_num_queries(30):
        assert client.get("/reports/trends/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/reports/problems/").status_code == 200
