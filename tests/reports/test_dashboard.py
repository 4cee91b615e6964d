from __future__ import annotations

import csv
import io

import pytest

from tests.factories import make_agent, make_customer
from tests.reports.conftest import at
from ticketdesk.core import clock

pytestmark = pytest.mark.django_db

RANGE = {"start": "2026-03-01", "end": "2026-03-31"}


def test_lead_sees_dashboard_with_numbers(client, history, lead, django_assert_max_num_queries):
    client.force_login(lead)
    with clock.frozen(at(days=3)), django_assert_max_num_queries(40):
        response = client.get("/reports/", RANGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="img"' in body and "<details>" in body
    summary = response.context["data"]["summary"]
    assert summary["created"] == 2
    assert summary["resolved"] == 1
    assert summary["reopen_rate"] == 100.0
    assert response.context["data"]["percentiles"]["resolution"] == [82800.0, 82800.0]
    assert response.context["data"]["backlog"]["total"] == 1
    assert sum(map(sum, response.context["data"]["heatmap"])) == 2
    # Monday 09:00 UTC: ticket A
    assert response.context["data"]["heatmap"][0][9] == 1


def test_agent_without_lead_role_cannot_see_reports(client, history, agent):
    client.force_login(agent)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/export/summary.csv").status_code == 403
    # nor is the way there offered
    assert 'href="/reports/"' not in client.get("/").content.decode()


def test_lead_finds_reports_in_the_navigation(client, history, lead):
    client.force_login(lead)
    assert 'href="/reports/"' in client.get("/").content.decode()


def test_customer_never_sees_reports(client, history):
    user, _contact = make_customer(username="cust", email="cust@example.org")
    client.force_login(user)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/export/tickets.csv").status_code == 403


def test_lead_cannot_report_on_other_teams(client, history, lead):
    from tests.factories import TeamFactory

    other = TeamFactory(name="Facilities", slug="facilities")
    client.force_login(lead)
    assert client.get("/reports/", {"team_id": other.pk}).status_code == 403


def test_lead_numbers_are_scoped_to_own_teams(client, history, lead):
    from tests.factories import TeamFactory, make_ticket

    other = TeamFactory(name="Facilities", slug="facilities")
    make_agent(other, username="fac")
    with clock.frozen(at(hours=3)):
        make_ticket(team=other, subject="Broken chair")
        from tests.reports.conftest import drain

        drain()
    client.force_login(lead)
    with clock.frozen(at(days=3)):
        response = client.get("/reports/", RANGE)
    assert response.context["data"]["summary"]["created"] == 2


def test_fact_path_equals_rollup_path(history, team, admin_user):
    from dataclasses import replace

    from ticketdesk.reports import filters, metrics

    with clock.frozen(at(days=3)):
        rollup = filters.parse(admin_user, {**RANGE, "team_id": str(team.pk)})
    from_facts = replace(rollup, force_facts=True)
    assert metrics.counters(rollup) == metrics.counters(from_facts)
    assert metrics.volume_series(rollup) == metrics.volume_series(from_facts)
    assert metrics.heatmap(rollup) == metrics.heatmap(from_facts)
    assert metrics.performance(rollup, "agent_id") == metrics.performance(from_facts, "agent_id")
    assert metrics.volume_series(rollup)[1:3] == [
        (rollup.start.replace(day=2), 1, 0),
        (rollup.start.replace(day=3), 1, 1),
    ]


def test_summary_csv_export(client, history, admin_user):
    client.force_login(admin_user)
    with clock.frozen(at(days=3)):
        response = client.get("/reports/export/summary.csv", RANGE)
    assert response.status_code == 200
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Metric", "Value"]
    assert ["Created", "2"] in rows
    assert ["Median resolution (s)", "82800.0"] in rows


def test_agents_xlsx_export(client, history, admin_user):
    import zipfile

    client.force_login(admin_user)
    with clock.frozen(at(days=3)):
        response = client.get("/reports/export/agents.xlsx", RANGE)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "Unassigned" in sheet and "<v>2</v>" in sheet


def test_period_presets():
    import datetime as dt

    from ticketdesk.reports.filters import presets

    periods = {str(label): (start, end) for label, start, end in presets(dt.date(2026, 3, 5))}
    assert periods["This month"] == (dt.date(2026, 3, 1), dt.date(2026, 3, 5))
    assert periods["Last month"] == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert periods["This quarter"] == (dt.date(2026, 1, 1), dt.date(2026, 3, 5))
    assert periods["Last 7 days"] == (dt.date(2026, 2, 27), dt.date(2026, 3, 5))
    assert presets(dt.date(2026, 1, 10))[3][1:] == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))


def test_presets_keep_the_other_filters(client, history, team, admin_user):
    client.force_login(admin_user)
    with clock.frozen(at(days=3)):
        body = client.get("/reports/", {"team_id": team.pk}).content.decode()
    assert (
        f'href="?team_id={team.pk}&amp;interval=day&amp;start=2026-03-01&amp;end=2026-03-05"'
        in body
    )
    # the default period (last 30 days) is the current one
    assert 'start=2026-02-04&amp;end=2026-03-05" aria-current="true"' in body
