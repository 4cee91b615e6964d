"""In-app notifications (the bell), email notifications with preferences, digests."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from tests.factories import make_agent, make_ticket
from ticketdesk.core import outbox
from ticketdesk.notifications import consumers, digests, inapp
from ticketdesk.notifications.models import Notification
from ticketdesk.tickets import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def luca(team):
    return make_agent(team, username="luca", first_name="Luca", last_name="Rossi")


def test_assignee_is_notified_but_not_the_actor(agent, luca, team):
    ticket = make_ticket(team=team)
    outbox.process_pending()
    # a new ticket in the team: both agents hear about it (the system opened it)
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "ana",
        "luca",
    }
    Notification.objects.all().delete()
    actions.assign(ticket, assignee=luca, actor=agent)
    actions.assign(ticket, assignee=agent, actor=agent)  # assigning yourself: no notification
    outbox.process_pending()
    notes = list(Notification.objects.all())
    assert [(n.recipient.username, n.verb) for n in notes] == [("luca", "ticket_assigned")]
    assert inapp.describe(notes[0]).startswith("Ana Souza assigned")


def test_customer_reply_and_notes_reach_assignee_and_watchers(agent, luca, team, customer):
    user, contact = customer
    ticket = make_ticket(team=team, requester=contact, assignee=agent)
    actions.add_watcher(ticket, luca, actor=luca)
    outbox.process_pending()
    Notification.objects.all().delete()
    actions.reply(ticket, actor=user, body="Still broken")
    actions.add_note(ticket, actor=luca, body="Checked the logs")
    outbox.process_pending()
    got = sorted(Notification.objects.values_list("recipient__username", "verb"))
    assert got == [("ana", "customer_reply"), ("ana", "note_added"), ("luca", "customer_reply")]


def test_preferences_switch_off_the_bell(agent, luca, team):
    luca.notification_preferences = {"team_new_ticket": {"in_app": False, "email": False}}
    luca.save()
    make_ticket(team=team)
    outbox.process_pending()
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["ana"]


def test_consumer_is_idempotent(agent, team):
    make_ticket(team=team)
    message = outbox.OutboxMessage.objects.get(topic="ticket.created")
    consumers.notify([message])
    consumers.notify([message])
    assert Notification.objects.count() == 1


def test_bell_and_mark_read(agent, luca, team):
    make_ticket(team=team)
    make_ticket(team=team)
    outbox.process_pending()
    browser = Client()
    browser.force_login(agent)
    bell = browser.get("/notifications/bell/")
    assert bell.status_code == 200 and b'data-unread="2"' in bell.content
    page = browser.get("/notifications/")
    assert page.status_code == 200 and b"opened #" in page.content
    first = Notification.objects.filter(recipient=agent).first()
    response = browser.post(f"/notifications/{first.pk}/read/", headers={"HX-Request": "true"})
    assert b'data-unread="1"' in response.content
    browser.post("/notifications/read-all/")
    assert b"data-unread" not in browser.get("/notifications/bell/").content
    # luca's are untouched; customers have no bell
    assert inapp.unread_for(luca).count() == 2
    customer_browser = Client()
    customer_browser.force_login(make_agent(None, role="customer", username="cust"))
    assert customer_browser.get("/notifications/bell/").status_code == 403


def test_immediate_email_honours_preferences(agent, luca, team):
    agent.notification_preferences = {"team_new_ticket": {"email": False, "in_app": True}}
    agent.save()
    make_ticket(team=team, subject="Projector broken")
    outbox.process_pending()
    assert [m.to for m in mail.outbox] == [[luca.email]]
    sent = mail.outbox[0]
    assert "Projector broken" in sent.subject
    assert "/t/" in sent.body
    # an automatic mail in our own domain, never "@localhost"
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "@localhost" not in sent.extra_headers["Message-ID"]
    # replying to it answers the ticket through the agent's signed address
    from ticketdesk.channels.email.reply_address import reply_address_for

    ticket = Notification.objects.get(recipient=luca).ticket
    assert sent.reply_to == [reply_address_for(ticket, luca)]
    notification = Notification.objects.get(recipient=luca)
    assert notification.emailed_at is not None
    consumers.notify(list(outbox.OutboxMessage.objects.filter(topic="ticket.created")))
    outbox.process_pending()
    assert len(mail.outbox) == 1  # never twice


def test_digest_replaces_single_emails(agent, luca, team):
    luca.notification_preferences = {"digest": "hourly"}
    luca.save()
    make_ticket(team=team, subject="First")
    make_ticket(team=team, subject="Second")
    outbox.process_pending()
    assert luca.email not in [m.to[0] for m in mail.outbox]
    mail.outbox.clear()
    assert digests.send_due_digests("daily") == 0
    assert digests.send_due_digests("hourly") == 1
    outbox.process_pending()  # the worker sends what was queued
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [luca.email]
    assert "First" in mail.outbox[0].body and "Second" in mail.outbox[0].body
    assert digests.send_due_digests("hourly") == 0


def test_digest_preference_form(agent):
    browser = Client()
    browser.force_login(agent)
    assert browser.post("/notifications/digest/", {"digest": "daily"}).status_code == 302
    agent.refresh_from_db()
    assert agent.notification_preferences["digest"] == "daily"
    assert browser.post("/notifications/digest/", {"digest": "weekly"}).status_code == 400


def test_automation_notify_reaches_the_named_agents(agent, luca, team, customer):
    ticket = make_ticket(team=team)
    outbox.process_pending()
    Notification.objects.all().delete()
    outbox.publish(
        "automation.notify",
        {
            "ticket_id": ticket.pk,
            "ticket_number": ticket.number,
            "actor_id": None,
            "version": ticket.version,
            "recipients": [luca.pk, customer[0].pk],  # a customer is never notified
            "message": "VIP waiting",
            "source": "rule 1",
        },
        ticket_id=ticket.pk,
    )
    outbox.process_pending()
    notes = list(Notification.objects.all())
    assert [(n.recipient.username, n.verb) for n in notes] == [("luca", "automation_notify")]
    assert ticket.display_number in inapp.describe(notes[0])
