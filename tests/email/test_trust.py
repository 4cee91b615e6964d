"""Who sent this mail (issue 19, items 1 and 2): an agent's address in From is never enough;
a malformed From names nobody. What leaves is checked at a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_agent
from ticketdesk.accounts.actions import get_or_create_contact
from ticketdesk.channels.email.ingest import ingest
from ticketdesk.channels.email.models import InboundEmail, InboundState, SenderCheck, ThreadReason
from ticketdesk.channels.email.reply_address import reply_address_for
from ticketdesk.core import outbox
from ticketdesk.tickets.models import Message, Ticket

from .conftest import make_mail

pytestmark = pytest.mark.django_db

FORGED_FROM = "alice@customer.example.org)<mallory@attacker.example.net>"


@pytest.fixture
def quiet_mailbox(mailbox):
    mailbox.send_acknowledgement = False
    mailbox.save()
    return mailbox


@pytest.fixture
def ticket(quiet_mailbox, smtp_out):
    """Maria's ticket; what its creation mailed (the agents' notification) is already out."""
    opened = ingest(make_mail(message_id="<start@example.org>", subject="VPN down")).ticket
    outbox.process_pending()
    smtp_out.clear()
    return opened


def _customer_mail(smtp_out):
    """Recipients of what went out, agents' notifications left aside."""
    return [m["To"] for m in smtp_out if not m["X-Ticketdesk-Notification"]]


def _agent_mail(agent, ticket, **kwargs):
    return make_mail(
        sender=f"Ana Souza <{agent.email}>",
        subject=f"Re: {ticket.subject_token} VPN down",
        body="Please restart the VPN client.",
        headers={"In-Reply-To": "<start@example.org>", **kwargs.pop("headers", {})},
        **kwargs,
    )


def _not_notifications(collected):
    """The mail that left the desk, leaving aside the notices to our own staff."""
    return [m for m in collected if not m["X-Ticketdesk-Notification"]]


def _held_and_silent(inbound, ticket, smtp_out):
    assert inbound.state == InboundState.HELD, inbound.reason
    assert inbound.message is None and inbound.ticket is None
    assert ticket.messages.count() == 1
    outbox.process_pending()
    # nothing reached the customer; the administrators are told the mail waits for them
    customer = ticket.requester.email
    assert [m for m in smtp_out if customer in str(m["To"])] == []
    for told in smtp_out:
        assert told["X-Ticketdesk-Notification"] == "mail_held"


def test_mail_from_an_agents_address_alone_is_held_and_never_sent(
    ticket, agent, admin_user, smtp_out
):
    forged = ingest(_agent_mail(agent, ticket))
    _held_and_silent(forged, ticket, smtp_out)
    assert "not authenticated" in forged.reason
    assert not Message.objects.filter(author_user=agent).exists()
    # the same with an admin's address, on any ticket
    admin_user.email = "root@desk.test"
    admin_user.save()
    as_admin = ingest(
        make_mail(sender="root@desk.test", subject=f"Re: {ticket.subject_token} refund")
    )
    _held_and_silent(as_admin, ticket, smtp_out)


def test_a_light_agents_address_alone_is_held(ticket, team, smtp_out):
    light = make_agent(team, role="light_agent", username="lia", email="lia@example.com")
    held = ingest(make_mail(sender=light.email, subject=f"Re: {ticket.subject_token} x"))
    _held_and_silent(held, ticket, smtp_out)


def test_reply_to_the_signed_reply_address_is_the_agents_reply(ticket, agent, smtp_out):
    address = reply_address_for(ticket, agent)
    local, domain = address.split("@")
    assert local.startswith("support+r") and domain == "desk.test"
    assert len(local) <= 64
    inbound = ingest(_agent_mail(agent, ticket, to=address))
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    assert inbound.sender_check == SenderCheck.REPLY_ADDRESS
    assert inbound.thread_reason == ThreadReason.SIGNED
    assert inbound.mailbox.address == "support@desk.test"  # plus address of our mailbox
    message = inbound.message
    assert message.ticket == ticket
    assert message.author_user == agent and message.kind == "public"
    assert not ticket.cc.filter(email__startswith="support").exists()
    outbox.process_pending()
    assert _customer_mail(smtp_out) == ["maria@example.org"]
    for sent in smtp_out:  # the credential never reaches the customer
        assert address not in sent.as_string() or sent["To"] != "maria@example.org"


@pytest.mark.parametrize("header", ["Delivered-To", "X-Original-To", "Cc"])
def test_the_token_is_found_in_delivery_headers(ticket, agent, header):
    mail = _agent_mail(agent, ticket, headers={header: reply_address_for(ticket, agent)})
    inbound = ingest(mail)
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    assert inbound.message.author_user == agent


def test_the_token_is_found_in_the_envelope_recipient(ticket, agent):
    inbound = ingest(_agent_mail(agent, ticket), envelope_to=[reply_address_for(ticket, agent)])
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    assert inbound.message.author_user == agent


def test_a_token_of_another_ticket_another_agent_or_tampered_is_held(ticket, agent, team, smtp_out):
    other_ticket = ingest(make_mail(subject="Other", message_id="<other@example.org>")).ticket
    colleague = make_agent(team, username="bruno", email="bruno@example.com")
    outbox.process_pending()  # the agents hear of the other ticket
    smtp_out.clear()
    good = reply_address_for(ticket, agent)
    local, domain = good.split("@")
    flipped = local[:-1] + ("a" if local[-1] != "a" else "b")
    cases = {
        "another ticket": reply_address_for(other_ticket, agent),
        "another agent": reply_address_for(ticket, colleague),
        "tampered": f"{flipped}@{domain}",
        "ticket swapped": good.replace(f"+r{ticket.pk}-", f"+r{other_ticket.pk}-"),
    }
    for name, address in cases.items():
        inbound = ingest(_agent_mail(agent, ticket, to=address, message_id=f"<{name}@x>"))
        assert inbound.state == InboundState.HELD, name
        assert other_ticket.messages.count() == 1, name
    _held_and_silent(inbound, ticket, smtp_out)


def test_the_token_counts_only_on_our_own_mailbox(ticket, agent):
    local = reply_address_for(ticket, agent).split("@")[0]
    inbound = ingest(_agent_mail(agent, ticket, to=f"{local}@elsewhere.example"))
    assert inbound.state == InboundState.HELD


AR_DMARC_PASS = (
    "mx.desk.test; spf=pass smtp.mailfrom=example.com; dmarc=pass header.from=example.com"
)


@pytest.fixture
def trusted_mta(settings):
    settings.TICKETDESK = {**settings.TICKETDESK, "MAIL_TRUSTED_AUTHSERV_IDS": ["mx.desk.test"]}


def test_dmarc_pass_from_the_trusted_mta_authenticates(ticket, agent, trusted_mta, smtp_out):
    mail = _agent_mail(agent, ticket, headers={"Authentication-Results": AR_DMARC_PASS})
    inbound = ingest(mail)
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    assert inbound.sender_check == SenderCheck.DMARC
    assert inbound.message.author_user == agent
    outbox.process_pending()
    assert _customer_mail(smtp_out) == ["maria@example.org"]


def test_aligned_dkim_from_the_trusted_mta_authenticates(ticket, agent, trusted_mta):
    results = "mx.desk.test; dkim=pass header.d=example.com header.s=s1 header.b=abc"
    inbound = ingest(_agent_mail(agent, ticket, headers={"Authentication-Results": results}))
    assert inbound.sender_check == SenderCheck.DKIM, inbound.reason


@pytest.mark.parametrize(
    "results",
    [
        # another server's verdict: anybody can write that header
        "mx.attacker.example; dmarc=pass header.from=example.com",
        # a signature of another domain proves nothing about the From
        "mx.desk.test; dkim=pass header.d=attacker.example header.s=s1",
        "mx.desk.test; dkim=pass header.d=com header.s=s1",
        # DMARC about another domain
        "mx.desk.test; dmarc=pass header.from=attacker.example",
        "mx.desk.test; dmarc=fail header.from=example.com",
        "mx.desk.test; spf=pass smtp.mailfrom=example.com",
        "not an authentication-results header ;;",
    ],
)
def test_other_authentication_results_are_not_trusted(ticket, agent, trusted_mta, results):
    inbound = ingest(_agent_mail(agent, ticket, headers={"Authentication-Results": results}))
    assert inbound.state == InboundState.HELD, results


def test_a_trusted_dmarc_failure_wins_over_a_forged_pass(ticket, agent, trusted_mta):
    mail = _agent_mail(
        agent, ticket, headers={"Authentication-Results": "mx.desk.test; dmarc=fail"}
    )
    # the sender's own, forged verdict sits below the one our server added
    mail = mail.replace(
        b"\nSubject:", b"\nAuthentication-Results: " + AR_DMARC_PASS.encode() + b"\nSubject:"
    )
    inbound = ingest(mail)
    assert inbound.state == InboundState.HELD


def test_authentication_results_are_ignored_without_a_trusted_authserv_id(ticket, agent):
    mail = _agent_mail(agent, ticket, headers={"Authentication-Results": AR_DMARC_PASS})
    assert ingest(mail).state == InboundState.HELD


def test_malformed_from_is_never_attributed_to_the_guessed_contact(quiet_mailbox, smtp_out):
    alice = get_or_create_contact("alice@customer.example.org", "Alice")
    first = ingest(make_mail(sender="Alice <alice@customer.example.org>", subject="Invoice"))
    ticket = first.ticket
    assert ticket.requester == alice
    quiet_mailbox.send_acknowledgement = True
    quiet_mailbox.save()
    outbox.process_pending()
    smtp_out.clear()
    tickets_before = Ticket.objects.count()

    with_token = ingest(make_mail(sender=FORGED_FROM, subject=f"Re: {ticket.subject_token} pay"))
    without_token = ingest(make_mail(sender=FORGED_FROM, subject="Change my bank account"))
    for inbound in (with_token, without_token):
        assert inbound.state == InboundState.HELD, inbound.reason
        assert "malformed" in inbound.reason
        assert inbound.ticket is None and inbound.message is None
    assert ticket.messages.count() == 1
    assert Ticket.objects.count() == tickets_before
    assert not Message.objects.filter(author_contact=alice).exclude(ticket=ticket).exists()
    outbox.process_pending()
    assert smtp_out == []  # no acknowledgement to alice, nothing to anyone


@pytest.mark.parametrize(
    "sender",
    [
        "alice@customer.example.org <mallory@attacker.example.net>",
        "<alice@customer.example.org> <mallory@attacker.example.net>",
        "alice@customer.example.org, mallory@attacker.example.net",
        "Alice <alice@customer.example.org>>",
    ],
)
def test_other_ambiguous_senders_are_held(quiet_mailbox, sender):
    assert ingest(make_mail(sender=sender)).state == InboundState.HELD


@pytest.mark.parametrize(
    "sender",
    [
        "John Q. Public <john@example.org>",
        '"Silva, Maria" <maria@example.org>',
        "maria@example.org (Maria Silva)",
        '"maria@example.org" <maria@example.org>',
        "=?utf-8?q?Jos=C3=A9?= <jose@example.org>",
    ],
)
def test_ordinary_senders_are_not_held(quiet_mailbox, sender):
    inbound = ingest(make_mail(sender=sender))
    assert inbound.state == InboundState.PROCESSED, inbound.reason


def test_a_malformed_cc_adds_nobody(quiet_mailbox):
    get_or_create_contact("alice@customer.example.org")
    inbound = ingest(make_mail(headers={"Cc": FORGED_FROM}))
    assert inbound.state == InboundState.PROCESSED
    assert inbound.ticket.cc.count() == 0


# --- the review pages ------------------------------------------------------------------------


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_admins_see_held_mail_with_the_reason(client, ticket, agent, admin_user):
    held = ingest(_agent_mail(agent, ticket))
    _login(client, admin_user)
    page = client.get("/mail/").content.decode()  # the default view: what needs review
    assert f"/mail/inbound/{held.pk}/" in page and "Held for review" in page
    detail = client.get(f"/mail/inbound/{held.pk}/").content.decode()
    assert "not authenticated" in detail
    assert f"/mail/inbound/{held.pk}/release/" in detail
    assert "Post as the message of Ana Souza" in detail
    # where it would go once released: the ticket it answers
    assert "Would go to" in detail and f"/t/{ticket.number}/" in detail


def test_only_admins_release_or_reject(client, ticket, agent):
    held = ingest(_agent_mail(agent, ticket))
    _login(client, agent)  # the agent whose address it is may not release it either
    assert client.post(f"/mail/inbound/{held.pk}/release/", {"as": "agent"}).status_code == 403
    assert client.post(f"/mail/inbound/{held.pk}/reject/").status_code == 403
    held.refresh_from_db()
    assert held.state == InboundState.HELD


def test_release_as_the_agents_reply_posts_and_sends_it(
    client, ticket, agent, admin_user, smtp_out
):
    held = ingest(_agent_mail(agent, ticket))
    _login(client, admin_user)
    # one click does not mail the customer in the agent's name: it asks first
    response = client.post(f"/mail/inbound/{held.pk}/release/", {"as": "agent"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="confirmed" value="1"' in page and ticket.display_number in page
    held.refresh_from_db()
    assert held.state == InboundState.HELD
    response = client.post(f"/mail/inbound/{held.pk}/release/", {"as": "agent", "confirmed": "1"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.state == InboundState.PROCESSED
    assert held.sender_check == SenderCheck.RELEASED
    assert held.message.author_user == agent and held.message.ticket == ticket
    assert "Released by" in held.reason
    outbox.process_pending()
    assert _customer_mail(smtp_out) == ["maria@example.org"]


def test_release_as_a_customer_message_is_never_an_agents_reply(
    client, ticket, agent, admin_user, smtp_out
):
    held = ingest(_agent_mail(agent, ticket))
    _login(client, admin_user)
    client.post(f"/mail/inbound/{held.pk}/release/", {"as": "customer"})
    held.refresh_from_db()
    assert held.state == InboundState.PROCESSED
    assert held.message.author_user is None
    assert held.message.author_contact.email == agent.email
    assert held.message.is_customer_message
    outbox.process_pending()
    assert _not_notifications(smtp_out) == []  # nothing left the desk


def test_reject_keeps_the_raw_mail_and_posts_nothing(client, ticket, agent, admin_user, smtp_out):
    held = ingest(_agent_mail(agent, ticket))
    _login(client, admin_user)
    client.post(f"/mail/inbound/{held.pk}/reject/")
    held.refresh_from_db()
    assert held.state == InboundState.REJECTED
    assert bytes(held.raw)
    assert "Rejected by" in held.reason
    assert ticket.messages.count() == 1
    # a redelivery of a rejected mail stays a duplicate, and "release" is refused
    again = ingest(bytes(held.raw))
    assert again.state == InboundState.DUPLICATE
    response = client.post(f"/mail/inbound/{held.pk}/release/", {"as": "agent"})
    assert response.status_code == 400
    outbox.process_pending()
    assert _not_notifications(smtp_out) == []


def test_malformed_from_can_be_released_only_as_a_customer_message(
    client, quiet_mailbox, admin_user, agent
):
    held = ingest(make_mail(sender=f"{agent.email})<mallory@attacker.example.net>"))
    assert held.state == InboundState.HELD
    _login(client, admin_user)
    detail = client.get(f"/mail/inbound/{held.pk}/").content.decode()
    assert "Post as the message of" not in detail
    assert client.post(f"/mail/inbound/{held.pk}/release/", {"as": "agent"}).status_code == 400
    assert InboundEmail.objects.get(pk=held.pk).state == InboundState.HELD


def test_the_administrators_are_told_that_mail_waits_for_them(ticket, agent, admin_user):
    """A user walk found held mail easy to miss: nobody was told."""
    from ticketdesk.notifications import inapp
    from ticketdesk.notifications.models import Notification

    held = ingest(_agent_mail(agent, ticket))
    outbox.process_pending()
    [told] = Notification.objects.filter(verb="mail_held")
    assert told.recipient == admin_user
    assert agent.email in inapp.describe(told)
    assert told.data["url"] == f"/mail/inbound/{held.pk}/"
    assert not Notification.objects.filter(recipient=agent, verb="mail_held").exists()
