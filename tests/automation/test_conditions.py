"""Condition operators, field readers, all/any nesting and change detection."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import ContactFactory, TeamFactory, make_ticket, status
from ticketdesk.automation import business_hours, conditions, engine
from ticketdesk.automation.conditions import Context, compare, evaluate
from ticketdesk.automation.fields import BOOL, CHOICE, LEVEL, LIST, NUMBER, TEXT
from ticketdesk.core import clock
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import CustomFieldDefinition

from .helpers import leaf

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "raw", "operator", "value", "expected"),
    [
        (TEXT, "VPN down", "contains", "vpn", True),
        (TEXT, "VPN down", "not_contains", "vpn", False),
        (TEXT, "abc", "is", "ABC", True),
        (TEXT, "abc", "is_not", "abc", False),
        (TEXT, "b", "in", "a, b, c", True),
        (TEXT, "d", "not_in", "a, b, c", True),
        (TEXT, "12", "gt", "5", True),
        (LEVEL, 3, "is", "high", True),
        (LEVEL, 3, "is", "3", True),
        (LEVEL, 3, "gt", "medium", True),
        (LEVEL, 3, "lt", "medium", False),
        (LEVEL, 1, "in", "low, critical", True),
        (NUMBER, 49.5, "gt", "48", True),
        (NUMBER, 47.0, "gt", "48", False),
        (NUMBER, None, "lt", "48", False),
        (NUMBER, 2.0, "is", "2", True),
        (LIST, {"vip", "vpn"}, "contains", "VIP", True),
        (LIST, {"vip"}, "in", "a, vip", True),
        (LIST, set(), "not_contains", "vip", True),
        (BOOL, True, "is", "yes", True),
        (BOOL, False, "is", "yes", False),
        (CHOICE, None, "is", "none", True),
        (CHOICE, "email", "is_not", "portal", True),
        (CHOICE, "email", "in", "portal, email", True),
    ],
)
def test_compare(kind, raw, operator, value, expected):
    assert compare(kind, raw, operator, value) is expected


def test_choice_fields_match_by_id_name_or_key(team):
    ticket = make_ticket(team=team)
    context = Context(trigger="ticket_created")
    for value in ("IT Support", "it-support", str(team.pk)):
        assert evaluate(leaf("team", "is", value), ticket, context)[0]
    assert evaluate(leaf("status", "is", "new"), ticket, context)[0]
    assert evaluate(leaf("assignee", "is", "none"), ticket, context)[0]
    assert evaluate(leaf("team", "contains", "support"), ticket, context)[0]
    assert not evaluate(leaf("team", "is", "Network"), ticket, context)[0]


def test_all_any_nesting_reports_every_leaf(team):
    requester = ContactFactory(email="boss@bigcorp.example")
    ticket = make_ticket(team=team, subject="Laptop broken", requester=requester, tags=["vip"])
    tree = {
        "match": "all",
        "conditions": [
            leaf("requester_domain", "is", "bigcorp.example"),
            {
                "match": "any",
                "conditions": [
                    leaf("subject", "contains", "printer"),
                    {
                        "match": "all",
                        "conditions": [
                            leaf("tags", "contains", "vip"),
                            leaf("channel", "is", "email"),
                        ],
                    },
                ],
            },
        ],
    }
    matched, report = evaluate(tree, ticket, Context(trigger="ticket_created"))
    assert matched
    inner = report["conditions"][1]
    assert inner["result"] is True
    assert inner["conditions"][0] == {
        **leaf("subject", "contains", "printer"),
        "result": False,
        "actual": "Laptop broken",
    }
    assert inner["conditions"][1]["result"] is True
    tree["match"] = "any"
    tree["conditions"][0] = leaf("requester_domain", "is", "other.example")
    tree["conditions"][1]["conditions"] = [leaf("subject", "contains", "printer")]
    assert not evaluate(tree, ticket, Context(trigger="ticket_created"))[0]
    assert evaluate({"match": "any", "conditions": []}, ticket, Context(trigger="x"))[0]


def test_time_since_and_last_message(team, agent):
    start = clock.now()
    with clock.frozen(start):
        ticket = make_ticket(team=team, body="first words")
    with clock.frozen(start + dt.timedelta(hours=30)):
        actions.reply(ticket, actor=None, author_contact=ticket.requester, body="please hurry")
        ticket.refresh_from_db()
    with clock.frozen(start + dt.timedelta(hours=50)):
        context = Context(trigger="time")
        assert evaluate(leaf("hours_since_created", "gt", 48), ticket, context)[0]
        assert not evaluate(leaf("hours_since_customer_message", "gt", 48), ticket, context)[0]
        assert evaluate(leaf("hours_since_customer_message", "gt", 19), ticket, context)[0]
        assert evaluate(leaf("last_message", "contains", "hurry"), ticket, context)[0]
        assert not evaluate(leaf("hours_since_agent_message", "lt", 1000), ticket, context)[0]


def test_custom_fields_and_their_changes(team):
    CustomFieldDefinition.objects.create(key="asset", label="Asset tag", field_type="text")
    ticket = make_ticket(team=team)
    actions.set_fields(ticket, actor=None, custom_fields={"asset": "LT-42"})
    ticket.refresh_from_db()
    context = conditions.latest_change_context(ticket, "ticket_updated")
    assert evaluate(leaf("custom_fields.asset", "is", "lt-42"), ticket, context)[0]
    assert evaluate(leaf("custom_fields.asset", "changed"), ticket, context)[0]
    assert evaluate(leaf("custom_fields.asset", "changed_to", "LT-42"), ticket, context)[0]
    assert not evaluate(leaf("custom_fields.other", "changed"), ticket, context)[0]


def test_status_tag_and_team_changes(team):
    network = TeamFactory(name="Network")
    ticket = make_ticket(team=team, tags=["old"])
    actions.set_fields(
        ticket,
        actor=None,
        status=status("pending"),
        team=network,
        tags_add=["vip"],
        tags_remove=["old"],
    )
    ticket.refresh_from_db()
    context = Context(
        trigger="ticket_updated", changes=["status", "team", "tags"], version=ticket.version
    )
    checks = [
        (leaf("status", "changed_to", "pending"), True),
        (leaf("status", "changed_from", "new"), True),
        (leaf("status", "changed_from", "open"), False),
        (leaf("status_category", "changed_to", "pending"), True),
        (leaf("status_category", "changed"), True),
        (leaf("team", "changed_to", "network"), True),
        (leaf("team", "changed_from", "IT Support"), True),
        (leaf("tags", "changed_to", "vip"), True),
        (leaf("tags", "changed_from", "old"), True),
        (leaf("tags", "changed_to", "old"), False),
        (leaf("priority", "changed"), False),
        (leaf("assignee", "changed"), False),
    ]
    for condition, expected in checks:
        assert evaluate(condition, ticket, context)[0] is expected, condition


def test_validation_rejects_bad_trees():
    with pytest.raises(ValidationFailed):
        conditions.validate_tree({"match": "most", "conditions": []})
    with pytest.raises(ValidationFailed):
        conditions.validate_tree({"conditions": [leaf("nope", "is", "x")]})
    with pytest.raises(ValidationFailed):
        conditions.validate_tree({"conditions": [leaf("team", "gt", "x")]})
    with pytest.raises(ValidationFailed):
        conditions.validate_tree({"conditions": [leaf("channel", "changed")]})
    deep: dict = {"match": "all", "conditions": []}
    node = deep
    for _ in range(6):
        child: dict = {"match": "any", "conditions": []}
        node["conditions"].append(child)
        node = child
    with pytest.raises(ValidationFailed):
        conditions.validate_tree(deep)


def test_broken_leaf_is_reported_not_raised(team):
    ticket = make_ticket(team=team)
    matched, report = evaluate(
        leaf("within_business_hours", "contains", "x"), ticket, Context(trigger="x")
    )
    assert matched is False and report["error"]


def test_business_hours_default_and_sla_calendar(team, settings):
    settings.TIME_ZONE = "Europe/Lisbon"
    monday_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)  # 10:00 in Lisbon (WET)
    saturday = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
    assert business_hours.is_business_time(monday_10)
    assert not business_hours.is_business_time(saturday)
    assert not business_hours.is_business_time(monday_10.replace(hour=18))
    try:
        from ticketdesk.sla.models import BusinessCalendar, TeamCalendar, WorkingHours
    except ImportError:
        pytest.skip("no sla app")
    calendar = BusinessCalendar.objects.create(name="Weekend desk", time_zone="UTC")
    WorkingHours.objects.create(calendar=calendar, weekday=5, start="08:00", end="20:00")
    TeamCalendar.objects.create(team=team, calendar=calendar)
    ticket = make_ticket(team=team)
    assert business_hours.is_business_time(saturday, ticket=ticket)
    assert not business_hours.is_business_time(monday_10, ticket=ticket)


def test_time_rule_prefilter_and_cursor(admin_user, team):
    from ticketdesk.automation.models import Rule, Trigger

    from .helpers import make_rule

    rule = make_rule(
        Trigger.TIME,
        [leaf("status_category", "is", "pending"), leaf("subject", "contains", "hit")],
        [{"type": "add_tag", "value": "stale"}],
        time_anchor="created_at",
        time_hours=1,
    )
    assert str(engine.prefilter(rule.conditions)) == str(engine.Q(status_category__in=["pending"]))
    start = clock.now()
    with clock.frozen(start):
        misses = [make_ticket(team=team, subject="miss") for _ in range(3)]
        hits = [make_ticket(team=team, subject="hit") for _ in range(2)]
        for ticket in [*misses, *hits]:
            actions.set_fields(ticket, actor=None, status=status("pending"))
    with clock.frozen(start + dt.timedelta(hours=2)):
        assert engine.run_time_rules(budget_seconds=0) == 0  # out of time: nothing done
        assert Rule.objects.get(pk=rule.pk).time_cursor == 0
        # a small limit: the misses must not starve the hits behind them
        assert engine.run_time_rules(limit_per_rule=2) == 0
        assert Rule.objects.get(pk=rule.pk).time_cursor == misses[1].pk
        assert engine.run_time_rules(limit_per_rule=2) == 1
        assert engine.run_time_rules(limit_per_rule=2) == 1
        assert engine.run_time_rules(limit_per_rule=2) == 0
    assert all(t.tags.filter(name="stale").exists() for t in hits)
