import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import PASSWORD, ContactFactory, TeamFactory, make_agent, make_ticket, status
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import CannedResponse, Message, MessageKind, Ticket, TicketLink
from ticketdesk.workspace.models import TicketPresence

pytestmark = pytest.mark.django_db


def _page(client, ticket):
    return client.get(f"/t/{ticket.number}/")


def test_ticket_page_shows_timeline_in_words(agent_client, agent, team):
    ticket = make_ticket(team=team, subject="VPN down", body="It <b>fails</b><script>x()</script>")
    actions.set_fields(ticket, actor=agent, priority=4)
    actions.add_note(ticket, actor=agent, body="Looks like the *certificate*")
    body = _page(agent_client, ticket).content.decode()
    assert "VPN down" in body
    assert "Ana Souza changed priority from Medium to Critical" in body
    assert 'class="entry note' in body and "<em>certificate</em>" in body
    assert "<script>x()" not in body


def test_hidden_ticket_is_404(agent_client):
    hidden = make_ticket(team=TeamFactory())
    assert _page(agent_client, hidden).status_code == 404
    assert agent_client.post(f"/t/{hidden.number}/messages/", {"body": "hi"}).status_code == 404


def test_ticket_page_query_count_is_bounded(
    agent_client, agent, team, django_assert_max_num_queries
):
    requester = ContactFactory()
    ticket = make_ticket(team=team, requester=requester, tags=["vpn"])
    CannedResponse.objects.create(title="Hi", body="Hi {{ requester.first_name }}")
    # 31 + the affected items (1) + time: totals, the running timer, the type's rule (3)
    with django_assert_max_num_queries(36) as few:
        assert _page(agent_client, ticket).status_code == 200
    baseline = len(few.captured_queries)
    for i in range(8):
        actions.reply(ticket, actor=agent, body=f"reply {i}")
        actions.add_note(ticket, actor=agent, body=f"note {i}")
        actions.set_tags(ticket, actor=agent, add=[f"t{i}"])
        make_ticket(team=team, requester=requester, subject=f"Other {i}")
    with django_assert_max_num_queries(baseline):
        assert _page(agent_client, ticket).status_code == 200


def test_reply_with_attachment_and_status(agent_client, agent, team):
    ticket = make_ticket(team=team)
    upload = SimpleUploadedFile("log.txt", b"error at 09:12", content_type="text/plain")
    response = agent_client.post(
        f"/t/{ticket.number}/messages/",
        {
            "kind": "public",
            "body": "Fixed, **please** retry",
            "status": status("pending").pk,
            "attachments": [upload],
        },
    )
    assert response.status_code == 302
    message = Message.objects.filter(ticket=ticket).latest("id")
    assert message.kind == MessageKind.PUBLIC and "<strong>please</strong>" in message.body_html
    ticket.refresh_from_db()
    assert ticket.status.key == "pending"
    attachment = message.attachments.get()
    download = agent_client.get(f"/files/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"error at 09:12"


def test_note_and_empty_message(agent_client, agent, team):
    ticket = make_ticket(team=team)
    agent_client.post(f"/t/{ticket.number}/messages/", {"kind": "internal", "body": "psst"})
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.INTERNAL).count() == 1
    response = agent_client.post(f"/t/{ticket.number}/messages/", {"kind": "public", "body": " "})
    assert response.status_code == 400
    assert "Write a message" in response.content.decode()


def test_side_panel_saves_and_reports_conflict(agent_client, agent, team):
    ticket = make_ticket(team=team)
    colleague = make_agent(team, username="luca", first_name="Luca", last_name="Bianchi")
    form = {
        "expected_version": ticket.version,
        "status": ticket.status_id,
        "priority": "",
        "urgency": 3,
        "impact": 2,
        "team": team.pk,
        "assignee": agent.pk,
        "ticket_type": "",
        "category": "",
        "tags": "vpn, outage",
    }
    response = agent_client.post(f"/t/{ticket.number}/fields/", form, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.urgency == 3 and ticket.assignee_id == agent.pk
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["outage", "vpn"]
    body = response.content.decode()
    assert 'id="timeline" hx-swap-oob="true"' in body
    # Luca changes the status meanwhile; Ana saves urgency from her stale page
    page = agent_client.get(f"/t/{ticket.number}/")
    form = page.context["form"]
    was = form.initial_data()
    stale = {k: was.getlist(k) for k in was}
    stale.update(expected_version=ticket.version, was=was.urlencode(), urgency="4")
    actions.change_status(ticket, status("open"), actor=colleague)
    response = agent_client.post(f"/t/{ticket.number}/fields/", stale, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this ticket" in body
    # assigning Ana moved the new ticket to "In progress"
    assert "Luca Bianchi changed status from In progress to Open" in body
    assert response.context["conflict"]["resubmit"] == [("urgency", "4")]
    ticket.refresh_from_db()
    assert ticket.urgency == 3  # nothing overwritten
    # "apply my changes again" re-sends only urgency, with the current version
    again = {"partial": "1", "urgency": "4", "expected_version": ticket.version}
    response = agent_client.post(f"/t/{ticket.number}/fields/", again, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.urgency == 4 and ticket.status.key == "open"  # Luca's change kept


def test_side_panel_validation_error(agent_client, agent, team):
    ticket = make_ticket(team=team)
    outsider = make_agent(TeamFactory(), username="out")
    form = {
        "expected_version": ticket.version,
        "status": ticket.status_id,
        "urgency": 2,
        "impact": 2,
        "team": team.pk,
        "assignee": outsider.pk,
    }
    response = agent_client.post(f"/t/{ticket.number}/fields/", form, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "cannot be assigned" in response.content.decode() or "Not an agent" in (
        response.content.decode()
    )


def test_assign_to_me_watch_links_merge_split(agent_client, agent, team):
    ticket = make_ticket(team=team)
    other = make_ticket(team=team, subject="Second")
    agent_client.post(f"/t/{ticket.number}/assign-me/")
    agent_client.post(f"/t/{ticket.number}/watch/")
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk and ticket.watchers.filter(pk=agent.pk).exists()
    agent_client.post(
        f"/t/{ticket.number}/links/", {"kind": "related", "number": f"#{other.number}"}
    )
    link = TicketLink.objects.get(source=ticket, target=other)
    assert "Second" in _page(agent_client, ticket).content.decode()
    agent_client.post(f"/t/{ticket.number}/links/{link.pk}/delete/")
    assert not TicketLink.objects.filter(pk=link.pk).exists()
    customer_message = actions.reply(
        ticket, actor=None, author_contact=ticket.requester, body="2nd"
    )
    response = agent_client.post(f"/t/{ticket.number}/split/{customer_message.pk}/")
    new_ticket = Ticket.objects.exclude(pk__in=[ticket.pk, other.pk]).get()
    assert response.url == f"/t/{new_ticket.number}/"
    response = agent_client.post(f"/t/{other.number}/merge/", {"number": f"#{ticket.number}"})
    assert response.url == f"/t/{ticket.number}/"
    other.refresh_from_db()
    assert other.merged_into_id == ticket.pk


def test_canned_response_and_preview(agent_client, agent, team):
    requester = ContactFactory(name="Maria Silva")
    ticket = make_ticket(team=team, requester=requester)
    canned = CannedResponse.objects.create(title="Hi", body="Hi {{ requester.first_name }}")
    data = agent_client.get(f"/t/{ticket.number}/canned/{canned.pk}/").json()
    assert data == {"text": "Hi Maria"}
    private = CannedResponse.objects.create(title="x", body="y", owner=make_agent(), shared=False)
    assert agent_client.get(f"/t/{ticket.number}/canned/{private.pk}/").status_code == 404
    html = agent_client.post("/preview/", {"body": "**b** <img src=x onerror=alert(1)>"})
    assert "<strong>b</strong>" in html.content.decode()
    assert "onerror" not in html.content.decode()


def test_presence_shows_other_agents(client, agent, team):
    ticket = make_ticket(team=team)
    colleague = make_agent(team, username="luca", first_name="Luca", last_name="Bianchi")
    client.login(username=colleague.username, password=PASSWORD)
    client.get(f"/t/{ticket.number}/presence/?mode=replying&version={ticket.version}")
    client.logout()
    client.login(username=agent.username, password=PASSWORD)
    body = client.get(f"/t/{ticket.number}/presence/?version={ticket.version}").content.decode()
    assert "Luca Bianchi is replying" in body
    assert "changed since you opened it" not in body
    actions.add_note(ticket, actor=colleague, body="x")
    body = client.get(f"/t/{ticket.number}/presence/?version={ticket.version}").content.decode()
    assert "changed since you opened it" in body
    assert TicketPresence.objects.count() == 2


def test_light_agent_cannot_reply_or_edit(client, team):
    light = make_agent(team, role="light_agent", username="lee")
    ticket = make_ticket(team=team)
    client.login(username=light.username, password=PASSWORD)
    body = client.get(f"/t/{ticket.number}/").content.decode()
    assert 'value="public"' not in body and 'value="internal"' in body
    assert (
        client.post(f"/t/{ticket.number}/messages/", {"kind": "public", "body": "x"}).status_code
        == 403
    )
    assert (
        client.post(f"/t/{ticket.number}/messages/", {"kind": "internal", "body": "x"}).status_code
        == 302
    )


def test_knowledge_base_tools_on_the_ticket_page(agent_client, agent, team):
    from ticketdesk.kb.models import Article

    ticket = make_ticket(team=team)
    reply = actions.reply(ticket, actor=agent, body="Restart the VPN client, then sign in again.")
    html = _page(agent_client, ticket).content.decode()
    assert 'hx-get="/kb/insert-link/"' in html  # the article picker in the composer
    assert f'action="/kb/from-message/{reply.pk}/"' in html  # "Make article" on agent replies
    response = agent_client.post(f"/kb/from-message/{reply.pk}/")
    assert response.status_code == 302
    article = Article.objects.get()
    assert "Restart the VPN client" in article.versions.get().body_markdown


def test_sla_events_read_as_sentences(agent, team):
    from ticketdesk.tickets.actions.base import record
    from ticketdesk.tickets.models import EventKind
    from ticketdesk.workspace.timeline import describe

    ticket = make_ticket(team=team)
    policy = record(ticket, EventKind.SLA, None, data={"change": "policy", "policy": "High"})
    met = record(ticket, EventKind.SLA, None, data={"change": "met", "metric": "first_response"})
    assert describe(policy) == "SLA: policy “High” applies"
    assert describe(met) == "SLA · First response: done"
