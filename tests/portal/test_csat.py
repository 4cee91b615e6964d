from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import make_ticket, resolution, status
from tests.portal.conftest import login
from ticketdesk.core import outbox
from ticketdesk.portal import tokens
from ticketdesk.portal.actions import record_csat
from ticketdesk.portal.models import CsatRequest, CsatScale, PortalSettings, SatisfactionRating
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import EventKind, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(team, agent, customer):
    ticket = make_ticket(team=team, requester=customer[1], subject="Email not syncing")
    actions.reply(ticket, actor=agent, body="Fixed the mailbox quota.")
    actions.change_status(ticket, status("resolved"), actor=agent, resolution=resolution(ticket))
    return ticket


def _rate_link(mail) -> str:
    return re.search(r"http://\S+", mail.body).group(0).replace("http://127.0.0.1:8000", "")


def test_resolving_sends_one_rating_request_with_a_no_login_link(client, resolved, mailoutbox):
    outbox.process_pending()
    outbox.process_pending()
    requests = list(CsatRequest.objects.all())
    assert len(requests) == 1
    rating_mails = [m for m in mailoutbox if "How did we do?" in m.subject]
    assert len(rating_mails) == 1
    mail = rating_mails[0]
    assert mail.to == ["maria@example.org"]
    assert resolved.display_number in mail.subject
    link = _rate_link(mail)
    page = client.get(link)
    assert page.status_code == 200
    assert "How did we do?" in page.content.decode()
    response = client.post(link, {"score": "4", "comment": "Quick, thanks"})
    assert response.status_code == 200
    rating = SatisfactionRating.objects.get()
    assert (rating.ticket_id, rating.score, rating.comment) == (resolved.pk, 4, "Quick, thanks")
    event = TicketEvent.objects.get(ticket=resolved, kind=EventKind.CSAT)
    assert event.data["score"] == 4 and event.actor_contact == resolved.requester


def test_no_rating_request_for_other_status_changes(team, agent, customer, mailoutbox):
    ticket = make_ticket(team=team, requester=customer[1])
    actions.change_status(ticket, status("pending"), actor=agent)
    outbox.process_pending()
    assert not [m for m in mailoutbox if "How did we do?" in m.subject]
    assert not CsatRequest.objects.exists()


def test_rating_can_be_changed_and_each_rating_is_an_event(resolved):
    record_csat(resolved, score=2, contact=resolved.requester)
    record_csat(resolved, score=5, comment="Better now", contact=resolved.requester)
    assert SatisfactionRating.objects.get().score == 5
    assert TicketEvent.objects.filter(ticket=resolved, kind=EventKind.CSAT).count() == 2


def test_rating_publishes_csat_received_for_webhooks(resolved):
    from ticketdesk.core.models import OutboxMessage

    record_csat(resolved, score=4, comment="ok", contact=resolved.requester)
    published = OutboxMessage.objects.get(topic="csat.received", ticket_id=resolved.pk)
    assert published.payload["score"] == 4
    assert published.payload["comment"] == "ok"


def test_binary_scale(client, resolved):
    PortalSettings.objects.update_or_create(pk=1, defaults={"csat_scale": CsatScale.BINARY})
    link = reverse("portal:rate", args=[tokens.csat_token(resolved.pk, resolved.requester)])
    assert client.post(link, {"score": "3"}).status_code == 400
    assert client.post(link, {"score": "1", "comment": "slow"}).status_code == 200
    assert SatisfactionRating.objects.get().scale == CsatScale.BINARY


def test_forged_or_foreign_token_is_refused(client, resolved, customer_b):
    assert client.get(reverse("portal:rate", args=["nope"])).status_code == 400
    foreign = tokens.csat_token(resolved.pk, customer_b[1])
    assert client.post(reverse("portal:rate", args=[foreign]), {"score": "1"}).status_code == 400
    assert not SatisfactionRating.objects.exists()


def test_open_ticket_cannot_be_rated(client, team, customer):
    ticket = make_ticket(team=team, requester=customer[1])
    link = reverse("portal:rate", args=[tokens.csat_token(ticket.pk, customer[1])])
    assert client.post(link, {"score": "5"}).status_code == 400
    assert not SatisfactionRating.objects.exists()


def test_rating_from_the_portal_ticket_page(client, customer, resolved):
    login(client, customer[0])
    page = client.get(reverse("portal:ticket", args=[resolved.number])).content.decode()
    assert 'id="rating"' in page
    response = client.post(
        reverse("portal:rate_from_portal", args=[resolved.number]), {"score": "5"}
    )
    assert response.status_code == 302
    assert SatisfactionRating.objects.get().score == 5


def test_another_customer_cannot_rate(client, customer_b, resolved):
    login(client, customer_b[0])
    response = client.post(
        reverse("portal:rate_from_portal", args=[resolved.number]), {"score": "1"}
    )
    assert response.status_code == 404
    assert not SatisfactionRating.objects.exists()


def test_report_figures(resolved):
    import datetime as dt

    from ticketdesk.core import clock
    from ticketdesk.portal.queries import csat_summary, deflection_summary

    record_csat(resolved, score=5, contact=resolved.requester)
    since = clock.now() - dt.timedelta(days=1)
    assert csat_summary(since) == {"count": 1, "average": 5.0, "satisfied_share": 1.0}
    assert deflection_summary(since)["opened"] == 0
