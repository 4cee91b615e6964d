"""The three ways in, with real servers and processes: the pipe command (subprocess), the
SMTP/LMTP listener (aiosmtpd, spoken to by smtplib) and IMAP polling (Dovecot)."""

from __future__ import annotations

import imaplib
import os
import smtplib
import sqlite3
import subprocess
import sys
from email.message import EmailMessage

import pytest
from django.db import connection

from ticketdesk.channels.email.imap import poll_mailbox
from ticketdesk.channels.email.models import InboundEmail, InboundState, Mailbox, Source
from ticketdesk.channels.email.smtp import make_controller
from ticketdesk.tickets.models import Ticket

from .conftest import deliver, free_port, make_mail

TICKETDESK = [sys.executable, "-m", "ticketdesk.cli"]


class SubprocessDatabase:
    """Lets a child process use the test database: PostgreSQL by name; SQLite (in memory in
    the tests) by copying it to a file first."""

    def __init__(self, tmp_path):
        self.sqlite_path = None
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            self.sqlite_path = tmp_path / "pipe.sqlite3"
            target = sqlite3.connect(self.sqlite_path)
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.sqlite_path}"
        else:
            s = connection.settings_dict
            self.url = (
                f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:"
                f"{s['PORT'] or 5432}/{s['NAME']}"
            )

    def env(self, tmp_path):
        return {
            **os.environ,
            "TICKETDESK_TEST_DATABASE_URL": self.url,
            "TICKETDESK_VAR_DIR": str(tmp_path),
            "MEDIA_ROOT": str(tmp_path / "media"),
        }

    def query(self, sql):
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path) as db:
                return db.execute(sql).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pipe_command_ingests_files_and_stdin(tmp_path, mailbox):
    database = SubprocessDatabase(tmp_path)
    first = tmp_path / "one.eml"
    first.write_bytes(make_mail(message_id="<pipe1@example.org>", subject="From a file"))
    result = subprocess.run(
        [*TICKETDESK, "mail", "ingest", str(first), "-"],
        input=make_mail(message_id="<pipe2@example.org>", subject="From stdin"),
        env=database.env(tmp_path),
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    rows = database.query(
        "SELECT email_message_id, state, source FROM email_channel_inboundemail ORDER BY id"
    )
    assert rows == [
        ("pipe1@example.org", "processed", "pipe"),
        ("pipe2@example.org", "processed", "pipe"),
    ]
    subjects = database.query("SELECT subject FROM tickets_ticket ORDER BY id")
    assert subjects == [("From a file",), ("From stdin",)]


def test_pipe_command_exits_75_when_the_database_is_down(tmp_path):
    env = {
        **os.environ,
        "TICKETDESK_TEST_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "TICKETDESK_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [*TICKETDESK, "mail", "ingest"],
        input=make_mail(),
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 75, result.stderr.decode()
    assert b"try again later" in result.stderr


@pytest.fixture
def smtp_in():
    controller = make_controller("127.0.0.1", free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_smtp_and_lmtp_listeners_turn_mail_into_tickets(smtp_in, mailbox):
    mail = EmailMessage()
    mail["From"] = "Luca <luca@example.it>"
    mail["To"] = "whatever@desk.test"
    mail["Subject"] = "Via SMTP"
    mail["Message-ID"] = "<smtp1@example.it>"
    mail.set_content("Ciao, il VPN non funziona.")
    with smtplib.SMTP(smtp_in.hostname, smtp_in.port, timeout=10) as client:
        refused = client.send_message(mail, to_addrs=["support@desk.test"])
    assert refused == {}
    inbound = InboundEmail.objects.get(email_message_id="smtp1@example.it")
    assert inbound.source == Source.SMTP
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    assert inbound.envelope_to == "support@desk.test"
    assert inbound.mailbox == mailbox  # matched by the envelope recipient
    assert inbound.ticket.team == mailbox.team

    controller = make_controller("127.0.0.1", free_port(), lmtp=True)
    controller.start()
    try:
        with smtplib.LMTP(controller.hostname, controller.port, timeout=10) as client:
            client.ehlo_or_helo_if_needed()
            assert client.mail("luca@example.it")[0] == 250
            assert client.rcpt("support@desk.test")[0] == 250
            assert client.rcpt("other@desk.test")[0] == 250
            raw = make_mail(sender="luca@example.it", message_id="<lmtp1@example.it>")
            assert client.data(raw)[0] == 250  # first recipient
            assert client.getreply()[0] == 250  # second recipient (RFC 2033)
    finally:
        controller.stop()
    assert InboundEmail.objects.get(email_message_id="lmtp1@example.it").state == "processed"


@pytest.mark.django_db
def test_smtp_listener_answers_451_when_storing_fails(smtp_in, mailbox, monkeypatch):
    from django.db import OperationalError

    from ticketdesk.channels.email import smtp as smtp_module

    def broken(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(smtp_module, "ingest", broken)
    with (
        smtplib.SMTP(smtp_in.hostname, smtp_in.port, timeout=10) as client,
        pytest.raises(smtplib.SMTPDataError) as error,
    ):
        client.sendmail("a@example.org", ["support@desk.test"], make_mail())
    assert error.value.smtp_code == 451
    assert Ticket.objects.count() == 0


@pytest.fixture
def imap_mailbox(db, team, empty_inbox):
    return Mailbox.objects.create(
        name="IMAP",
        address="alice@desk.test",
        team=team,
        imap_host=empty_inbox["host"],
        imap_port=empty_inbox["port"],
        imap_user=empty_inbox["user"],
        imap_password=empty_inbox["password"],
        imap_ssl=False,
    )


def _imap_flags(server, folder="INBOX"):
    with imaplib.IMAP4(server["host"], server["port"], timeout=10) as imap:
        imap.login(server["user"], server["password"])
        imap.select(folder)
        unseen = imap.search(None, "UNSEEN")[1][0].split()
        every = imap.search(None, "ALL")[1][0].split()
        imap.logout()
    return len(every), len(unseen)


@pytest.mark.django_db
def test_imap_poll_ingests_then_marks_seen(imap_mailbox, empty_inbox):
    deliver(empty_inbox, make_mail(to="alice@desk.test", message_id="<imap1@example.org>"))
    deliver(empty_inbox, b"Subject: broken, no sender\r\n\r\nbody\r\n")
    assert _imap_flags(empty_inbox) == (2, 2)
    assert poll_mailbox(imap_mailbox) == 2
    states = sorted(InboundEmail.objects.values_list("state", flat=True))
    assert states == ["processed", "quarantined"]  # nothing dropped
    assert _imap_flags(empty_inbox) == (2, 0)  # seen only after the commit
    assert poll_mailbox(imap_mailbox) == 0  # nothing fetched twice
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error == ""
    assert imap_mailbox.last_polled_at is not None


@pytest.mark.django_db
def test_imap_poll_leaves_mail_unseen_when_the_database_fails(
    imap_mailbox, empty_inbox, monkeypatch
):
    from django.db import OperationalError

    from ticketdesk.channels.email import imap as imap_module

    def broken(*args, **kwargs):
        raise OperationalError("database unavailable")

    deliver(empty_inbox, make_mail(to="alice@desk.test"))
    monkeypatch.setattr(imap_module, "ingest", broken)
    with pytest.raises(OperationalError):
        poll_mailbox(imap_mailbox)
    assert _imap_flags(empty_inbox) == (1, 1)  # still unseen: the next poll takes it


@pytest.mark.django_db
def test_imap_poll_moves_processed_mail(imap_mailbox, empty_inbox):
    with imaplib.IMAP4(empty_inbox["host"], empty_inbox["port"], timeout=10) as imap:
        imap.login(empty_inbox["user"], empty_inbox["password"])
        imap.create("Done")
        imap.logout()
    imap_mailbox.move_to_folder = "Done"
    imap_mailbox.save()
    deliver(empty_inbox, make_mail(to="alice@desk.test"))
    assert poll_mailbox(imap_mailbox) == 1
    assert _imap_flags(empty_inbox) == (0, 0)
    assert _imap_flags(empty_inbox, "Done")[0] == 1


@pytest.mark.django_db
def test_imap_poll_records_a_login_failure(imap_mailbox):
    imap_mailbox.imap_password = "wrong"
    imap_mailbox.save()
    assert poll_mailbox(imap_mailbox) == 0
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error
