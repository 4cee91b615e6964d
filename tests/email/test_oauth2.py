"""Mailboxes with OAuth2 (Microsoft 365, Google): polling a real Dovecot that accepts only SASL
XOAUTH2/OAUTHBEARER and validates the bearer token at a real token server's introspection URL."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.core.mail import send_mail

from ticketdesk.channels.email import backends
from ticketdesk.channels.email.imap import poll_mailbox
from ticketdesk.channels.email.models import AuthMethod, InboundEmail, Mailbox
from ticketdesk.core import clock
from ticketdesk.core.mail import queue_mail, send_pending
from ticketdesk.core.models import MailStatus

from .conftest import deliver, free_port, make_mail

pytestmark = pytest.mark.django_db


class TokenServer:
    """A tiny OAuth2 provider: a refresh-token grant and an RFC 7662 introspection endpoint."""

    def __init__(self) -> None:
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> user
        self.access_tokens: dict[str, str] = {}  # access token -> user
        self.grants: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if self.path == "/token":
                    status, body = server.token(form)
                elif self.path == "/introspect":
                    user = server.access_tokens.get(form.get("token", ""))
                    status, body = (
                        200,
                        ({"active": "true", "username": user} if user else {"active": "false"}),
                    )
                else:
                    status, body = 404, {"error": "not_found"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        self.grants.append(form)
        if form.get("client_id") != "ticketdesk" or form.get("client_secret") != "s3cret":
            return 401, {"error": "invalid_client"}
        user = self.refresh_tokens.get(form.get("refresh_token", ""))
        if form.get("grant_type") != "refresh_token" or user is None:
            return 400, {"error": "invalid_grant", "error_description": "Token has been revoked."}
        access = secrets.token_urlsafe(24)
        self.access_tokens[access] = user
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": 3600}

    def issue_refresh_token(self, user: str) -> str:
        token = secrets.token_urlsafe(24)
        self.refresh_tokens[token] = user
        return token


DOVECOT_OAUTH_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = xoauth2 oauthbearer
first_valid_uid = 8
mail_location = maildir:~/Maildir
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {d}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={d}/mail/%u allow_all_users=yes
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

OAUTH2_EXT = """\
introspection_mode = post
introspection_url = {url}/introspect
username_attribute = username
active_attribute = active
active_value = true
"""


@pytest.fixture(scope="session")
def oauth_imap():
    """A real Dovecot accepting only XOAUTH2/OAUTHBEARER, checking tokens at `TokenServer`."""
    if shutil.which("dovecot") is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd): IMAP tests skipped")
    tokens = TokenServer()
    directory = Path(tempfile.mkdtemp(prefix="dovecot-oauth-"))
    directory.chmod(0o755)
    port = free_port()
    (directory / "mail").mkdir()
    shutil.chown(directory / "mail", "mail", "mail")
    (directory / "oauth2.conf.ext").write_text(OAUTH2_EXT.format(url=tokens.url))
    conf = directory / "dovecot.conf"
    conf.write_text(DOVECOT_OAUTH_CONF.format(d=directory, port=port))
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
        yield {"host": "127.0.0.1", "port": port, "conf": str(conf), "tokens": tokens}
    finally:
        process.terminate()
        process.wait(timeout=15)
        tokens.httpd.shutdown()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def oauth_server(oauth_imap):
    subprocess.run(
        ["doveadm", "-c", oauth_imap["conf"], "expunge", "-u", "bob", "mailbox", "INBOX", "all"],
        check=False,
        timeout=10,
        capture_output=True,
    )
    return oauth_imap


@pytest.fixture
def oauth_mailbox(oauth_server, team):
    tokens = oauth_server["tokens"]
    return Mailbox.objects.create(
        name="Support",
        address="support@desk.test",
        team=team,
        imap_host=oauth_server["host"],
        imap_port=oauth_server["port"],
        imap_ssl=False,
        imap_user="bob",
        auth_method=AuthMethod.OAUTH2,
        oauth2_token_url=tokens.url + "/token",
        oauth2_client_id="ticketdesk",
        oauth2_client_secret="s3cret",
        oauth2_refresh_token=tokens.issue_refresh_token("bob"),
        oauth2_scopes="https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
    )


def test_an_oauth2_mailbox_polls_through_xoauth2_and_opens_a_ticket(oauth_server, oauth_mailbox):
    deliver(oauth_server, make_mail(subject="Token please"), user="bob")

    assert poll_mailbox(oauth_mailbox) == 1

    oauth_mailbox.refresh_from_db()
    assert oauth_mailbox.last_error == ""
    inbound = InboundEmail.objects.get()
    assert inbound.ticket is not None and inbound.ticket.subject == "Token please"
    # the access token came from the token endpoint and is cached with its expiry
    assert oauth_mailbox.oauth2_access_token in oauth_server["tokens"].access_tokens
    assert oauth_mailbox.oauth2_access_token_expires_at > clock.now() + dt.timedelta(minutes=50)
    grant = oauth_server["tokens"].grants[-1]
    assert grant["scope"] == oauth_mailbox.oauth2_scopes


def test_a_password_is_refused_by_the_oauth_only_server(oauth_server, oauth_mailbox):
    """The server really checks the mechanism: the password path fails here (the test can fail)."""
    oauth_mailbox.auth_method = AuthMethod.PASSWORD
    oauth_mailbox.imap_password = "anything"
    oauth_mailbox.save()
    deliver(oauth_server, make_mail(), user="bob")

    assert poll_mailbox(oauth_mailbox) == 0
    oauth_mailbox.refresh_from_db()
    assert oauth_mailbox.last_error


def test_an_expired_access_token_is_refreshed_before_polling(oauth_server, oauth_mailbox):
    tokens = oauth_server["tokens"]
    stale = secrets.token_urlsafe(8)
    tokens.access_tokens[stale] = "bob"
    oauth_mailbox.oauth2_access_token = stale
    oauth_mailbox.oauth2_access_token_expires_at = clock.now() - dt.timedelta(minutes=1)
    oauth_mailbox.save()
    grants = len(tokens.grants)
    deliver(oauth_server, make_mail(), user="bob")

    assert poll_mailbox(oauth_mailbox) == 1

    oauth_mailbox.refresh_from_db()
    assert len(tokens.grants) == grants + 1
    assert oauth_mailbox.oauth2_access_token != stale
    assert oauth_mailbox.last_error == ""


def test_a_refused_access_token_is_refreshed_and_polling_goes_on(oauth_server, oauth_mailbox):
    """The provider revoked the access token before its expiry: the server refuses it, the
    token is refreshed once and the login is tried again."""
    oauth_mailbox.oauth2_access_token = "revoked-by-the-provider"
    oauth_mailbox.oauth2_access_token_expires_at = clock.now() + dt.timedelta(hours=1)
    oauth_mailbox.save()
    deliver(oauth_server, make_mail(), user="bob")

    assert poll_mailbox(oauth_mailbox) == 1

    oauth_mailbox.refresh_from_db()
    assert oauth_mailbox.oauth2_access_token in oauth_server["tokens"].access_tokens
    assert InboundEmail.objects.count() == 1


def test_a_revoked_refresh_token_is_a_clear_error_and_loses_no_mail(
    oauth_server, oauth_mailbox, admin_client
):
    tokens = oauth_server["tokens"]
    del tokens.refresh_tokens[oauth_mailbox.oauth2_refresh_token]
    deliver(oauth_server, make_mail(subject="Still here"), user="bob")

    assert poll_mailbox(oauth_mailbox) == 0

    oauth_mailbox.refresh_from_db()
    assert "invalid_grant" in oauth_mailbox.last_error
    assert "refresh token" in oauth_mailbox.last_error
    assert InboundEmail.objects.count() == 0
    page = admin_client.get(f"/admin/email_channel/mailbox/{oauth_mailbox.pk}/change/")
    assert "invalid_grant" in page.content.decode()

    # once the mailbox is authorised again, the message is still on the server and is taken
    oauth_mailbox.oauth2_refresh_token = tokens.issue_refresh_token("bob")
    oauth_mailbox.save()
    assert poll_mailbox(oauth_mailbox) == 1
    oauth_mailbox.refresh_from_db()
    assert oauth_mailbox.last_error == ""
    assert InboundEmail.objects.get().subject == "Still here"


class XOAuth2Collect:
    """aiosmtpd handler: accepts AUTH XOAUTH2 when the token server knows the bearer token."""

    def __init__(self, tokens: TokenServer) -> None:
        self.tokens = tokens
        self.messages: list[bytes] = []
        self.logins: list[str] = []

    async def auth_XOAUTH2(self, server, args):
        fields = dict(
            part.split("=", 1) if "=" in part else (part, "")
            for part in base64.b64decode(args[1]).decode().split("\x01")
            if part
        )
        token = fields.get("auth", "").removeprefix("Bearer ")
        self.logins.append(fields.get("user", ""))
        if self.tokens.access_tokens.get(token) == fields.get("user"):
            return AuthResult(success=True, auth_data=fields["user"])
        return AuthResult(success=False, handled=False)

    async def handle_DATA(self, server, session, envelope):
        assert session.authenticated
        self.messages.append(envelope.original_content)
        return "250 OK"


@pytest.fixture
def oauth_smtp(settings):
    tokens = TokenServer()
    handler = XOAuth2Collect(tokens)
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), ready_timeout=5, auth_require_tls=False
    )
    controller.start()
    settings.EMAIL_BACKEND = "ticketdesk.channels.email.backends.OAuth2EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = "support@desk.test"
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_OAUTH2_TOKEN_URL = tokens.url + "/token"
    settings.EMAIL_OAUTH2_CLIENT_ID = "ticketdesk"
    settings.EMAIL_OAUTH2_CLIENT_SECRET = "s3cret"
    settings.EMAIL_OAUTH2_REFRESH_TOKEN = tokens.issue_refresh_token("support@desk.test")
    settings.EMAIL_OAUTH2_SCOPES = "https://outlook.office.com/SMTP.Send offline_access"
    backends._cached.clear()
    try:
        yield handler
    finally:
        controller.stop()
        tokens.httpd.shutdown()
        backends._cached.clear()


def test_smtp_sends_with_xoauth2_and_refreshes_a_refused_token(oauth_smtp):
    assert send_mail("Hello", "Body", "support@desk.test", ["maria@example.org"]) == 1
    assert len(oauth_smtp.messages) == 1
    assert oauth_smtp.logins == ["support@desk.test"]

    # the provider revoked the cached token: the backend refreshes it once and sends
    backends._cached["token"] = "revoked"
    assert send_mail("Again", "Body", "support@desk.test", ["maria@example.org"]) == 1
    assert len(oauth_smtp.messages) == 2
    assert len(oauth_smtp.tokens.grants) == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_smtp_with_a_revoked_refresh_token_keeps_the_mail_queued(oauth_smtp, settings):
    settings.EMAIL_OAUTH2_REFRESH_TOKEN = "revoked"
    mail = queue_mail(
        dedupe_key="oauth2-test", subject="Queued", body="Body", to=["maria@example.org"]
    )
    assert mail is not None

    send_pending()

    mail.refresh_from_db()
    assert mail.status == MailStatus.PENDING
    assert "invalid_grant" in mail.last_error
    assert oauth_smtp.messages == []


def test_the_admin_form_offers_oauth2_and_never_shows_secrets(oauth_mailbox, admin_client):
    url = f"/admin/email_channel/mailbox/{oauth_mailbox.pk}/change/"
    refresh_token = oauth_mailbox.oauth2_refresh_token
    oauth_mailbox.oauth2_access_token = "cached-token"
    oauth_mailbox.oauth2_access_token_expires_at = clock.now() + dt.timedelta(hours=1)
    oauth_mailbox.save()
    page = admin_client.get(url).content.decode()
    assert 'name="auth_method"' in page and 'name="oauth2_token_url"' in page
    assert refresh_token not in page and "s3cret" not in page and "cached-token" not in page

    form = {
        "name": "Support",
        "address": "support@desk.test",
        "imap_host": oauth_mailbox.imap_host,
        "imap_port": oauth_mailbox.imap_port,
        "imap_user": "bob",
        "imap_password": "",
        "auth_method": "oauth2",
        "oauth2_token_url": oauth_mailbox.oauth2_token_url,
        "oauth2_client_id": "ticketdesk",
        "oauth2_client_secret": "",
        "oauth2_refresh_token": "",
        "oauth2_scopes": "offline_access",
        "imap_folder": "INBOX",
        "move_to_folder": "",
        "closed_reply_rule": "follow_up",
        "send_acknowledgement": "on",
        "active": "on",
    }
    assert admin_client.post(url, form).status_code == 302
    oauth_mailbox.refresh_from_db()
    # empty secret fields keep the stored secrets (and the cached token goes on working)
    assert oauth_mailbox.oauth2_refresh_token == refresh_token
    assert oauth_mailbox.oauth2_client_secret == "s3cret"
    assert oauth_mailbox.oauth2_scopes == "offline_access"
    assert oauth_mailbox.oauth2_access_token == "cached-token"

    # a new refresh token replaces the old one and drops the cached access token
    assert admin_client.post(url, {**form, "oauth2_refresh_token": "new-one"}).status_code == 302
    oauth_mailbox.refresh_from_db()
    assert oauth_mailbox.oauth2_refresh_token == "new-one"
    assert oauth_mailbox.oauth2_access_token == ""

    # OAuth2 without a token endpoint is refused with a clear error
    Mailbox.objects.filter(pk=oauth_mailbox.pk).update(oauth2_refresh_token="")
    page = admin_client.post(url, {**form, "oauth2_token_url": ""}).content.decode()
    assert "Needed for OAuth2." in page


def test_oauth2_secrets_are_encrypted_at_rest(oauth_mailbox):
    from django.db import connection

    oauth_mailbox.oauth2_access_token = "cached-token"
    oauth_mailbox.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT oauth2_client_secret, oauth2_refresh_token, oauth2_access_token "
            "FROM email_channel_mailbox WHERE id = %s",
            [oauth_mailbox.pk],
        )
        row = cursor.fetchone()
    assert all(value.startswith("enc1:") for value in row), row
    assert "s3cret" not in "".join(row) and "cached-token" not in "".join(row)
    assert Mailbox.objects.get(pk=oauth_mailbox.pk).oauth2_client_secret == "s3cret"
