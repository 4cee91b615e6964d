"""Admin pages at /mail/: quarantine with re-processing, mailboxes, moving a message."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from ticketdesk.channels.email.ingest import ingest
from ticketdesk.channels.email.models import InboundEmail

from .conftest import make_mail

pytestmark = pytest.mark.django_db

BROKEN = b"Subject: no sender\r\nMessage-ID: <q1@example.org>\r\n\r\nbody\r\n"


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_quarantine_is_for_admins_only(client, agent, mailbox):
    ingest(BROKEN)
    _login(client, agent)
    assert client.get("/mail/").status_code == 403
    assert client.get("/mail/mailboxes/").status_code == 403
    inbound = InboundEmail.objects.get()
    assert client.post(f"/mail/inbound/{inbound.pk}/reprocess/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/mail/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_quarantine_list_shows_reason_with_bounded_queries(
    client, admin_user, mailbox, django_assert_max_num_queries
):
    for number in range(5):
        ingest(BROKEN.replace(b"q1@", f"q{number}@".encode()))
    ingest(make_mail())
    _login(client, admin_user)
    with django_assert_max_num_queries(12):
        response = client.get("/mail/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("no usable sender") == 5
    assert "Process again" in body
    everything = client.get("/mail/?state=all").content.decode()
    assert "Printer on fire" in everything


def test_reprocess_from_the_page(client, admin_user, mailbox):
    inbound = ingest(BROKEN)
    InboundEmail.objects.filter(pk=inbound.pk).update(raw=b"From: ok@example.org\r\n" + BROKEN)
    _login(client, admin_user)
    response = client.post(f"/mail/inbound/{inbound.pk}/reprocess/")
    assert response.status_code == 302
    inbound.refresh_from_db()
    assert inbound.state == "processed"
    detail = client.get(f"/mail/inbound/{inbound.pk}/").content.decode()
    assert inbound.ticket.display_number in detail
    assert "Message source" in detail


def test_mailbox_list(client, admin_user, mailbox):
    _login(client, admin_user)
    response = client.get("/mail/mailboxes/")
    assert response.status_code == 200
    assert "support@desk.test" in response.content.decode()


def test_agent_moves_a_misthreaded_message(client, agent, mailbox):
    first = ingest(make_mail(subject="First"))
    other = ingest(make_mail(subject="Other"))
    reply = ingest(make_mail(subject=f"Re: {first.ticket.subject_token} meant for other"))
    assert reply.ticket == first.ticket
    _login(client, agent)
    response = client.post(
        f"/mail/messages/{reply.message.pk}/move/", {"ticket": other.ticket.display_number}
    )
    assert response.status_code == 302
    reply.message.refresh_from_db()
    assert reply.message.ticket == other.ticket
    missing = client.post(f"/mail/messages/{reply.message.pk}/move/", {"ticket": "#999999"})
    assert missing.status_code == 400


def test_customer_cannot_move_messages(client, customer, mailbox):
    first = ingest(make_mail(sender=customer[1].email))
    other = ingest(make_mail(sender=customer[1].email, subject="two"))
    ingest(make_mail(sender=customer[1].email, subject=f"{first.ticket.subject_token} x"))
    message = first.ticket.messages.last()
    _login(client, customer[0])
    response = client.post(
        f"/mail/messages/{message.pk}/move/", {"ticket": other.ticket.display_number}
    )
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.ticket == first.ticket


def test_sent_mail_page_lists_failures(
    client, admin_user, agent, mailbox, django_assert_max_num_queries
):
    from ticketdesk.channels.email.models import OutboundEmail, OutboundKind
    from ticketdesk.core.models import OutgoingMail

    ticket = ingest(make_mail()).ticket
    for number in range(4):
        queued = OutgoingMail.objects.create(
            dedupe_key=f"customer:reply:{number}",
            message_id=f"m{number}@desk.test",
            from_email="support@desk.test",
            to=["maria@example.org"],
            subject=f"Re: mail {number}",
            attempts=2,
            last_error="SMTPServerDisconnected: gone",
            available_at=ticket.created_at,
            created_at=ticket.created_at,
        )
        OutboundEmail.objects.create(
            email_message_id=f"m{number}@desk.test",
            dedupe_key=f"reply:{number}",
            kind=OutboundKind.REPLY,
            ticket=ticket,
            mail=queued,
            recipients="maria@example.org",
            subject=f"Re: mail {number}",
            created_at=ticket.created_at,
        )
    _login(client, admin_user)
    with django_assert_max_num_queries(10):
        response = client.get("/mail/sent/?failing=1")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("SMTPServerDisconnected: gone") == 4
    client.logout()
    _login(client, agent)
    assert client.get("/mail/sent/").status_code == 403


def test_a_second_delivery_shows_what_it_duplicates(client, admin_user, mailbox):
    mail = make_mail(message_id="<twice@example.org>", subject="Printer jammed")
    ingest(mail)
    second = ingest(mail)
    assert second.state == "duplicate"
    _login(client, admin_user)
    page = client.get("/mail/?state=duplicate").content.decode()
    row = page.split(f"/mail/inbound/{second.pk}/", 1)[1].split("</tr>", 1)[0]
    assert "Printer jammed" in row and "maria@example.org" in row
    assert f"/mail/inbound/{second.duplicate_of_id}/" in row
