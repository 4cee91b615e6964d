"""The ticket page's time card, logging from it, the report and its CSV."""

import pytest

from tests.factories import TeamFactory, make_agent, make_ticket
from ticketdesk.timetracking import actions
from ticketdesk.timetracking.models import RunningTimer, TimeEntry

pytestmark = pytest.mark.django_db


def test_ticket_page_log_and_timer(client, team, agent):
    ticket = make_ticket(team=team)
    client.force_login(agent)
    page = client.get(f"/t/{ticket.number}/").content.decode()
    assert 'id="time"' in page and "Start timer" in page
    response = client.post(
        f"/time/tickets/{ticket.number}/log/",
        {"minutes": "1h15", "billable": "on", "note": "Remote session"},
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.billable, entry.note) == (75, True, "Remote session")
    response = client.post(f"/time/tickets/{ticket.number}/log/", {"minutes": "soon"})
    assert response.status_code == 400
    assert response.context["form"].errors["minutes"]
    client.post(f"/time/tickets/{ticket.number}/timer/start/")
    assert RunningTimer.objects.filter(agent=agent).exists()
    assert "Stop timer" in client.get(f"/t/{ticket.number}/").content.decode()
    client.post(f"/time/tickets/{ticket.number}/timer/stop/", {"billable": "on"})
    assert TimeEntry.objects.count() == 2
    page = client.get(f"/t/{ticket.number}/").content.decode()
    assert "76 min logged" in page


def test_customer_cannot_log(client, team, customer):
    ticket = make_ticket(team=team, requester=customer[1])
    client.force_login(customer[0])
    response = client.post(f"/time/tickets/{ticket.number}/log/", {"minutes": "10"})
    assert response.status_code in (403, 404)
    assert not TimeEntry.objects.exists()


def test_report_and_csv(client, team, agent, admin_user, django_assert_max_num_queries):
    for n in range(5):
        actions.log_time(make_ticket(team=team), actor=agent, minutes=10 + n)
    client.force_login(agent)
    assert client.get("/time/report/").status_code == 403  # signed in, without the right
    assert client.get("/time/report.csv").status_code == 403
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get("/time/report/", {"group": "team"})
    assert response.status_code == 200
    assert response.context["rows"][0]["minutes"] == 60
    assert "1:00" in response.content.decode()
    csv = client.get("/time/report.csv", {"group": "agent"})
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("Group,Minutes") and lines[1] == "Ana Souza,60,60,1.00,5,5"
    bad = client.get("/time/report/", {"since": "2026-02-01", "until": "2026-01-01"})
    assert bad.status_code == 400
    assert "The end is before the start." in bad.content.decode()


def test_ticket_page_queries_do_not_grow_with_entries_and_items(
    client, team, agent, django_assert_max_num_queries
):
    from ticketdesk.assets import actions as asset_actions
    from ticketdesk.assets.models import ItemType

    ticket = make_ticket(team=team)
    server = ItemType.objects.create(key="server", name="Server")

    def item(n: int):
        return asset_actions.create_item(
            asset_actions.ItemInput(name=f"srv-{n}", item_type=server), actor=None
        )

    actions.log_time(ticket, actor=agent, minutes=5)
    asset_actions.link_ticket(ticket, item(0), actor=None)
    client.force_login(agent)
    with django_assert_max_num_queries(60) as few:
        client.get(f"/t/{ticket.number}/")
    baseline = len(few.captured_queries)
    for n in range(1, 12):
        actions.log_time(ticket, actor=agent, minutes=5 + n)
        linked = item(n)
        asset_actions.link_ticket(ticket, linked, actor=None)
        asset_actions.link_ticket(make_ticket(team=team), linked, actor=None)
    with django_assert_max_num_queries(baseline):
        page = client.get(f"/t/{ticket.number}/").content.decode()
    assert "srv-11" in page and "126 min logged" in page


def test_a_lead_sees_only_their_own_teams_hours(client, team, agent, admin_user):
    other_team = TeamFactory(name="Billing")
    other_agent = make_agent(other_team, username="otto")
    actions.log_time(make_ticket(team=team), actor=agent, minutes=30)
    actions.log_time(make_ticket(team=other_team), actor=other_agent, minutes=45)
    team.memberships.filter(user=agent).update(is_lead=True)
    client.force_login(agent)
    page = client.get("/time/report/").content.decode()  # says why other teams' are missing
    assert f"only the time logged on the team you lead: {team.name}." in page
    for group in ("team", "agent"):
        rows = client.get("/time/report/", {"group": group}).context["rows"]
        assert [r["minutes"] for r in rows] == [30]
    csv = client.get("/time/report.csv", {"group": "team"}).content.decode()
    assert "Billing" not in csv and "45" not in csv
    client.force_login(admin_user)  # admins see every team's
    response = client.get("/time/report/", {"group": "team"})
    assert "team you lead" not in response.content.decode()
    rows = response.context["rows"]
    assert sorted(r["minutes"] for r in rows) == [30, 45]
