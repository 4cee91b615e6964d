"""Triggers, actions, traces, loop protection and dry runs of the rule engine."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from tests.factories import TeamFactory, make_agent, make_ticket, status
from ticketdesk.automation import engine
from ticketdesk.automation.models import Rule, RuleExecution, Trigger
from ticketdesk.core import clock, outbox
from ticketdesk.core.models import OutboxDelivery, OutboxMessage
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import EventKind, MessageKind, TicketEvent

from .helpers import drain, leaf, make_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    return TeamFactory(name="Network", slug="network")


def fired_events(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RULE_FIRED))


def test_ticket_created_rule_routes_and_tags_and_leaves_an_event(admin_user, network, team):
    rule = make_rule(
        Trigger.TICKET_CREATED,
        [leaf("subject", "contains", "VPN")],
        [
            {"type": "set_field", "target": "team", "value": "Network"},
            {"type": "add_tag", "value": "vpn"},
        ],
        name="VPN to Network team",
    )
    ticket = make_ticket(subject="VPN is down again", team=team)
    other = make_ticket(subject="Printer jam", team=team)
    drain()
    ticket.refresh_from_db()
    other.refresh_from_db()
    assert ticket.team == network
    assert list(ticket.tags.values_list("name", flat=True)) == ["vpn"]
    assert other.team == team
    [event] = fired_events(ticket)
    assert event.data["rule_id"] == rule.pk
    assert "VPN to Network team" in event.data["summary"]
    assert "set Team to Network" in event.data["summary"]
    assert fired_events(other) == []
    execution = RuleExecution.objects.get(ticket=ticket)
    assert execution.matched and execution.errors == []
    assert [a["ok"] for a in execution.actions_taken] == [True, True]
    miss = RuleExecution.objects.get(ticket=other)
    assert miss.matched is False
    assert miss.condition_results[0]["conditions"][0]["actual"] == "Printer jam"
    rule.refresh_from_db()
    assert rule.fire_count == 1 and rule.last_fired_at is not None


def test_ticket_updated_changed_to_and_from(admin_user, team):
    make_rule(
        Trigger.TICKET_UPDATED,
        [leaf("priority", "changed_to", "critical"), leaf("priority", "changed_from", "medium")],
        [{"type": "add_note", "text": "Escalated: {{ ticket.number }} {{ ticket.priority }}"}],
    )
    ticket = make_ticket(team=team)
    drain()
    actions.set_fields(ticket, actor=None, subject="Something else")
    drain()
    assert not ticket.messages.filter(kind=MessageKind.INTERNAL).exists()
    actions.set_fields(ticket, actor=None, priority=4)
    drain()
    note = ticket.messages.get(kind=MessageKind.INTERNAL)
    assert note.body_text == f"Escalated: {ticket.display_number} Critical"


def test_changed_operator_uses_payload_changes(admin_user, team, agent):
    make_rule(
        Trigger.TICKET_UPDATED,
        [leaf("assignee", "changed"), leaf("assignee", "is_not", "none")],
        [{"type": "add_tag", "value": "assigned"}],
    )
    ticket = make_ticket(team=team)
    actions.set_tags(ticket, actor=None, add=["x"])
    drain()
    assert not ticket.tags.filter(name="assigned").exists()
    actions.assign(ticket, assignee=agent, actor=None)
    drain()
    assert ticket.tags.filter(name="assigned").exists()


def test_customer_and_agent_reply_triggers(admin_user, team, agent):
    make_rule(Trigger.CUSTOMER_REPLIED, [], [{"type": "add_tag", "value": "customer-wrote"}])
    make_rule(Trigger.AGENT_REPLIED, [], [{"type": "add_tag", "value": "agent-wrote"}])
    ticket = make_ticket(team=team)
    drain()
    assert ticket.tags.count() == 0  # the first message is "created", not a reply
    actions.reply(ticket, actor=agent, body="On it")
    drain()
    assert set(ticket.tags.values_list("name", flat=True)) == {"agent-wrote"}
    actions.reply(ticket, actor=None, author_contact=ticket.requester, body="Thanks")
    drain()
    assert set(ticket.tags.values_list("name", flat=True)) == {"agent-wrote", "customer-wrote"}
    actions.add_note(ticket, actor=agent, body="internal")
    drain()
    assert RuleExecution.objects.count() == 2


@pytest.mark.parametrize(
    ("topic", "trigger"),
    [("sla.breached", Trigger.SLA_BREACHED), ("sla.warning", Trigger.SLA_WARNING)],
)
def test_sla_topics_trigger_rules(admin_user, team, topic, trigger):
    make_rule(
        trigger,
        [leaf("priority", "lt", "critical"), leaf("sla_metric", "is", "first_response")],
        [{"type": "set_field", "target": "priority", "value": "critical"}],
    )
    ticket = make_ticket(team=team)
    drain()
    outbox.publish(
        topic,
        {"ticket_id": ticket.pk, "metric": "resolution", "due_at": clock.now().isoformat()},
        ticket_id=ticket.pk,
    )
    drain()
    ticket.refresh_from_db()
    assert ticket.priority != 4  # another metric
    outbox.publish(
        topic,
        {"ticket_id": ticket.pk, "metric": "first_response", "due_at": clock.now().isoformat()},
        ticket_id=ticket.pk,
    )
    drain()
    ticket.refresh_from_db()
    assert ticket.priority == 4
    execution = RuleExecution.objects.filter(ticket=ticket, trigger=trigger).latest("id")
    assert execution.matched


def test_failing_action_is_traced_and_other_rules_still_run(admin_user, team):
    make_rule(
        Trigger.TICKET_CREATED,
        [],
        [
            {"type": "set_field", "target": "status", "value": "open"},
            {"type": "set_field", "target": "status", "value": "new"},  # open → new: invalid
            {"type": "add_tag", "value": "first"},
        ],
        name="broken",
    )
    make_rule(Trigger.TICKET_CREATED, [], [{"type": "add_tag", "value": "second"}], name="ok")
    ticket = make_ticket(team=team)
    drain()
    assert set(ticket.tags.values_list("name", flat=True)) == {"first", "second"}
    broken = RuleExecution.objects.get(rule__name="broken")
    assert [a["ok"] for a in broken.actions_taken] == [True, False, True]
    assert "cannot move" in broken.errors[0]
    [event, _second] = fired_events(ticket)
    assert event.data["failed"] == ["Set Status to new"]


def test_stop_processing(admin_user, team):
    make_rule(Trigger.TICKET_CREATED, [], [{"type": "add_tag", "value": "a"}], stop_processing=True)
    make_rule(Trigger.TICKET_CREATED, [], [{"type": "add_tag", "value": "b"}])
    ticket = make_ticket(team=team)
    drain()
    assert list(ticket.tags.values_list("name", flat=True)) == ["a"]


def test_ping_pong_rules_stop(admin_user, team):
    """Two rules that undo each other would loop forever without protection."""
    make_rule(
        Trigger.TICKET_UPDATED,
        [leaf("priority", "is", "high")],
        [{"type": "set_field", "target": "priority", "value": "low"}],
        name="ping",
    )
    make_rule(
        Trigger.TICKET_UPDATED,
        [leaf("priority", "is", "low")],
        [{"type": "set_field", "target": "priority", "value": "high"}],
        name="pong",
    )
    ticket = make_ticket(team=team)
    actions.set_fields(ticket, actor=None, priority=3)
    drain(rounds=30)
    assert not OutboxDelivery.objects.filter(dead_at__isnull=True).exists()
    fired = RuleExecution.objects.filter(matched=True, skipped_reason="").count()
    assert 2 <= fired <= engine.MAX_DEPTH
    refused = RuleExecution.objects.exclude(skipped_reason="")
    assert refused.exists()
    assert all("Loop protection" in r.skipped_reason for r in refused)
    last = OutboxMessage.objects.filter(topic="ticket.updated").order_by("id").last()
    assert last is not None
    assert sorted(last.payload["automation"]["chain"]) == sorted(
        Rule.objects.values_list("pk", flat=True)
    )


def test_firing_cap_per_ticket_without_marker(admin_user, team):
    """Even when the loop marker is lost (e.g. events computed by another app), a rule
    fires at most MAX_FIRINGS times per ticket in the window."""
    make_rule(Trigger.SLA_WARNING, [], [{"type": "add_note", "text": "warned"}])
    ticket = make_ticket(team=team)
    for _ in range(engine.MAX_FIRINGS + 2):
        outbox.publish("sla.warning", {"ticket_id": ticket.pk}, ticket_id=ticket.pk)
    drain()
    assert ticket.messages.filter(kind=MessageKind.INTERNAL).count() == engine.MAX_FIRINGS
    assert RuleExecution.objects.exclude(skipped_reason="").count() == 2


def test_redelivered_outbox_row_does_not_fire_twice(admin_user, team):
    from ticketdesk.automation import consumers

    make_rule(Trigger.TICKET_CREATED, [], [{"type": "add_note", "text": "hello"}])
    ticket = make_ticket(team=team)
    row = OutboxMessage.objects.get(topic="ticket.created", ticket_id=ticket.pk)
    consumers.run_rules([row])
    consumers.run_rules([row])
    assert ticket.messages.filter(kind=MessageKind.INTERNAL).count() == 1


def test_time_rule_fires_once_per_window(admin_user, team):
    make_rule(
        Trigger.TIME,
        [leaf("status_category", "is", "pending")],
        [{"type": "add_note", "text": "Still waiting"}, {"type": "add_tag", "value": "stale"}],
        time_anchor="last_agent_message_at",
        time_hours=7 * 24,
        name="pending for 7 days",
    )
    start = clock.now()
    agent = make_agent(team)
    with clock.frozen(start):
        ticket = make_ticket(team=team)
        other = make_ticket(team=team)  # open, not pending
        actions.reply(ticket, actor=agent, body="Need info", status=status("pending"))
        actions.reply(other, actor=agent, body="Looking")
    with clock.frozen(start + dt.timedelta(days=6)):
        assert engine.run_time_rules() == 0
    with clock.frozen(start + dt.timedelta(days=8)):
        assert engine.run_time_rules() == 1
        assert engine.run_time_rules() == 0
    with clock.frozen(start + dt.timedelta(days=20)):
        assert engine.run_time_rules() == 0  # anchor unchanged: same window
    assert ticket.messages.filter(kind=MessageKind.INTERNAL).count() == 1
    assert not other.tags.exists()
    assert RuleExecution.objects.filter(trigger=Trigger.TIME).count() == 1


def test_time_rule_fires_again_in_a_new_window(admin_user, team):
    make_rule(
        Trigger.TIME,
        [],
        [{"type": "add_tag", "value": "nudge"}],
        time_anchor="last_customer_message_at",
        time_hours=48,
    )
    start = clock.now()
    with clock.frozen(start):
        ticket = make_ticket(team=team)
    with clock.frozen(start + dt.timedelta(hours=49)):
        assert engine.run_time_rules() == 1
        actions.set_tags(ticket, actor=None, remove=["nudge"])
        actions.reply(ticket, actor=None, author_contact=ticket.requester, body="me again")
    with clock.frozen(start + dt.timedelta(hours=60)):
        assert engine.run_time_rules() == 0
    with clock.frozen(start + dt.timedelta(hours=98)):
        assert engine.run_time_rules() == 1


def test_dry_run_matches_real_run_and_changes_nothing(admin_user, team, network):
    rule = make_rule(
        Trigger.TICKET_UPDATED,
        {
            "match": "all",
            "conditions": [
                leaf("priority", "changed_to", "high"),
                {
                    "match": "any",
                    "conditions": [
                        leaf("subject", "contains", "router"),
                        leaf("tags", "contains", "network"),
                    ],
                },
            ],
        },
        [{"type": "set_field", "target": "team", "value": "network"}],
    )
    ticket = make_ticket(team=team, subject="Router reboots")
    actions.set_fields(ticket, actor=None, priority=3)
    ticket = engine.load_ticket(ticket.pk)
    assert ticket is not None
    version = ticket.version
    preview = engine.dry_run(rule, ticket)
    assert preview.matched
    assert preview.would_do == ["Set Team to network"]
    ticket.refresh_from_db()
    assert ticket.version == version and ticket.team == team
    assert not RuleExecution.objects.exists()
    drain()
    real = RuleExecution.objects.filter(rule=rule).order_by("id").first()
    assert real is not None
    assert real.matched == preview.matched
    assert real.condition_results == [preview.report]
    ticket.refresh_from_db()
    assert ticket.team == network


def test_email_notify_webhook_and_remove_tag_actions(admin_user, team, agent, settings):
    make_rule(
        Trigger.TICKET_CREATED,
        [],
        [
            {
                "type": "send_email",
                "target": "requester, boss@example.net",
                "value": "We got {{ ticket.subject }}",
                "text": "Hello {{ requester.name }}, {{ nope }} {{ ticket.number }}",
            },
            {"type": "notify", "target": "team", "text": "New: {{ ticket.subject }}"},
            {"type": "webhook", "value": "http://127.0.0.1:9/x", "text": "hi"},
            {"type": "remove_tag", "value": "triage"},
            {"type": "assign", "value": agent.username},
        ],
    )
    ticket = make_ticket(team=team, subject="Mail me", tags=["triage", "keep"])
    drain()
    [email] = [m for m in mail.outbox if m.subject.startswith("We got")]
    assert email.to == [ticket.requester.email, "boss@example.net"]
    assert email.subject == f"We got Mail me {ticket.subject_token}"
    assert email.body == f"Hello {ticket.requester.display_name}, {{{{ nope }}}} #{ticket.number}"
    notify = OutboxMessage.objects.get(topic="automation.notify")
    assert notify.payload["recipients"] == [agent.pk]
    assert notify.payload["message"] == "New: Mail me"
    hook = OutboxMessage.objects.get(topic="automation.webhook")
    assert hook.payload["url"] == "http://127.0.0.1:9/x"
    assert hook.payload["payload"]["ticket"]["number"] == ticket.number
    assert not OutboxDelivery.objects.filter(event=hook).exists()
    assert list(ticket.tags.values_list("name", flat=True)) == ["keep"]
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_canned_response_is_posted_as_public_reply_by_the_rule_author(admin_user, team):
    from django.apps import apps

    canned_model = apps.get_model("tickets", "CannedResponse")
    canned = canned_model.objects.create(
        title="We are on it", body="Hi {{ requester.name }}, we look at {{ ticket.number }}."
    )
    make_rule(
        Trigger.TICKET_CREATED,
        [],
        [{"type": "canned", "value": "we are on it"}],
        author=admin_user,
    )
    ticket = make_ticket(team=team)
    drain()
    reply = ticket.messages.filter(kind=MessageKind.PUBLIC, author_user=admin_user).get()
    assert reply.body_text == (
        f"Hi {ticket.requester.display_name}, we look at {ticket.display_number}."
    )
    assert canned.pk


def test_purge_keeps_firings_and_recent_misses(admin_user, team):
    make_rule(
        Trigger.TICKET_CREATED,
        [leaf("subject", "contains", "keep")],
        [{"type": "add_tag", "value": "k"}],
    )
    start = clock.now()
    with clock.frozen(start - dt.timedelta(days=40)):
        make_ticket(team=team, subject="keep me")
        make_ticket(team=team, subject="old miss")
        drain()
    make_ticket(team=team, subject="new miss")
    drain()
    assert engine.purge_traces() == 1
    assert RuleExecution.objects.filter(matched=True).count() == 1
    assert RuleExecution.objects.filter(matched=False).count() == 1
