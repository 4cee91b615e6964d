"""Personal data of a contact: the export ZIP, erasure (no trace left in any table, the
search index or notifications; numbers and statistics kept), the attachment retention
rule, consent on the portal's forms and the management command."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zipfile

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from tests.factories import OrganizationFactory, make_customer, make_ticket
from ticketdesk.audit import log
from ticketdesk.audit.models import AuditEntry, ComplianceSettings
from ticketdesk.core import clock, outbox
from ticketdesk.kb.models import Article
from ticketdesk.notifications.models import Notification
from ticketdesk.portal.models import (
    ConsentAcceptance,
    DeflectionEvent,
    Invitation,
    SatisfactionRating,
)
from ticketdesk.privacy import erase, export
from ticketdesk.privacy.tasks import apply_retention_rules
from ticketdesk.search import backend as search
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions import AttachmentInput
from ticketdesk.tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db

NAME = "Zelda Quixote"
EMAIL = "zelda.quixote@example.net"
PHONE = "+39 333 7654321"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def zelda(team, agent):
    user, contact = make_customer(
        username=EMAIL, email=EMAIL, first_name="Zelda", last_name="Quixote"
    )
    contact.name, contact.phone = NAME, PHONE
    contact.save()
    contact.organizations.add(OrganizationFactory(name="Hyrule Ltd"))
    ticket = make_ticket(
        team=team,
        requester=contact,
        subject=f"Laptop of {NAME} will not boot",
        body=f"Call me on {PHONE}, {NAME}",
    )
    actions.assign(ticket, assignee=agent, actor=agent)
    actions.reply(
        ticket,
        actor=user,
        author_contact=contact,
        channel="portal",
        body="Here is the photo of the screen.",
        attachments=[AttachmentInput(name="screen.png", content=b"PNGDATA-zelda")],
    )
    actions.reply(ticket, actor=agent, body=f"Thanks Zelda, I will mail {EMAIL} tomorrow.")
    actions.add_note(ticket, actor=agent, body="Zelda called again; Quixote is impatient.")
    outbox.run_round(run_senders=False)  # search index, notifications, mail to her
    SatisfactionRating.objects.create(
        ticket=ticket,
        contact=contact,
        scale="five",
        score=4,
        comment=f"Good, signed {NAME}",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    article = Article.objects.first()
    if article is not None:
        DeflectionEvent.objects.create(
            article=article, query="zelda quixote laptop", contact=contact, created_at=clock.now()
        )
    Invitation.objects.create(email=EMAIL, created_at=clock.now())
    log.record(None, "auth.login_failed", log.Target("user", "", EMAIL), username=EMAIL)
    return contact, ticket


def test_export_zip_has_everything_and_the_attachment(admin_user, zelda):
    contact, ticket = zelda
    archive = zipfile.ZipFile(export.export_contact(contact, actor=admin_user))
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["email"] == EMAIL and data["profile"]["phone"] == PHONE
    assert data["profile"]["account"]["username"] == EMAIL
    assert data["organizations"] == [{"id": contact.organizations.get().pk, "name": "Hyrule Ltd"}]
    assert [t["number"] for t in data["tickets_requested"]] == [ticket.number]
    bodies = [m["body_text"] for m in data["messages"]]
    assert "Here is the photo of the screen." in bodies
    assert not any("impatient" in b for b in bodies)  # internal notes are not hers
    assert data["ratings"][0]["score"] == 4
    assert data["portal_activity"]["invitations"]
    [attachment] = data["attachments"]
    assert archive.read(attachment["file"]) == b"PNGDATA-zelda"
    [entry] = AuditEntry.objects.filter(action="privacy.exported")
    assert entry.actor == admin_user and entry.target_id == str(contact.pk)


def test_export_through_the_page_is_a_zip(admin_client, zelda):
    contact, _ticket = zelda
    response = admin_client.post(f"/privacy/contacts/{contact.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "data.json" in archive.namelist()


def _as_text(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")  # raw mail
    return str(value)


def _leftovers(needles: list[str]) -> list[str]:
    """Every row of every table (as text) that still holds one of `needles`."""
    found = []
    for model in apps.get_models():
        for row in model._default_manager.all().values():
            text = json.dumps(row, default=_as_text).lower()
            for needle in needles:
                if needle.lower() in text:
                    found.append(f"{model._meta.label}: {needle} in {text[:300]}")
    return found


def test_erase_leaves_no_trace(admin_user, zelda, django_capture_on_commit_callbacks):
    contact, ticket = zelda
    export.export_contact(contact, actor=admin_user)  # an audit entry naming her
    needles = [EMAIL, NAME, "Quixote", PHONE, "zelda"]
    assert _leftovers(needles)  # the probe finds her before
    found = search.search_tickets(Ticket.objects.all(), "Quixote")
    assert set(found.values_list("pk", flat=True)) == {ticket.pk}
    attachment = Attachment.objects.get(ticket=ticket)
    path = attachment.file.path
    stats_before = (Ticket.objects.count(), Message.objects.count(), ticket.number)

    with django_capture_on_commit_callbacks(execute=True):
        result = erase.erase_contact(contact, actor=admin_user)

    assert result.attachments == 1 and result.tickets == 1
    assert _leftovers(needles) == []
    assert not search.search_tickets(Ticket.objects.all(), "Quixote").exists()
    assert not search.search_tickets(Ticket.objects.all(), "zelda").exists()
    assert not Attachment.objects.filter(ticket=ticket).exists()
    assert not os.path.exists(path)
    ticket.refresh_from_db()
    assert (Ticket.objects.count(), Message.objects.count(), ticket.number) == stats_before
    assert ticket.description == "[erased]"
    her_messages = Message.objects.filter(author_contact=contact)
    assert {m.body_text for m in her_messages} == {"[erased]"} and len(her_messages) == 2
    assert SatisfactionRating.objects.get(ticket=ticket).score == 4
    contact.refresh_from_db()
    assert contact.name == f"Erased contact {contact.pk}" and contact.phone == ""
    assert not contact.user.is_active and not contact.user.has_usable_password()
    assert not Invitation.objects.exists()
    assert not Notification.objects.filter(recipient=contact.user).exists()
    [entry] = AuditEntry.objects.filter(action="privacy.erased")
    assert entry.actor == admin_user and entry.target_id == str(contact.pk)
    assert entry.details == {"tickets": 1, "messages": 2, "attachments": 1}


def test_erase_page_asks_for_confirmation(admin_client, zelda):
    contact, _ticket = zelda
    page = admin_client.get(f"/privacy/contacts/{contact.pk}/erase/")
    assert page.status_code == 200 and EMAIL in page.content.decode()
    wrong = admin_client.post(
        f"/privacy/contacts/{contact.pk}/erase/", {"confirm_email": "someone@else.org"}
    )
    assert wrong.status_code == 400
    contact.refresh_from_db()
    assert contact.email == EMAIL
    assert not AuditEntry.objects.filter(action="privacy.erased").exists()
    done = admin_client.post(f"/privacy/contacts/{contact.pk}/erase/", {"confirm_email": EMAIL})
    assert done.status_code == 302
    contact.refresh_from_db()
    assert contact.email == f"erased-{contact.pk}@erased.invalid"
    # nothing is offered for an erased contact any more
    after = admin_client.get(f"/privacy/contacts/{contact.pk}/").content.decode()
    assert "was erased on request" in after and "/erase/" not in after


def test_retention_deletes_attachments_of_long_closed_tickets_only(
    team, agent, django_capture_on_commit_callbacks
):
    def ticket_with_file(name: str, closed_days_ago: int | None) -> Attachment:
        ticket = make_ticket(team=team)
        actions.reply(
            ticket, actor=agent, body="file", attachments=[AttachmentInput(name=name, content=b"x")]
        )
        if closed_days_ago is not None:
            Ticket.objects.filter(pk=ticket.pk).update(
                closed_at=timezone.now() - dt.timedelta(days=closed_days_ago)
            )
        return Attachment.objects.get(ticket=ticket)

    old = ticket_with_file("old.txt", 100)
    recent = ticket_with_file("recent.txt", 10)
    still_open = ticket_with_file("open.txt", None)
    assert apply_retention_rules.call() == 0  # off by default: nothing goes
    settings = ComplianceSettings.current()
    settings.attachment_keep_days = 30
    settings.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert apply_retention_rules.call() == 1
    assert not Attachment.objects.filter(pk=old.pk).exists()
    assert not os.path.exists(old.file.path)
    assert os.path.exists(recent.file.path) and os.path.exists(still_open.file.path)
    assert set(Attachment.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk}
    [entry] = AuditEntry.objects.filter(action="privacy.retention_applied")
    assert entry.details == {"attachments_deleted": 1, "days": 30}


def test_management_command_exports_a_zip(zelda, tmp_path):
    out = tmp_path / "zelda.zip"
    call_command("privacy", "export", EMAIL.upper(), "-o", str(out))
    assert "data.json" in zipfile.ZipFile(out).namelist()
    call_command("privacy", "erase", EMAIL, "--yes")
    contact, _ticket = zelda
    contact.refresh_from_db()
    assert contact.name.startswith("Erased contact")


def test_consent_is_asked_and_stored_when_enabled(client, team):
    settings = ComplianceSettings.current()
    settings.ask_consent = True
    settings.save()
    form = {"name": "New Person", "email": "new@example.org", "password": "a-Very-long-pass-42"}
    page = client.get("/portal/signup/")
    assert "I agree that my name" in page.content.decode()
    refused = client.post("/portal/signup/", form)
    assert refused.status_code == 400
    assert client.post("/portal/signup/", {**form, "consent": "on"}).status_code == 200
    [acceptance] = ConsentAcceptance.objects.all()
    assert acceptance.contact.email == "new@example.org" and acceptance.form == "signup"
    assert acceptance.text.startswith("I agree that my name")
    assert acceptance.accepted_at is not None


def test_consent_text_is_the_admins_in_the_readers_language(client):
    settings = ComplianceSettings.current()
    settings.ask_consent = True
    settings.consent_text = "We keep your data for support."
    settings.consent_translations = {"it": "Conserviamo i tuoi dati."}
    settings.save()
    assert "We keep your data for support." in client.get("/portal/signup/").content.decode()
    italian = client.get("/portal/signup/", headers={"accept-language": "it"})
    assert "Conserviamo i tuoi dati." in italian.content.decode()


def test_no_consent_box_by_default(client):
    assert 'name="consent"' not in client.get("/portal/signup/").content.decode()


def test_erase_reaches_tickets_of_others_they_were_copied_on(admin_user, zelda, team, agent):
    contact, _ticket = zelda
    other = make_ticket(team=team, subject="Projector broken")
    actions.add_cc(other, contact, actor=agent)
    actions.reply(other, actor=agent, body=f"Copying {NAME} ({EMAIL}) as asked.")
    erase.erase_contact(contact, actor=admin_user)
    body = Message.objects.filter(ticket=other).order_by("-id").first().body_text
    assert NAME not in body and EMAIL not in body
    assert f"Erased contact {contact.pk}" in body
    assert not search.search_tickets(Ticket.objects.filter(pk=other.pk), EMAIL).exists()


def test_find_a_contact_by_posted_address(admin_client, zelda):
    contact, _ticket = zelda
    response = admin_client.post("/privacy/", {"email": EMAIL.upper()})
    assert (
        response.status_code == 302 and response["Location"] == f"/privacy/contacts/{contact.pk}/"
    )
    missing = admin_client.post("/privacy/", {"email": "nobody@example.org"})
    assert "No contact has this address." in missing.content.decode()


def test_consent_on_a_guest_request_is_stored(client):
    from ticketdesk.tickets.models import TicketType

    settings = ComplianceSettings.current()
    settings.ask_consent = True
    settings.save()
    ticket_type = TicketType.objects.filter(active=True).first()
    form = {
        "name": "Guest Person",
        "email": "guest@example.org",
        "subject": "Printer broken",
        "description": "It does not print.",
        "impact": "1",
        "urgency": "2",
    }
    url = f"/portal/new/{ticket_type.key}/"
    assert client.post(url, form).status_code == 400
    assert not Ticket.objects.exists()
    assert client.post(url, {**form, "consent": "on"}).status_code == 200
    [acceptance] = ConsentAcceptance.objects.all()
    assert acceptance.contact.email == "guest@example.org" and acceptance.form == "request"


WA_NUMBER = "393331112233"


@pytest.fixture
def zelda_on_chat_and_whatsapp(zelda):
    """Zelda also chatted on the site and wrote on WhatsApp (one message processed, one not
    yet), and an agent's reply went out to her there."""
    from ticketdesk.channels.chat.models import ChatConversation, ChatEvent
    from ticketdesk.channels.messaging.models import (
        ChannelAccount,
        Identity,
        InboundMessage,
        InboundStatus,
        OutboundMessage,
        Provider,
    )

    contact, ticket = zelda
    now = clock.now()
    chat_ticket = make_ticket(requester=contact, subject="Chat with the shop")
    chat = ChatConversation.objects.create(
        ticket=chat_ticket,
        visitor_name="Zelda Q.",
        visitor_email=EMAIL,
        topic=f"{NAME} asks about delivery",
        token_hash="f" * 64,
        page_url="https://shop.example/orders?customer=zelda",
        page_title="Orders of Zelda",
        created_at=now,
    )
    ChatEvent.objects.create(
        conversation=chat,
        kind="typing",
        from_visitor=True,
        data={"text": "I am Zelda"},
        created_at=now,
    )
    account = ChannelAccount.objects.create(provider=Provider.WHATSAPP, name="Shop WhatsApp")
    identity = Identity.objects.create(
        account=account, external_id=WA_NUMBER, display_name="Zelda Zonai", contact=contact
    )
    common = {"account": account, "sent_at": now, "received_at": now}
    InboundMessage.objects.create(
        **common,
        provider_message_id="wamid.1",
        sender_id=WA_NUMBER,
        identity=identity,
        ticket=ticket,
        status=InboundStatus.PROCESSED,
    )
    InboundMessage.objects.create(
        **common,
        provider_message_id="wamid.2",
        sender_id=WA_NUMBER,
        body=f'{{"from": "{WA_NUMBER}", "profile": {{"name": "Zelda Zonai"}}}}',
    )
    OutboundMessage.objects.create(
        dedupe_key="out-1",
        account=account,
        identity=identity,
        ticket=ticket,
        kind="reply",
        text="Hello Zelda Zonai, your order ships today.",
        created_at=now,
    )
    return contact, ticket


def test_export_and_erasure_cover_chats_and_messaging_apps(
    admin_user, zelda_on_chat_and_whatsapp, django_capture_on_commit_callbacks
):
    from ticketdesk.channels.messaging.models import InboundMessage, InboundStatus

    contact, _ticket = zelda_on_chat_and_whatsapp
    data = export.collect(contact)
    assert [c["page_title"] for c in data["chats"]] == ["Orders of Zelda"]
    assert [i["platform_id"] for i in data["messaging_identities"]] == [WA_NUMBER]
    assert {m["provider_message_id"] for m in data["messaging_received"]} == {"wamid.1", "wamid.2"}
    assert [m["text"] for m in data["messaging_sent"]] == [
        "Hello Zelda Zonai, your order ships today."
    ]
    needles = [EMAIL, NAME, "Quixote", PHONE, "zelda", WA_NUMBER, "Zonai"]
    assert _leftovers(needles)

    with django_capture_on_commit_callbacks(execute=True):
        erase.erase_contact(contact, actor=admin_user)

    assert _leftovers(needles) == []
    pending = InboundMessage.objects.get(provider_message_id="wamid.2")
    assert pending.status == InboundStatus.FAILED  # never processed into a new contact
