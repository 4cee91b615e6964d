from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import make_ticket
from tests.portal.conftest import login
from ticketdesk.accounts.models import Organization
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions import AttachmentInput
from ticketdesk.tickets.models import Channel, StatusCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(team, agent, customer):
    _user, contact = customer
    ticket = make_ticket(team=team, requester=contact, subject="VPN drops every hour")
    actions.add_note(ticket, actor=agent, body="INTERNAL: customer is on the old client")
    actions.reply(
        ticket,
        actor=agent,
        body="Please update the VPN client.",
        attachments=[AttachmentInput("guide.pdf", b"%PDF-1.4 guide", "application/pdf")],
    )
    return ticket


def test_ticket_page_shows_public_conversation_only(client, customer, conversation):
    login(client, customer[0])
    response = client.get(reverse("portal:ticket", args=[conversation.number]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please update the VPN client." in html
    assert "INTERNAL" not in html and "old client" not in html
    assert "guide.pdf" in html


def test_agent_looking_at_the_portal_does_not_see_notes_either(client, agent, conversation):
    login(client, agent)
    html = client.get(reverse("portal:ticket", args=[conversation.number])).content.decode()
    assert "Please update the VPN client." in html
    assert "old client" not in html


def test_list_search_and_status_filter(client, customer, conversation, team):
    _user, contact = customer
    make_ticket(team=team, requester=contact, subject="Printer offline")
    login(client, customer[0])
    html = client.get(reverse("portal:tickets")).content.decode()
    assert "VPN drops" in html and "Printer offline" in html
    html = client.get(reverse("portal:tickets"), {"q": "printer"}).content.decode()
    assert "Printer offline" in html and "VPN drops" not in html
    html = client.get(reverse("portal:tickets"), {"q": f"#{conversation.number}"}).content.decode()
    assert "VPN drops" in html and "Printer offline" not in html
    html = client.get(reverse("portal:tickets"), {"state": "solved"}).content.decode()
    assert "VPN drops" not in html


def test_list_query_count_is_bounded(client, customer, team, django_assert_max_num_queries):
    _user, contact = customer
    for n in range(30):
        make_ticket(team=team, requester=contact, subject=f"Ticket {n}")
    login(client, customer[0])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:tickets"))
    assert response.content.decode().count('class="num"') == 25


def test_organization_tickets_visible_when_shared(client, customer, customer_b, team):
    org = Organization.objects.create(name="Acme", shared_tickets=True)
    customer[1].organizations.add(org)
    customer_b[1].organizations.add(org)
    ticket = make_ticket(team=team, requester=customer_b[1], subject="Bruno's issue")
    login(client, customer[0])
    assert "Bruno&#x27;s issue" in client.get(reverse("portal:tickets")).content.decode()
    mine = client.get(reverse("portal:tickets"), {"scope": "mine"}).content.decode()
    assert "Bruno" not in mine
    assert client.get(reverse("portal:ticket", args=[ticket.number])).status_code == 200


def test_reply_with_attachment(client, customer, conversation):
    login(client, customer[0])
    upload = SimpleUploadedFile("log.txt", b"error 42", "text/plain")
    response = client.post(
        reverse("portal:reply", args=[conversation.number]),
        {"body": "Updated, still broken.", "attachments": [upload]},
    )
    assert response.status_code == 302
    message = conversation.messages.order_by("-id").first()
    assert message.is_customer_message and message.channel == Channel.PORTAL
    assert message.attachments.get().original_name == "log.txt"


def test_empty_reply_shows_error(client, customer, conversation):
    login(client, customer[0])
    response = client.post(reverse("portal:reply", args=[conversation.number]), {"body": ""})
    assert response.status_code == 400
    assert 'id="id_body_error"' in response.content.decode()


def test_close_and_reopen(client, customer, conversation):
    login(client, customer[0])
    url = reverse("portal:ticket_status", args=[conversation.number])
    assert client.post(url, {"action": "close"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.status_category == StatusCategory.RESOLVED
    assert client.post(url, {"action": "reopen"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.status_category == StatusCategory.OPEN


def test_attachment_download(client, customer, conversation):
    attachment = conversation.attachments.get()
    login(client, customer[0])
    response = client.get(reverse("portal:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 guide"
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_ticket_page_query_count_is_bounded(
    client, customer, conversation, agent, django_assert_max_num_queries
):
    for n in range(10):
        actions.reply(conversation, actor=agent, body=f"Update {n}")
    login(client, customer[0])
    with django_assert_max_num_queries(19):  # constant: no query per message
        response = client.get(reverse("portal:ticket", args=[conversation.number]))
    assert response.content.decode().count('class="bubble') == 12


def test_a_reply_on_a_closed_ticket_opens_a_linked_follow_up(client, customer, conversation):
    from tests.factories import status
    from ticketdesk.tickets.models import Ticket, TicketLink

    actions.change_status(conversation, status("closed"), actor=None)
    login(client, customer[0])
    page = client.get(reverse("portal:ticket", args=[conversation.number])).content.decode()
    assert "Open a follow-up request" in page
    response = client.post(
        reverse("portal:reply", args=[conversation.number]), {"body": "The VPN drops again."}
    )
    assert response.status_code == 302
    follow_up = Ticket.objects.exclude(pk=conversation.pk).get()
    assert response["Location"].startswith(reverse("portal:ticket", args=[follow_up.number]))
    assert follow_up.team == conversation.team and follow_up.status_category == "new"
    assert follow_up.messages.get().body_text.strip() == "The VPN drops again."
    assert TicketLink.objects.filter(source=follow_up, target=conversation, kind="follow_up")
    conversation.refresh_from_db()
    assert conversation.status_category == StatusCategory.CLOSED
    assert conversation.messages.filter(body_text__contains="drops again").count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "so your message opened this follow-up request" in page
    assert conversation.display_number in page


def test_message_times_read_like_the_workspace_in_the_readers_language(
    client, customer, conversation
):
    """Not Django's long DATETIME_FORMAT ('2 de Dezembro de 2026 às 18:13', 'Dec. 2, 2026,
    6:13 p.m.') but the compact one the workspace uses."""
    import re

    login(client, customer[0])
    page = client.get(
        reverse("portal:ticket", args=[conversation.number]), HTTP_ACCEPT_LANGUAGE="pt-br"
    ).content.decode()
    times = re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", page)
    assert times and all(re.fullmatch(r"\d{1,2} de [a-zç]{3}, \d\d:\d\d", t) for t in times), times
