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


ROLE_TABLE = {
    # verb: (admin, lead, agent, light agent, customer, anonymous) — the module docstring's table
    policy.USE_WORKSPACE: (True, True, True, True, False, False),
    policy.CREATE_FOR_OTHERS: (True, True, True, False, False, False),
    policy.VIEW_REPORTS: (True, True, False, False, False, False),
    policy.VIEW_PROBLEMS: (True, True, True, True, False, False),
    policy.EXPORT_TICKETS: (True, True, True, True, False, False),
    policy.VIEW_MACROS: (True, True, True, True, False, False),
    policy.CREATE_MACRO: (True, True, True, False, False, False),
    policy.WRITE_ARTICLES: (True, True, True, False, False, False),
    policy.SET_AVAILABILITY: (True, True, True, False, False, False),
    policy.VIEW_EVENT_FEED: (True, True, True, True, True, False),
    policy.ADMINISTER: (True, False, False, False, False, False),
}


@pytest.fixture
def roles(team):
    from django.contrib.auth.models import AnonymousUser

    lead = make_agent(team, username="lead")
    lead.team_memberships.update(is_lead=True)
    return (
        make_agent(None, role="admin", username="boss"),
        lead,
        make_agent(team, username="plain"),
        make_agent(team, role="light_agent", username="light"),
        make_customer(username="cust")[0],
        AnonymousUser(),
    )


@pytest.mark.parametrize("verb", list(ROLE_TABLE))
def test_role_table(roles, verb):
    assert tuple(policy.can(user, verb) for user in roles) == ROLE_TABLE[verb]


def test_one_meaning_of_agent(roles):
    agent = roles[2]
    assert [policy.is_agent(u) for u in roles] == [True, True, True, False, False, False]
    assert [policy.is_staff_member(u) for u in roles] == [True, True, True, True, False, False]
    assert [policy.is_light_agent(u) for u in roles] == [False, False, False, True, False, False]
    assert [policy.is_lead(u) for u in roles] == [False, True, False, False, False, False]
    # the model has no word of its own that could mean something else
    assert not hasattr(agent, "is_agent") and not hasattr(agent, "is_light_agent")


def test_availability_is_ones_own_unless_admin(roles):
    admin, lead, agent, light, _customer, _anonymous = roles
    assert policy.can(agent, policy.SET_AVAILABILITY, agent)
    assert not policy.can(agent, policy.SET_AVAILABILITY, lead)
    assert policy.can(admin, policy.SET_AVAILABILITY, agent)
    assert not policy.can(admin, policy.SET_AVAILABILITY, light)  # light agents take no routing


def test_articles_by_visibility_and_drafts_for_writers(roles):
    from types import SimpleNamespace

    def article(visibility, published=True):
        return SimpleNamespace(visibility=visibility, is_published=published)

    readers = {
        "public": (True, True, True, True, True, True),
        "customers": (True, True, True, True, True, False),
        "internal": (True, True, True, True, False, False),
    }
    for visibility, expected in readers.items():
        got = tuple(policy.can(u, policy.READ_ARTICLE, article(visibility)) for u in roles)
        assert got == expected, visibility
    draft = article("public", published=False)
    assert tuple(policy.can(u, policy.READ_ARTICLE, draft) for u in roles) == (
        True,
        True,
        True,
        False,
        False,
        False,
    )


def test_macros_each_role_may_change(roles, team):
    from ticketdesk.automation.models import Macro, MacroVisibility
    from ticketdesk.core import clock

    admin, lead, agent, light, customer, _anonymous = roles
    other = TeamFactory(name="Elsewhere", slug="elsewhere")
    now = clock.now()

    def macro(visibility, **extra):
        return Macro.objects.create(
            name=visibility, visibility=visibility, created_at=now, updated_at=now, **extra
        )

    shared = macro(MacroVisibility.SHARED)
    ours = macro(MacroVisibility.TEAM, team=team)
    theirs = macro(MacroVisibility.TEAM, team=other)
    own = macro(MacroVisibility.PERSONAL, owner=agent)
    lead_own = macro(MacroVisibility.PERSONAL, owner=lead)
    assert {v.value for v in MacroVisibility} == {"shared", "team", "personal"}  # policy's words
    assert policy.can(admin, policy.MANAGE_MACRO, shared)
    assert [policy.can(agent, policy.MANAGE_MACRO, m) for m in (shared, ours, theirs, own)] == [
        False,
        True,
        False,
        True,
    ]
    assert not policy.can(agent, policy.MANAGE_MACRO, lead_own)
    assert not policy.can(light, policy.MANAGE_MACRO, ours)
    assert not policy.can(customer, policy.MANAGE_MACRO, own)
    # an agent cannot move their team's macro to another team
    assert not policy.can_manage_macro(agent, ours, visibility="team", team_id=other.pk)
    visible = set(Macro.objects.filter(policy.macro_scope(light)).values_list("name", "team_id"))
    assert visible == {("shared", None), ("team", team.pk)}


def test_a_customer_sees_the_tickets_they_are_copied_on_without_a_subquery(world, monkeypatch):
    """ "requester OR id IN (subquery of cc)" made PostgreSQL walk the whole updated_at index
    for every portal list (0.5 s at 1M tickets): the cc'd tickets are named by id."""
    cust_b, ticket_a = world["cust_b"], world["ticket_a"]
    ticket_a.cc.add(cust_b.contact)
    visible = policy.visible_tickets(cust_b)
    assert set(visible.values_list("pk", flat=True)) == {ticket_a.pk, world["ticket_b"].pk}
    assert "tickets_ticket_cc" not in str(visible.query)
    # copied on more tickets than are named inline: the subquery again, same answer
    monkeypatch.setattr(policy, "CC_IDS_INLINE", 0)
    visible = policy.visible_tickets(cust_b)
    assert "tickets_ticket_cc" in str(visible.query)
    assert set(visible.values_list("pk", flat=True)) == {ticket_a.pk, world["ticket_b"].pk}
