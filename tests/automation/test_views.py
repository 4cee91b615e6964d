"""Rule builder, dry runs, logs and macros through HTTP, with the permission checks."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import PASSWORD, TeamFactory, make_agent, make_ticket
from ticketdesk.automation.models import Macro, Rule, RuleExecution, Trigger
from ticketdesk.tickets.models import MessageKind

from .helpers import drain, leaf, make_rule

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def builder_post(conditions: list[dict], steps: list[dict], **fields) -> dict[str, str]:
    data = {
        "name": "VPN to Network team",
        "description": "",
        "trigger": "ticket_created",
        "time_anchor": "",
        "time_hours": "",
        "match": "all",
        "group_a": "any",
        "group_b": "any",
        "group_c": "any",
        "enabled": "on",
        "cond-TOTAL_FORMS": str(len(conditions) + 1),
        "cond-INITIAL_FORMS": "0",
        "cond-MIN_NUM_FORMS": "0",
        "cond-MAX_NUM_FORMS": "50",
        "step-TOTAL_FORMS": str(len(steps) + 1),
        "step-INITIAL_FORMS": "0",
        "step-MIN_NUM_FORMS": "0",
        "step-MAX_NUM_FORMS": "20",
        **fields,
    }
    for i, row in enumerate(conditions):
        for key, value in row.items():
            data[f"cond-{i}-{key}"] = value
    for i, row in enumerate(steps):
        for key, value in row.items():
            data[f"step-{i}-{key}"] = value
    return data


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


@pytest.fixture
def network(db):
    return TeamFactory(name="Network", slug="network")


def test_admin_builds_a_rule_with_groups_in_the_form(admin_client, network, team):
    page = admin_client.get("/automation/rules/new/")
    assert page.status_code == 200
    assert 'name="cond-0-field"' in page.text
    data = builder_post(
        [
            {"group": "", "field": "channel", "operator": "is", "value": "email"},
            {"group": "a", "field": "subject", "operator": "contains", "value": "vpn"},
            {"group": "a", "field": "tags", "operator": "contains", "value": "vpn"},
        ],
        [
            {"type": "set_field", "target": "team", "value": "Network"},
            {"type": "add_note", "text": "Routed {{ ticket.number }}"},
        ],
        group_a="any",
    )
    response = admin_client.post("/automation/rules/new/", data)
    assert response.status_code == 302, response.content
    rule = Rule.objects.get()
    assert rule.conditions == {
        "match": "all",
        "conditions": [
            leaf("channel", "is", "email"),
            {
                "match": "any",
                "conditions": [leaf("subject", "contains", "vpn"), leaf("tags", "contains", "vpn")],
            },
        ],
    }
    assert rule.actions == [
        {"type": "set_field", "target": "team", "value": "Network"},
        {"type": "add_note", "text": "Routed {{ ticket.number }}"},
    ]
    ticket = make_ticket(team=team, subject="VPN broken")
    drain()
    ticket.refresh_from_db()
    assert ticket.team == network
    # edit form shows the stored rows back
    page = admin_client.get(f"/automation/rules/{rule.pk}/")
    assert 'value="vpn"' in page.text and "Routed {{ ticket.number }}" in page.text


def test_builder_reports_invalid_values(admin_client):
    data = builder_post(
        [{"group": "", "field": "priority", "operator": "is", "value": "urgentest"}],
        [{"type": "add_tag", "value": "x"}],
    )
    response = admin_client.post("/automation/rules/new/", data)
    assert response.status_code == 400
    assert "low, medium, high or critical" in response.text
    assert not Rule.objects.exists()


def test_agent_cannot_see_or_edit_rules(agent, admin_user):
    rule = make_rule(Trigger.TICKET_CREATED, [], [{"type": "add_tag", "value": "x"}])
    client = client_for(agent)
    assert client.get("/automation/").status_code == 403
    assert client.get(f"/automation/rules/{rule.pk}/").status_code == 403
    data = builder_post([], [{"type": "add_tag", "value": "y"}], name="sneaky")
    assert client.post(f"/automation/rules/{rule.pk}/", data).status_code == 403
    assert client.post(f"/automation/rules/{rule.pk}/toggle/").status_code == 403
    assert client.post(f"/automation/rules/{rule.pk}/delete/").status_code == 403
    assert client.get(f"/automation/rules/{rule.pk}/dry-run/?ticket=1").status_code == 403
    rule.refresh_from_db()
    assert rule.name != "sneaky" and rule.enabled


def test_list_toggle_and_reorder(admin_client, django_assert_max_num_queries):
    rules = [
        make_rule(Trigger.TICKET_CREATED, [], [{"type": "add_tag", "value": str(i)}], name=f"r{i}")
        for i in range(12)
    ]
    with django_assert_max_num_queries(8):
        page = admin_client.get("/automation/")
    assert page.status_code == 200 and "r11" in page.text
    admin_client.post(f"/automation/rules/{rules[2].pk}/move/", {"direction": "up"})
    order = list(Rule.objects.order_by("order").values_list("name", flat=True))
    assert order[:3] == ["r0", "r2", "r1"]
    admin_client.post(f"/automation/rules/{rules[0].pk}/move/", {"direction": "up"})
    assert Rule.objects.order_by("order").first().name == "r0"
    admin_client.post(f"/automation/rules/{rules[0].pk}/toggle/")
    rules[0].refresh_from_db()
    assert rules[0].enabled is False


def test_dry_run_pages_explain_without_changing(admin_client, team):
    hit = make_rule(
        Trigger.TICKET_CREATED,
        [leaf("subject", "contains", "printer")],
        [{"type": "add_tag", "value": "printer"}],
        name="Printers",
    )
    make_rule(
        Trigger.TICKET_CREATED,
        [leaf("priority", "is", "critical")],
        [{"type": "add_tag", "value": "urgent"}],
        name="Critical only",
    )
    ticket = make_ticket(team=team, subject="Printer on fire")
    version = ticket.version
    page = admin_client.get(f"/automation/rules/{hit.pk}/dry-run/?ticket={ticket.number}")
    assert page.status_code == 200
    assert "Would fire" in page.text
    assert "Printer on fire" in page.text and "contains" in page.text
    page = admin_client.get(f"/automation/test/?ticket=%23{ticket.number}")
    assert page.text.count("Would fire") == 1
    assert "Would not fire" in page.text and "Critical only" in page.text
    ticket.refresh_from_db()
    assert ticket.version == version and not ticket.tags.exists()
    assert not RuleExecution.objects.exists()
    missing = admin_client.get("/automation/test/?ticket=999999")
    assert missing.status_code == 404


def test_ticket_automation_log_fragment(team, agent, admin_user, customer):
    make_rule(
        Trigger.TICKET_CREATED,
        [leaf("subject", "contains", "printer")],
        [{"type": "add_tag", "value": "printer"}],
        name="Printers",
    )
    ticket = make_ticket(team=team, subject="Printer on fire")
    drain()
    url = f"/automation/ticket/{ticket.number}/log/"
    page = client_for(agent).get(url)
    assert page.status_code == 200
    assert "Printers" in page.text and "added tag printer" in page.text
    light = make_agent(team, role="light_agent", username="light")
    assert client_for(light).get(url).status_code == 200
    outsider = make_agent(TeamFactory(), username="outsider")
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(customer[0]).get(url).status_code in (403, 404)


@pytest.fixture
def escalate(db):
    return Macro.objects.create(
        name="Escalate",
        actions=[
            {"type": "set_field", "target": "priority", "value": "high"},
            {"type": "add_note", "text": "Escalated by macro"},
        ],
        visibility="shared",
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
    )


def test_agent_applies_macro_with_version(agent, team, escalate):
    ticket = make_ticket(team=team)
    client = client_for(agent)
    fragment = client.get(f"/automation/macros/for/{ticket.number}/")
    assert fragment.status_code == 200 and "Escalate" in fragment.text
    assert f'name="expected_version" value="{ticket.version}"' in fragment.text
    url = f"/automation/macros/{escalate.pk}/apply/{ticket.number}/"
    response = client.post(url, {"expected_version": ticket.version, "next": "/somewhere/"})
    assert response.status_code == 302 and response["Location"] == "/somewhere/"
    ticket.refresh_from_db()
    assert ticket.priority == 3
    note = ticket.messages.get(kind=MessageKind.INTERNAL)
    assert note.author_user == agent
    stale = client.post(
        url, {"expected_version": ticket.version - 1}, HTTP_ACCEPT="application/json"
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert ticket.messages.filter(kind=MessageKind.INTERNAL).count() == 1
    htmx = client.post(url, {"expected_version": ticket.version}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 204 and htmx["HX-Redirect"]
    evil = client.post(url, {"expected_version": "", "next": "https://evil.example/"})
    assert evil["Location"] != "https://evil.example/"


def test_light_agent_cannot_apply_field_changing_macro(team, escalate):
    note_only = Macro.objects.create(
        name="Note only",
        actions=[{"type": "add_note", "text": "seen"}],
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
    )
    light = make_agent(team, role="light_agent", username="light")
    ticket = make_ticket(team=team)
    client = client_for(light)
    fragment = client.get(f"/automation/macros/for/{ticket.number}/")
    assert "Note only" in fragment.text and "Escalate" not in fragment.text
    denied = client.post(
        f"/automation/macros/{escalate.pk}/apply/{ticket.number}/",
        {"expected_version": ticket.version},
    )
    assert denied.status_code == 403
    ticket.refresh_from_db()
    assert ticket.priority == 2 and not ticket.messages.filter(kind=MessageKind.INTERNAL).exists()
    ok = client.post(
        f"/automation/macros/{note_only.pk}/apply/{ticket.number}/",
        {"expected_version": ticket.version},
    )
    assert ok.status_code == 302
    assert ticket.messages.filter(kind=MessageKind.INTERNAL).count() == 1


def test_agent_creates_personal_macro_and_cannot_touch_shared(agent, team, escalate):
    client = client_for(agent)
    data = {
        "name": "My triage",
        "description": "",
        "visibility": "personal",
        "team": "",
        "active": "on",
        "step-TOTAL_FORMS": "2",
        "step-INITIAL_FORMS": "0",
        "step-MIN_NUM_FORMS": "0",
        "step-MAX_NUM_FORMS": "20",
        "step-0-type": "add_tag",
        "step-0-value": "triaged",
    }
    assert client.post("/automation/macros/new/", data).status_code == 302
    mine = Macro.objects.get(name="My triage")
    assert mine.owner == agent and mine.actions == [{"type": "add_tag", "value": "triaged"}]
    shared = {**data, "name": "Everyone's", "visibility": "shared"}
    assert client.post("/automation/macros/new/", shared).status_code == 403
    assert client.get(f"/automation/macros/{escalate.pk}/").status_code == 404
    other = make_agent(team, username="other")
    assert client_for(other).get(f"/automation/macros/{mine.pk}/").status_code == 404
    ticket = make_ticket(team=team)
    other_fragment = client_for(other).get(f"/automation/macros/for/{ticket.number}/")
    assert "My triage" not in other_fragment.text


@pytest.mark.parametrize(
    ("language", "title"), [("pt-br", "Regras de automação"), ("it", "Regole di automazione")]
)
def test_rule_list_is_translated(admin_client, language, title):
    from django.utils import translation

    with translation.override(language):
        page = admin_client.get("/automation/", HTTP_ACCEPT_LANGUAGE=language)
    assert title in page.text


def test_fragments_have_bounded_queries(team, agent, escalate, django_assert_max_num_queries):
    for i in range(5):
        make_rule(Trigger.TICKET_CREATED, [], [{"type": "add_tag", "value": f"t{i}"}])
    ticket = make_ticket(team=team)
    drain()
    client = client_for(agent)
    with django_assert_max_num_queries(12):
        log = client.get(f"/automation/ticket/{ticket.number}/log/")
    assert log.text.count('class="trace fired"') == 5
    with django_assert_max_num_queries(12):
        assert client.get(f"/automation/macros/for/{ticket.number}/").status_code == 200
