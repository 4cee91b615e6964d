"""/api/v1/reports: the dashboard and trends as JSON, for leads and admins only."""

from __future__ import annotations

import pytest

from tests.api.conftest import client_for
from tests.reports.conftest import at
from ticketdesk.accounts.models import TeamMembership
from ticketdesk.core import clock

pytestmark = pytest.mark.django_db

RANGE = {"start": "2026-03-01", "end": "2026-03-31"}


def test_lead_reads_the_dashboard_numbers(history, team, agent):
    TeamMembership.objects.filter(team=team, user=agent).update(is_lead=True)
    api = client_for(agent, scope="read")
    with clock.frozen(at(days=3)):
        response = api.get("/api/v1/reports/dashboard", RANGE)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["summary"]["created"] == 2
    assert data["summary"]["resolved"] == 1
    assert data["summary"]["reopen_rate"] == 100.0
    assert data["percentiles"]["resolution"] == [82800.0, 82800.0]
    assert data["percentiles"]["approximate"] is False
    assert data["backlog"]["total"] == 1
    assert data["heatmap"][0][9] == 1
    assert data["series"][1] == {"period": "2026-03-02", "created": 1, "resolved": 0}
    assert data["teams"][0]["key"] == str(team.pk)
    with clock.frozen(at(days=3)):
        trends = api.get(
            "/api/v1/reports/trends",
            {"start": "2026-03-02", "end": "2026-03-03", "compare": "weeks"},
        )
    assert trends.status_code == 200, trends.content
    assert trends.json()["compare"] == "weeks"


def test_reports_api_refuses_agents_who_are_not_leads_and_bad_filters(history, team, agent):
    api = client_for(agent, scope="read")
    refused = api.get("/api/v1/reports/dashboard", RANGE)
    assert refused.status_code == 403
    assert refused.json()["code"]
    TeamMembership.objects.filter(team=team, user=agent).update(is_lead=True)
    backwards = api.get("/api/v1/reports/dashboard", {"start": "2026-03-31", "end": "2026-03-01"})
    assert backwards.status_code in (400, 422)
    assert "start" in str(backwards.json())
    assert api.get("/api/v1/reports/dashboard", {"start": "not-a-date"}).status_code == 422
    other_team = api.get("/api/v1/reports/dashboard", {**RANGE, "team_id": team.pk + 1000})
    assert other_team.status_code == 403
