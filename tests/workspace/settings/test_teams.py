"""The teams section: strategy, members and leads; an agent's capacity and skills."""

import pytest
from django.urls import reverse

from tests.factories import make_agent
from ticketdesk.accounts.models import Team, TeamMembership
from ticketdesk.audit.models import AuditEntry
from ticketdesk.routing.models import AgentAvailability, AgentSkill
from ticketdesk.tickets.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(as_role):
    return as_role("admin")


@pytest.mark.parametrize("name", ["teams", "team_new"])
@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("agent", 403), ("light_agent", 403)]
)
def test_pages_by_role(as_role, name, role, expected):
    assert as_role(role).get(reverse(f"workspace:settings:{name}")).status_code == expected


def test_agent_cannot_change_a_team(as_role, team):
    client = as_role("agent")
    response = client.post(
        reverse("workspace:settings:team_edit", args=[team.pk]),
        {"name": "Renamed", "assignment_strategy": "round_robin"},
    )
    assert response.status_code == 403
    team.refresh_from_db()
    assert team.name == "IT Support"


def test_admin_makes_a_least_loaded_team_with_a_lead(admin):
    ana = make_agent(None, username="ana2", first_name="Ana")
    bo = make_agent(None, username="bo", first_name="Bo")
    response = admin.post(
        reverse("workspace:settings:team_new"),
        {
            "name": "Hardware desk",
            "assignment_strategy": "least_loaded",
            "active": "on",
            f"member_{ana.pk}": "on",
            f"lead_{ana.pk}": "on",
            f"member_{bo.pk}": "on",
        },
    )
    assert response.status_code == 302
    team = Team.objects.get(name="Hardware desk")
    assert team.assignment_strategy == "least_loaded"
    assert team.slug == "hardware-desk"
    members = {(m.user_id, m.is_lead) for m in TeamMembership.objects.filter(team=team)}
    assert members == {(ana.pk, True), (bo.pk, False)}
    assert AuditEntry.objects.filter(action="config.team.created").exists()
    # Bo leaves
    admin.post(
        reverse("workspace:settings:team_edit", args=[team.pk]),
        {
            "name": "Hardware desk",
            "assignment_strategy": "least_loaded",
            "active": "on",
            f"member_{ana.pk}": "on",
            f"lead_{ana.pk}": "on",
        },
    )
    assert set(TeamMembership.objects.filter(team=team).values_list("user_id", flat=True)) == {
        ana.pk
    }


def test_duplicate_name_is_refused(admin, team):
    response = admin.post(
        reverse("workspace:settings:team_new"),
        {"name": team.name, "assignment_strategy": "manual"},
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors


def test_capacity_and_skills(admin, agent):
    Category.objects.create(name="Hardware")
    url = reverse("workspace:settings:agent_routing", args=[agent.pk])
    assert admin.get(url).status_code == 200
    response = admin.post(
        url, {"capacity": "5", "categories": ["Hardware"], "languages": ["pt-br"]}
    )
    assert response.status_code == 302
    assert AgentAvailability.objects.get(user=agent).capacity == 5
    assert set(AgentSkill.objects.filter(user=agent).values_list("kind", "value")) == {
        ("category", "Hardware"),
        ("language", "pt-br"),
    }
    assert AuditEntry.objects.filter(action="routing.skills_changed").exists()


def test_teams_page_bounded_queries(admin, django_assert_max_num_queries):
    for i in range(8):
        Team.objects.create(name=f"T{i}", slug=f"t{i}")
    with django_assert_max_num_queries(10):
        response = admin.get(reverse("workspace:settings:teams"))
    assert response.status_code == 200
