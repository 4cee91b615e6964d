"""Query-count budgets of the pages agents open all day (issue 20). Each test fails as soon as
a page needs more queries than its budget, whatever the data: configuration (statuses,
types, categories, teams, agents, custom field definitions, canned responses) comes from the
per-process cache, requester history and links take one query each, rail counts are
shared through the cache for a few seconds.

Budgets count every query of the request, the session and the signed-in user included.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PASSWORD, ContactFactory, make_agent, make_ticket
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import CannedResponse, LinkKind
from ticketdesk.workspace import rail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _warm_stays_warm(monkeypatch):
    """The budgets are for warm caches and exclude once-a-while writes: on a loaded machine a
    test can outlast the configuration cache's 10 s or the sign-in session's once-a-minute
    "last seen" write, which must not land between the warming and the counted request."""
    from ticketdesk.accounts import signin_sessions
    from ticketdesk.core import config_cache

    monkeypatch.setattr(config_cache, "TTL_SECONDS", 3600.0)
    monkeypatch.setattr(signin_sessions, "SEEN_EVERY_SECONDS", 3600)


# session, user, the user's memberships (never cached across requests: visibility must
# follow a change at once), ticket (with its tags, watchers and CC folded in as JSON, the
# time card's totals and running timer, whether any item is affected), messages (with their
# attachments folded in), links, events, requester history. The audit entry of a view is
# written once per 10-minute window; macros, canned responses and configuration come from
# the cache. Issue 20 asked for 8 (it was 16). Affected items add two queries when there
# are any, logged time two.
TICKET_PAGE_BUDGET = 8
# session, user, memberships, saved views, the page of tickets, their tags (the triage
# teams come from the configuration cache)
TICKET_LIST_BUDGET = 6
# session, user, memberships, triage teams, saved views: the counts come from the cache
RAIL_WARM_BUDGET = 5


def _busy_ticket(agent, team):
    """A ticket with every kind of thing the page shows, several of each."""
    requester = ContactFactory()
    ticket = make_ticket(team=team, requester=requester, tags=["vpn"])
    CannedResponse.objects.create(title="Hi", body="Hi {{ requester.first_name }}")
    colleague = make_agent(team)
    for i in range(4):
        actions.reply(ticket, actor=agent, body=f"reply {i}")
        actions.add_note(ticket, actor=agent, body=f"note {i}")
        actions.set_tags(ticket, actor=agent, add=[f"t{i}"])
        other = make_ticket(team=team, requester=requester, subject=f"Other {i}")
        actions.link(ticket, other, LinkKind.RELATED, actor=agent)
    actions.add_watcher(ticket, colleague, actor=agent)
    return ticket


def test_ticket_page_stays_within_its_budget(
    agent_client, agent, team, django_assert_max_num_queries
):
    ticket = _busy_ticket(agent, team)
    assert agent_client.get(f"/t/{ticket.number}/").status_code == 200  # warms the cache
    with django_assert_max_num_queries(TICKET_PAGE_BUDGET):
        response = agent_client.get(f"/t/{ticket.number}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Other 3" in body  # links and requester history are there


def test_ticket_page_with_items_logged_time_and_a_timer_adds_four_queries(
    agent_client, agent, team, django_assert_max_num_queries
):
    """Affected items add their rows and the items' other open tickets, logged time its
    latest entries and the per-agent totals; a running timer and the totals add none."""
    from ticketdesk.assets import actions as asset_actions
    from ticketdesk.assets.models import ItemType
    from ticketdesk.timetracking import actions as time_actions

    ticket = _busy_ticket(agent, team)
    server = ItemType.objects.create(key="server", name="Server")
    item = asset_actions.create_item(
        asset_actions.ItemInput(name="srv-1", item_type=server), actor=None
    )
    asset_actions.link_ticket(ticket, item, actor=None)
    time_actions.log_time(ticket, actor=agent, minutes=25)
    time_actions.start_timer(ticket, actor=agent)
    assert agent_client.get(f"/t/{ticket.number}/").status_code == 200
    with django_assert_max_num_queries(TICKET_PAGE_BUDGET + 4):
        page = agent_client.get(f"/t/{ticket.number}/").content.decode()
    assert "srv-1" in page and "25 min logged" in page and "Stop timer" in page


def test_ticket_page_budget_holds_for_an_admin(client, admin_user, team, agent):
    ticket = _busy_ticket(agent, team)
    assert client.login(username=admin_user.username, password=PASSWORD)
    client.get(f"/t/{ticket.number}/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/t/{ticket.number}/").status_code == 200
    assert len(captured) <= TICKET_PAGE_BUDGET


@pytest.mark.parametrize("view", ["mine", "team", "everything"])
def test_ticket_list_stays_within_its_budget(
    agent_client, agent, team, view, django_assert_max_num_queries
):
    for i in range(30):
        ticket = make_ticket(team=team, subject=f"Ticket {i}", tags=["vpn", f"t{i}"])
        actions.assign(ticket, assignee=agent, actor=agent)
    key = f"team-{team.pk}" if view == "team" else view
    assert agent_client.get(f"/?view={key}").status_code == 200
    with django_assert_max_num_queries(TICKET_LIST_BUDGET):
        response = agent_client.get(f"/?view={key}")
    assert response.status_code == 200
    assert "Ticket 29" in response.content.decode()


def test_rail_counts_are_shared_for_a_while_and_shown_capped(
    agent_client, agent, team, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(rail, "COUNT_CAP", 3)
    for i in range(5):
        ticket = make_ticket(team=team, subject=f"Ticket {i}")
        actions.assign(ticket, assignee=agent, actor=agent)
    first = agent_client.get("/rail/?view=mine").content.decode()
    assert "3+" in first and "more than 3" in first
    assert "Counts are refreshed every 30 seconds" in first
    with django_assert_max_num_queries(RAIL_WARM_BUDGET):
        again = agent_client.get("/rail/?view=mine").content.decode()
    assert again == first
    cache.clear()  # after the window, counted again
    monkeypatch.setattr(rail, "COUNT_CAP", 1000)
    assert "3+" not in agent_client.get("/rail/?view=mine").content.decode()
