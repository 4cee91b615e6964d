"""The role × object matrix of accounts/policy.py."""

from __future__ import annotations

import pytest

from tests.factories import (
    ContactFactory,
    OrganizationFactory,
    TeamFactory,
    make_agent,
    make_customer,
    make_ticket,
)
from ticketdesk.accounts import policy
from ticketdesk.tickets import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team):
    other_team = TeamFactory()
    org = OrganizationFactory(shared_tickets=True)
    private_org = OrganizationFactory(shared_tickets=False)
    cust_a, contact_a = make_customer()
    cust_b, contact_b = make_customer()
    colleague, contact_c = make_customer()
    contact_a.organizations.add(org)
    contact_c.organizations.add(org)
    contact_b.organizations.add(private_org)
    stranger, contact_s = make_customer()
    contact_s.organizations.add(private_org)
    ticket_a = make_ticket(team=team, requester=contact_a, organization=org)
    ticket_b = make_ticket(team=other_team, requester=contact_b, organization=private_org)
    note = actions.add_note(ticket_a, actor=None, body="internal only")
    return {
        "admin": make_agent(None, role="admin"),
        "agent": make_agent(team),
        "other_agent": make_agent(other_team),
        "light": make_agent(team, role="light_agent"),
        "cust_a": cust_a,
        "cust_b": cust_b,
        "colleague": colleague,
        "stranger": stranger,
        "ticket_a": ticket_a,
        "ticket_b": ticket_b,
        "note": note,
    }


CAN_SEE_A = {
    "admin": True,
    "agent": True,
    "other_agent": False,
    "light": True,
    "cust_a": True,
    "cust_b": False,
    "colleague": True,  # same organization, which shares tickets
    "stranger": False,
}


@pytest.mark.parametrize(("who", "expected"), CAN_SEE_A.items())
def test_visibility_of_ticket_a(world, who, expected):
    user = world[who]
    assert policy.can(user, policy.VIEW, world["ticket_a"]) is expected
    assert policy.visible_tickets(user).filter(pk=world["ticket_a"].pk).exists() is expected


def test_private_organization_does_not_share(world):
    assert not policy.can(world["stranger"], policy.VIEW, world["ticket_b"])
    assert policy.can(world["cust_b"], policy.VIEW, world["ticket_b"])


VERBS = {
    # who: (reply, add_note, edit, assign, merge, view_internal, close_own)
    "admin": (True, True, True, True, True, True, False),
    "agent": (True, True, True, True, True, True, False),
    "light": (False, True, False, False, False, True, False),
    "cust_a": (True, False, False, False, False, False, True),
    "other_agent": (False,) * 7,
    "cust_b": (False,) * 7,
}


@pytest.mark.parametrize(("who", "expected"), VERBS.items())
def test_verbs_on_ticket_a(world, who, expected):
    verbs = (
        policy.REPLY,
        policy.ADD_NOTE,
        policy.EDIT,
        policy.ASSIGN,
        policy.MERGE,
        policy.VIEW_INTERNAL,
        policy.CLOSE_OWN,
    )
    got = tuple(policy.can(world[who], verb, world["ticket_a"]) for verb in verbs)
    assert got == expected


def test_internal_notes_never_reach_customers(world):
    ticket = world["ticket_a"]
    assert not policy.can(world["cust_a"], policy.VIEW, world["note"])
    assert policy.can(world["light"], policy.VIEW, world["note"])
    visible = policy.visible_messages(world["cust_a"], ticket)
    assert world["note"] not in visible
    assert visible.count() == 1
    assert world["note"] in policy.visible_messages(world["agent"], ticket)


def test_anonymous_and_inactive_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not policy.visible_tickets(AnonymousUser()).exists()
    agent = world["agent"]
    agent.is_active = False
    agent.save()
    assert not policy.visible_tickets(agent).exists()
    assert not policy.can(agent, policy.VIEW, world["ticket_a"])


def test_watcher_and_assignee_see_tickets_outside_their_teams(world):
    other = world["other_agent"]
    actions.add_watcher(world["ticket_a"], other, actor=None)
    assert policy.can(other, policy.VIEW, world["ticket_a"])


def test_customer_without_contact_sees_nothing(db):
    from tests.factories import UserFactory

    user = UserFactory(role="customer")
    make_ticket(requester=ContactFactory())
    assert not policy.visible_tickets(user).exists()


def test_administer_and_reports(world):
    assert policy.can(world["admin"], policy.ADMINISTER)
    assert not policy.can(world["agent"], policy.ADMINISTER)
    assert not policy.can(world["agent"], policy.VIEW_REPORTS)
    world["agent"].team_memberships.update(is_lead=True)
    assert policy.can(world["agent"], policy.VIEW_REPORTS)
    assert not policy.can(world["cust_a"], policy.VIEW_REPORTS)


def test_visible_tickets_has_no_duplicates(world):
    agent = world["agent"]
    actions.add_watcher(world["ticket_a"], agent, actor=None)
    actions.assign(world["ticket_a"], assignee=agent, actor=None)
    ids = list(policy.visible_tickets(agent).values_list("pk", flat=True))
    assert len(ids) == len(set(ids))


def test_request_cache_never_answers_for_a_changed_ticket(team, django_assert_num_queries):
    """Within one request, visibility is asked once per ticket version: after an action that
    takes the ticket away from the user, the next question is asked again."""
    other = TeamFactory(name="Other", slug="other")
    agent = make_agent(other, username="visitor")
    ticket = make_ticket(team=other)
    agent._policy_cache = {}  # as the middleware does for a request
    assert policy.can(agent, policy.VIEW, ticket)
    with django_assert_num_queries(0):
        assert policy.can(agent, policy.VIEW, ticket)  # answered from the cache
    ticket = actions.set_fields(ticket, actor=agent, team=team)  # handed to another team
    assert not policy.can(agent, policy.VIEW, ticket)
