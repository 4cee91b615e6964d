"""The rule builder's rows: values chosen from lists (teams, agents, statuses, levels, a
custom field's choices), rows added and removed through htmx, actions kept in the order the
admin put them in."""

from __future__ import annotations

import pytest

from tests.factories import TeamFactory, make_agent
from ticketdesk.automation.models import Rule
from ticketdesk.tickets.models import CannedResponse, CustomFieldDefinition

from .test_views import builder_post, client_for

pytestmark = pytest.mark.django_db
ROW = "/automation/builder/row/"


@pytest.fixture
def admin_client(admin_user):  # type: ignore[no-untyped-def]
    return client_for(admin_user)


def test_a_condition_on_a_team_offers_the_teams(admin_client, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    TeamFactory(name="Network")
    TeamFactory(name="Billing")
    with django_assert_max_num_queries(25):
        response = admin_client.get(
            ROW, {"prefix": "cond-2", "cond-2-field": "team", "cond-2-operator": "is"}
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'select name="cond-2-value"' in page and ">Network</option>" in page
    assert "multiple" not in page.split('name="cond-2-value"')[1].split(">")[0]
    response = admin_client.get(
        ROW,
        {
            "prefix": "cond-2",
            "cond-2-field": "team",
            "cond-2-operator": "in",
            "cond-2-value": "Network",
        },
    )
    tag = response.content.decode().split('name="cond-2-value"')[1].split(">")[0]
    assert "multiple" in tag
    assert '<option value="Network" selected>' in response.content.decode()


def test_free_text_where_there_is_no_list(admin_client):  # type: ignore[no-untyped-def]
    response = admin_client.get(
        ROW, {"prefix": "cond-0", "cond-0-field": "subject", "cond-0-operator": "contains"}
    )
    assert 'input type="text" name="cond-0-value"' in response.content.decode()


def test_custom_field_choices_are_offered(admin_client):  # type: ignore[no-untyped-def]
    CustomFieldDefinition.objects.create(
        key="site", label="Site", field_type="choice", choices=["Lisbon", "Rome"]
    )
    response = admin_client.get(
        ROW, {"prefix": "cond-0", "cond-0-field": "custom_fields.site", "cond-0-operator": "is"}
    )
    assert ">Rome</option>" in response.content.decode()


def test_action_rows_offer_fields_values_agents_and_canned_responses(admin_client, team):  # type: ignore[no-untyped-def]
    make_agent(team, username="ana")
    CannedResponse.objects.create(title="Thanks", body="Thanks!")
    page = admin_client.get(
        ROW, {"prefix": "step-1", "step-1-type": "set_field", "step-1-target": "priority"}
    ).content.decode()
    assert 'select name="step-1-target"' in page and 'value="priority" selected' in page
    assert 'select name="step-1-value"' in page and 'value="critical"' in page
    page = admin_client.get(ROW, {"prefix": "step-1", "step-1-type": "assign"}).content.decode()
    assert f">{team.name}</option>" in page and "(ana)</option>" in page  # the person, by name
    page = admin_client.get(ROW, {"prefix": "step-1", "step-1-type": "canned"}).content.decode()
    assert ">Thanks</option>" in page
    page = admin_client.get(ROW, {"prefix": "step-4", "step-4-type": "add_note"}).content.decode()
    assert "{{ ticket.number }}" in page  # placeholders offered for the text
    assert 'name="step-4-ORDER" value="5"' in page


def test_remove_and_bad_prefix(admin_client):  # type: ignore[no-untyped-def]
    page = admin_client.get(ROW, {"prefix": "step-3", "remove": "1"}).content.decode()
    assert 'name="step-3-DELETE" value="on"' in page and "hidden" in page
    assert admin_client.get(ROW, {"prefix": "form-1"}).status_code == 400


def test_only_rule_or_macro_builders_get_rows(team):  # type: ignore[no-untyped-def]
    light = make_agent(team, username="light", role="light_agent")
    response = client_for(light).get(ROW, {"prefix": "cond-0"})
    assert response.status_code == 403


def test_saved_actions_follow_their_order_and_several_values_are_joined(admin_client):  # type: ignore[no-untyped-def]
    data = builder_post(
        [{"field": "priority", "operator": "in"}],
        [
            {"type": "add_tag", "value": "first", "ORDER": "2"},
            {"type": "add_tag", "value": "second", "ORDER": "1"},
            {"type": "add_tag", "value": "gone", "ORDER": "3", "DELETE": "on"},
        ],
    )
    response = admin_client.post(
        "/automation/rules/new/", {**data, "cond-0-value": ["high", "critical"]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get()
    assert [step["value"] for step in rule.actions] == ["second", "first"]
    assert rule.conditions["conditions"][0]["value"] == "high, critical"


def test_a_new_rule_starts_with_one_action_row(admin_client):  # type: ignore[no-untyped-def]
    page = admin_client.get("/automation/rules/new/").content.decode()
    assert 'name="step-TOTAL_FORMS" value="1"' in page
    assert "Add an action" in page and "Add a condition" in page


def test_custom_fields_are_named_in_the_admins_language():  # type: ignore[no-untyped-def]
    """The walk saw "Work location (custom)" in Portuguese screens."""
    from django.utils import translation

    from ticketdesk.automation.fields import field_choices

    CustomFieldDefinition.objects.create(
        key="work_location",
        label="Work location",
        field_type="text",
        translations={"pt-br": {"label": "Local de trabalho"}},
    )
    with translation.override("pt-br"):
        labels = dict(field_choices())
    assert labels["custom_fields.work_location"].startswith("Local de trabalho (")
