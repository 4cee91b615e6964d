"""Fixtures of the email tests: a mailbox, real SMTP collectors (aiosmtpd) and a real Dovecot."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from ticketdesk.channels.email.models import Mailbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mailbox(team):
    return Mailbox.objects.create(name="Support", address="support@desk.test", team=team)


class Collect(MessageHandler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_out(settings):
    """A real SMTP server collecting what Django sends over its SMTP backend."""
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=5)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler.messages
    finally:
        controller.stop()


def make_mail(
    *,
    sender="Maria Silva <maria@example.org>",
    to="support@desk.test",
    subject="Printer on fire",
    body="The printer on floor 2 is on fire.",
    message_id=None,
    headers=None,
    html=None,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    mail["Message-ID"] = message_id or f"<{time.monotonic_ns()}@example.org>"
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    return mail.as_bytes()


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 8
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@pytest.fixture(scope="session")
def imap_server():
    """Real Dovecot IMAP server (apt-get install dovecot-imapd), owned by this test run."""
    if shutil.which("dovecot") is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd): IMAP tests skipped")
    directory = Path(tempfile.mkdtemp(prefix="dovecot-email-"))
    directory.chmod(0o755)
    port = free_port()
    (directory / "mail").mkdir()
    (directory / "users").write_text("alice:{PLAIN}secret\n")
    shutil.chown(directory / "mail", "mail", "mail")
    conf = directory / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(d=directory, port=port))
    process = subprocess.Popen(["dovecot", "-F", "-c", str(conf)])
    try:
        for _attempt in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("dovecot did not start: " + (directory / "dovecot.log").read_text())
        yield {
            "host": "127.0.0.1",
            "port": port,
            "user": "alice",
            "password": "secret",
            "conf": str(conf),
        }
    finally:
        process.terminate()
        process.wait(timeout=15)
        shutil.rmtree(directory, ignore_errors=True)


def deliver(server, raw: bytes, user: str = "alice") -> None:
    subprocess.run(
        ["/usr/lib/dovecot/dovecot-lda", "-c", server["conf"], "-d", user, "-f", "x@example.test"],
        input=raw,
        check=True,
        timeout=10,
    )


@pytest.fixture
def empty_inbox(imap_server):
    for folder in ("INBOX", "Done"):
        subprocess.run(
            [
                "doveadm",
                "-c",
                imap_server["conf"],
                "expunge",
                "-u",
                imap_server["user"],
                "mailbox",
                folder,
                "all",
            ],
            check=False,
            timeout=10,
            capture_output=True,
        )
    return imap_server
