"""Delivery found wanting by a hostile-mail test (issue 12): duplicates taken for the original,
a database failure between storing and processing, a multipart without boundary, `cid:`
images, Windows drive prefixes, display names past 255 bytes, the first ticket number."""

from __future__ import annotations

import logging
import subprocess
from email.message import EmailMessage

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from tests.factories import PASSWORD, make_customer
from ticketdesk.channels.email.ingest import ingest, process, store
from ticketdesk.channels.email.models import InboundEmail, InboundState, Source
from ticketdesk.channels.email.parsing import MAX_DISPLAY_NAME_BYTES, parse, truncate_utf8
from ticketdesk.channels.email.queries import (
    original_inbound_for_message,
    original_inbound_for_ticket,
)
from ticketdesk.core import outbox
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions.attachments import sanitize_filename
from ticketdesk.tickets.models import Channel, Ticket, TicketCounter

from .conftest import make_mail
from .test_channels import TICKETDESK, SubprocessDatabase

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


# --- a message delivered twice before the outbox drains --------------------------------------


@pytest.mark.django_db
def test_a_duplicate_delivery_is_never_taken_for_the_original(mailbox, smtp_out):
    raw = make_mail(message_id="<twice@example.org>")
    first = ingest(raw)
    second = ingest(b"Received: from relay.example by mx; Mon, 23 Nov 2026\r\n" + raw)
    assert second.state == InboundState.DUPLICATE and second.duplicate_of == first
    outbox.process_pending()  # the acknowledgement looks the mail up by its message
    assert [m["To"] for m in smtp_out] == ["maria@example.org"]
    assert second.message_id is None  # a duplicate never stands for the message
    found = original_inbound_for_message(first.message_id)
    assert found == first and found.from_address == "maria@example.org"
    assert original_inbound_for_ticket(first.ticket_id) == first


# --- a database failure between storing and processing ---------------------------------------


def _fail_every_query(execute, sql, params, many, context):
    if sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
        return execute(sql, params, many, context)
    raise OperationalError("the database went away")


@pytest.mark.django_db
def test_a_redelivery_processes_a_message_the_database_failure_left_received(mailbox, caplog):
    raw = make_mail(message_id="<dbfail@example.org>", subject="Stored, then the DB died")
    stored = store(raw, mailbox=None, source=Source.PIPE)
    caplog.set_level(logging.INFO, logger="ticketdesk.channels.email.ingest")
    with connection.execute_wrapper(_fail_every_query), pytest.raises(OperationalError):
        process(stored)  # raises: the pipe exits 75, SMTP answers 451, IMAP keeps it unseen
    stored.refresh_from_db()
    assert stored.state == InboundState.RECEIVED
    assert "quarantined" not in caplog.text  # the log tells what happened
    assert "stays 'received'" in caplog.text

    again = ingest(raw)  # the MTA delivers it again
    assert again.pk == stored.pk
    assert again.state == InboundState.PROCESSED, again.reason
    assert Ticket.objects.filter(subject="Stored, then the DB died").count() == 1
    assert InboundEmail.objects.count() == 1
    assert ingest(raw).state == InboundState.DUPLICATE  # from now on, a duplicate


@pytest.mark.django_db
def test_a_failure_of_the_message_still_quarantines(mailbox, caplog):
    caplog.set_level(logging.INFO, logger="ticketdesk.channels.email.ingest")
    inbound = ingest(b"Subject: no sender\r\nMessage-ID: <q9@example.org>\r\n\r\nbody\r\n")
    assert inbound.state == InboundState.QUARANTINED
    assert "quarantined" in caplog.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pipe_redelivery_recovers_a_stored_message_without_the_scheduler(tmp_path, mailbox):
    raw = make_mail(message_id="<pipe-stuck@example.org>", subject="Stuck in received")
    stored = store(raw, mailbox=None, source=Source.PIPE)  # then the database failed
    database = SubprocessDatabase(tmp_path)
    result = subprocess.run(
        [*TICKETDESK, "mail", "ingest"],
        input=raw,
        env=database.env(tmp_path),
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert f"processed #{stored.pk}".encode() in result.stdout
    rows = database.query("SELECT state FROM email_channel_inboundemail ORDER BY id")
    assert rows == [("processed",)]
    assert database.query("SELECT subject FROM tickets_ticket") == [("Stuck in received",)]


# --- parsing ---------------------------------------------------------------------------------


def _raw(content_type: str, body: bytes) -> bytes:
    return (
        b"From: Maria <maria@example.org>\r\nTo: support@desk.test\r\nSubject: No boundary\r\n"
        b"Message-ID: <nb@example.org>\r\nMIME-Version: 1.0\r\n"
        + f"Content-Type: {content_type}\r\n\r\n".encode()
        + body
    )


def test_multipart_without_boundary_keeps_its_body_as_the_text():
    parsed = parse(_raw("multipart/mixed", b"Hello, the scanner jams on page 2.\r\n"))
    assert "scanner jams" in parsed.body_text
    assert "scanner jams" in parsed.body_html
    assert parsed.attachments == []


def test_multipart_without_boundary_parameter_is_read_with_its_boundary_line():
    body = (
        b"--abc\r\nContent-Type: text/plain\r\n\r\nThe scanner jams.\r\n"
        b"--abc\r\nContent-Type: text/plain; name=log.txt\r\n"
        b"Content-Disposition: attachment; filename=log.txt\r\n\r\nerror 42\r\n--abc--\r\n"
    )
    parsed = parse(_raw("multipart/mixed", body))
    assert parsed.body_text.strip() == "The scanner jams."
    assert [a.name for a in parsed.attachments] == ["log.txt"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("C:canary.txt", "canary.txt"),
        ("c:\\Users\\x\\canary.txt", "canary.txt"),
        ("D:C:canary.txt", "canary.txt"),
        ("C:", "attachment"),
        ("report: final.pdf", "report: final.pdf"),
    ],
)
def test_windows_drive_prefixes_are_stripped(name, expected):
    assert sanitize_filename(name) == expected


@pytest.mark.django_db
def test_an_attachment_named_with_a_drive_prefix_is_stored_without_it(mailbox):
    mail = EmailMessage()
    mail["From"] = "maria@example.org"
    mail["To"] = "support@desk.test"
    mail["Subject"] = "Drive"
    mail.set_content("See attached.")
    mail.add_attachment(b"canary", maintype="text", subtype="plain", filename="C:canary.txt")
    inbound = ingest(mail.as_bytes())
    assert [a.original_name for a in inbound.message.attachments.all()] == ["canary.txt"]


@pytest.mark.parametrize("char", ["é", "€", "😀", "a"])
def test_display_names_are_cut_to_255_utf8_bytes_between_characters(char):
    name = char * 300
    mail = EmailMessage()
    mail["From"] = f"{name} <maria@example.org>"
    mail["To"] = "support@desk.test"
    mail["Subject"] = "Long name"
    mail.set_content("hi")
    parsed = parse(mail.as_bytes())
    encoded = parsed.from_name.encode("utf-8")
    assert len(encoded) <= MAX_DISPLAY_NAME_BYTES
    assert len(encoded) > MAX_DISPLAY_NAME_BYTES - 4  # cut as late as a character allows
    assert name.startswith(parsed.from_name)  # no broken character, nothing replaced


def test_truncation_leaves_no_dangling_joiner():
    family = "👩\u200d👩\u200d👧"  # 18 bytes
    cut = truncate_utf8(family * 20, 255)
    assert not cut.endswith("\u200d")
    assert len(cut.encode()) <= 255


# --- cid: images in the agent timeline and the portal ----------------------------------------


def _mail_with_inline_image() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Maria <maria@example.org>"
    mail["To"] = "support@desk.test"
    mail["Subject"] = "Screenshot"
    mail["Message-ID"] = "<cid@example.org>"
    mail.set_content("See the screenshot.")
    mail.add_alternative(
        '<p>See:</p><img src="cid:shot%40example.org" alt="screenshot">', subtype="html"
    )
    html_part = mail.get_payload()[1]
    html_part.add_related(PNG, maintype="image", subtype="png", cid="<shot@example.org>")
    return mail.as_bytes()


@pytest.mark.django_db
def test_inline_images_show_in_the_timeline_and_the_portal(client, mailbox, agent):
    maria, _contact = make_customer(username="maria", email="maria@example.org")
    inbound = ingest(_mail_with_inline_image())
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    ticket = inbound.ticket
    image = inbound.message.attachments.get(content_id="shot@example.org")

    assert client.login(username=agent.username, password=PASSWORD)
    page = client.get(f"/t/{ticket.number}/").content.decode()
    workspace_url = reverse("workspace:attachment", args=[image.pk])
    assert f'src="{workspace_url}"' in page and "cid:" not in page
    shown = client.get(workspace_url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"

    client.logout()
    assert client.login(username=maria.username, password=PASSWORD)
    page = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    portal_url = reverse("portal:attachment", args=[image.pk])
    assert f'src="{portal_url}"' in page and "cid:" not in page
    shown = client.get(portal_url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"

    client.logout()  # the URL asks the policy: another customer gets nothing
    other, _other_contact = make_customer(username="bob", email="bob@example.org")
    assert client.login(username=other.username, password=PASSWORD)
    assert client.get(portal_url).status_code == 404


# --- TICKETDESK_FIRST_TICKET_NUMBER -----------------------------------------------------------


@pytest.mark.django_db
def test_first_ticket_number_of_a_fresh_database_follows_the_setting(settings):
    from ticketdesk.tickets.defaults import ensure_defaults

    settings.TICKETDESK = {**settings.TICKETDESK, "FIRST_TICKET_NUMBER": 5000}
    TicketCounter.objects.all().delete()  # as before the data migration of a new database
    ensure_defaults()
    first = actions.open_ticket(
        requester=make_customer()[1], subject="First", body="x", channel=Channel.PORTAL, actor=None
    )
    second = actions.open_ticket(
        requester=first.requester, subject="Second", body="x", channel=Channel.PORTAL, actor=None
    )
    assert (first.number, second.number) == (5000, 5001)
