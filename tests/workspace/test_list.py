import pytest

from tests.factories import PASSWORD, ContactFactory, TeamFactory, make_agent, make_ticket
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Ticket
from ticketdesk.workspace.models import SavedView

pytestmark = pytest.mark.django_db


def _make_many(team, n, **kwargs):
    return [make_ticket(team=team, subject=f"Ticket {i}", **kwargs) for i in range(n)]


def test_customer_is_sent_to_portal(client, customer):
    user, _contact = customer
    client.login(username=user.username, password=PASSWORD)
    assert client.get("/").url == "/portal/"


def test_anonymous_must_log_in(client):
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_views_show_only_visible_tickets(agent_client, agent, team):
    other_team = TeamFactory()
    mine = make_ticket(team=team, subject="Mine")
    actions.assign(mine, assignee=agent, actor=None)
    unassigned = make_ticket(team=team, subject="Waiting in queue")
    hidden = make_ticket(team=other_team, subject="Someone else's")
    body = agent_client.get("/").content.decode()
    assert "Mine" in body and "Waiting in queue" not in body
    body = agent_client.get("/?view=unassigned").content.decode()
    assert unassigned.subject in body and "Mine" not in body
    body = agent_client.get(f"/?view=team-{team.pk}").content.decode()
    assert mine.subject in body and unassigned.subject in body
    assert hidden.subject not in body
    assert agent_client.get(f"/?view=team-{other_team.pk}").status_code == 404
    assert agent_client.get("/?view=all").status_code == 404  # admins only


def test_list_query_count_is_bounded(agent_client, agent, team, django_assert_max_num_queries):
    tickets = _make_many(team, 3, tags=["vpn"])
    for t in tickets:
        actions.assign(t, assignee=agent, actor=None)
    with django_assert_max_num_queries(14) as few:
        assert agent_client.get("/?view=mine").status_code == 200
    more = _make_many(team, 25, tags=["vpn", "printer"])
    for t in more:
        actions.assign(t, assignee=agent, actor=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = agent_client.get("/?view=mine")
    assert response.content.decode().count("data-row") == 28


def test_rail_counts(agent_client, agent, team, django_assert_max_num_queries):
    _make_many(team, 4)
    SavedView.objects.create(owner=agent, name="VPN", query="tag:vpn")
    # one bounded COUNT per view (the triage and escalated views, and whether the agent
    # works the triage queue: +3)
    with django_assert_max_num_queries(15):
        response = agent_client.get("/rail/?view=mine")
    body = response.content.decode()
    assert "Unassigned in my teams" in body and "VPN" in body
    assert '<span class="count">4</span>' in body


def test_search_filter_and_errors(agent_client, agent, team):
    make_ticket(team=team, subject="VPN down", tags=["vpn"])
    make_ticket(team=team, subject="Printer jam")
    body = agent_client.get(f"/?view=team-{team.pk}&q=tag:vpn").content.decode()
    assert "VPN down" in body and "Printer jam" not in body
    body = agent_client.get(f"/?view=team-{team.pk}&tag=vpn").content.decode()
    assert "VPN down" in body and "Printer jam" not in body
    response = agent_client.get(f"/?view=team-{team.pk}&q=colour:red")
    assert response.status_code == 400
    assert "colour" in response.content.decode()


def test_sorting_and_keyset_pagination(agent_client, agent, team, settings):
    from ticketdesk.workspace import listing

    tickets = _make_many(team, 7)
    for t in tickets:
        actions.assign(t, assignee=agent, actor=None)
    old = listing.PAGE_SIZE
    listing.PAGE_SIZE = 3
    try:
        seen = []
        url = "/?view=mine&sort=number&dir=asc"
        assert len(agent_client.get(url).context["page"].items) == 3
        while url:
            response = agent_client.get(url)
            page = response.context["page"]
            seen += [t.number for t in page.items]
            url = response.context["next_url"] or None
        assert seen == sorted(t.number for t in tickets)
        for column in listing.COLUMNS:
            for direction in ("asc", "desc"):
                response = agent_client.get(f"/?view=mine&sort={column}&dir={direction}")
                assert response.status_code == 200, column
                nxt = response.context["next_url"]
                assert nxt, column
                assert len(agent_client.get(nxt).context["page"].items) == 3, column
    finally:
        listing.PAGE_SIZE = old


def test_load_more_returns_rows_only(agent_client, agent, team):
    from ticketdesk.workspace import listing

    for t in _make_many(team, 4):
        actions.assign(t, assignee=agent, actor=None)
    old = listing.PAGE_SIZE
    listing.PAGE_SIZE = 2
    try:
        first = agent_client.get("/?view=mine")
        more = agent_client.get(
            first.context["next_url"], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="more-rows"
        )
    finally:
        listing.PAGE_SIZE = old
    body = more.content.decode()
    assert "<html" not in body and body.count("data-row") == 2


def test_bulk_assign_status_tag_and_merge(agent_client, agent, team):
    colleague = make_agent(team, username="luca")
    t1, t2, t3 = _make_many(team, 3)
    ids = [t1.pk, t2.pk]
    response = agent_client.post(
        "/bulk/",
        {"ids": ids, "op": "assign", "assignee": colleague.pk, "next": "/?view=unassigned"},
    )
    assert response.status_code == 302 and response.url == "/?view=unassigned"
    assert set(Ticket.objects.filter(assignee=colleague).values_list("pk", flat=True)) == set(ids)
    from tests.factories import status

    agent_client.post("/bulk/", {"ids": ids, "op": "status", "status": status("open").pk})
    assert set(Ticket.objects.filter(pk__in=ids).values_list("status__key", flat=True)) == {"open"}
    agent_client.post("/bulk/", {"ids": ids, "op": "tag", "tag": "outage"})
    assert Ticket.objects.filter(tags__name="outage").count() == 2
    agent_client.post(
        "/bulk/", {"ids": [t1.pk, t2.pk], "op": "merge", "merge_into": f"#{t3.number}"}
    )
    t1.refresh_from_db()
    assert t1.merged_into_id == t3.pk


def test_bulk_skips_invisible_tickets(agent_client, agent, team):
    hidden = make_ticket(team=TeamFactory())
    agent_client.post("/bulk/", {"ids": [hidden.pk], "op": "assign", "assignee": "me"})
    hidden.refresh_from_db()
    assert hidden.assignee_id is None


def test_saved_views(agent_client, agent, team):
    make_ticket(team=team, subject="VPN down", tags=["vpn"])
    response = agent_client.post("/views/save/", {"name": "VPN", "query": "tag:vpn"})
    saved = SavedView.objects.get(owner=agent)
    assert response.url == f"/?view=saved-{saved.pk}"
    assert "VPN down" in agent_client.get(response.url).content.decode()
    agent_client.post("/views/save/", {"name": "VPN", "query": "tag:vpn"})
    assert SavedView.objects.filter(owner=agent).count() == 1
    agent_client.post("/views/save/", {"name": "Bad", "query": "colour:red"})
    assert SavedView.objects.filter(owner=agent).count() == 1
    agent_client.post(f"/views/{saved.pk}/delete/")
    assert not SavedView.objects.exists()


def test_admin_sees_all(client, admin_user, team):
    make_ticket(team=team, subject="Anything", requester=ContactFactory())
    client.login(username=admin_user.username, password=PASSWORD)
    assert "Anything" in client.get("/?view=all").content.decode()
