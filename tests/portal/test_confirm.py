"""The customer closes the loop: "Is your problem solved?" on a resolved ticket, in the
portal and on the e-mailed rating page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_ticket, resolution, status
from ticketdesk.portal import tokens
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import TicketEvent
from ticketdesk.workspace import timeline

from .conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(team, agent, customer):
    _user, contact = customer
    ticket = make_ticket(team=team, requester=contact, subject="VPN")
    actions.assign(ticket, assignee=agent, actor=agent)
    actions.change_status(
        ticket, status("resolved"), actor=agent, resolution=resolution(ticket, "New profile.")
    )
    return ticket


def test_the_requester_confirms_in_the_portal_and_it_closes(client, customer, resolved):
    login(client, customer[0])
    page = client.get(reverse("portal:ticket", args=[resolved.number])).content.decode()
    assert "Is your problem solved?" in page and "New profile." in page
    response = client.post(
        reverse("portal:ticket_status", args=[resolved.number]), {"action": "confirm"}
    )
    assert response.status_code == 302
    resolved.refresh_from_db()
    assert resolved.status.key == "closed"
    event = TicketEvent.objects.filter(ticket=resolved, kind="status_changed").last()
    assert event.data["customer_confirmed"] is True and event.actor_user == customer[0]
    assert "confirmed the problem is solved" in timeline.describe(event)
    # the rating is still asked for on the closed ticket
    page = client.get(reverse("portal:ticket", args=[resolved.number])).content.decode()
    assert "How did we do?" in page and "Is your problem solved?" not in page


def test_not_solved_reopens_to_in_progress(client, customer, resolved):
    login(client, customer[0])
    client.post(reverse("portal:ticket_status", args=[resolved.number]), {"action": "not_solved"})
    resolved.refresh_from_db()
    assert resolved.status.key == "in-progress" and resolved.reopen_count == 1
    event = TicketEvent.objects.filter(ticket=resolved, kind="status_changed").last()
    assert event.data["not_solved"] is True


def test_another_customer_cannot_confirm(client, customer_b, resolved):
    login(client, customer_b[0])
    response = client.post(
        reverse("portal:ticket_status", args=[resolved.number]), {"action": "confirm"}
    )
    assert response.status_code == 404
    resolved.refresh_from_db()
    assert resolved.status.key == "resolved"


def test_the_rating_link_confirms_without_a_login(client, resolved):
    link = reverse("portal:rate", args=[tokens.csat_token(resolved.pk, resolved.requester)])
    page = client.get(link).content.decode()
    assert "Is your problem solved?" in page
    response = client.post(link, {"score": "5", "solved": "yes"})
    assert response.status_code == 200
    resolved.refresh_from_db()
    assert resolved.status.key == "closed"
    event = TicketEvent.objects.filter(ticket=resolved, kind="status_changed").last()
    assert event.actor_user is None and event.actor_contact == resolved.requester


def test_the_rating_mail_asks_to_confirm(resolved, mailoutbox):
    from ticketdesk.core import outbox

    outbox.process_pending()
    mail = next(m for m in mailoutbox if resolved.display_number in m.subject)
    assert "Confirm that it is solved" in mail.body and "New profile." in mail.body


def _notified(user, verb):
    from ticketdesk.core import outbox
    from ticketdesk.notifications.models import Notification

    outbox.process_pending()
    return Notification.objects.filter(recipient=user, verb=verb).exists()


def test_not_solved_in_the_portal_shows_the_comment_and_notifies_the_assignee(
    client, customer, resolved, agent
):
    login(client, customer[0])
    client.post(
        reverse("portal:ticket_status", args=[resolved.number]),
        {"action": "not_solved", "comment": "Still no VPN after the new profile."},
    )
    resolved.refresh_from_db()
    assert resolved.status.key == "in-progress"
    assert _notified(agent, "customer_not_solved")
    client.logout()
    client.force_login(agent)
    page = client.get(reverse("workspace:ticket", args=[resolved.number])).content.decode()
    assert "Still no VPN after the new profile." in page
    assert "said the problem is not solved" in page


def test_not_solved_on_the_rating_link_reopens_with_the_comment(client, resolved, agent):
    link = reverse("portal:rate", args=[tokens.csat_token(resolved.pk, resolved.requester)])
    # a form error (no rating chosen) keeps the answer "no": it was reset to "yes" before,
    # so the next submit closed the ticket the customer said was not solved
    page = client.post(link, {"solved": "yes", "comment": ""})
    assert page.status_code == 400
    page = client.post(link, {"solved": "no", "comment": "Still no VPN.", "score": "9"})
    assert page.status_code == 400
    assert 'value="no" checked' in page.content.decode()
    resolved.refresh_from_db()
    assert resolved.status.key == "resolved"
    # a rating is optional when it is not solved
    response = client.post(link, {"solved": "no", "comment": "Still no VPN."})
    assert response.status_code == 200 and "open again" in response.content.decode()
    resolved.refresh_from_db()
    assert resolved.status.key == "in-progress" and resolved.reopen_count == 1
    message = resolved.messages.order_by("-id").first()
    assert message.body_text.strip() == "Still no VPN." and message.is_customer_message
    assert _notified(agent, "customer_not_solved")


def test_the_portal_says_what_happened_after_not_solved(client, customer, resolved):
    login(client, customer[0])
    response = client.post(
        reverse("portal:ticket_status", args=[resolved.number]),
        {"action": "not_solved", "comment": "Still broken."},
        follow=True,
    )
    assert "the request is open again and the team has your comment" in response.content.decode()
