"""The channels section: mailboxes (with a connection test against a real Dovecot), the
portal's access, the chat widget's snippet and the messaging accounts (tokens never shown)."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.email.conftest import free_port
from ticketdesk.audit.models import AuditEntry
from ticketdesk.channels.email.models import Mailbox
from ticketdesk.channels.messaging.models import ChannelAccount
from ticketdesk.portal.models import PortalSettings

pytestmark = pytest.mark.django_db


def _mailbox_data(**overrides):
    data = {
        "name": "Support",
        "address": "help@desk.test",
        "closed_reply_rule": "follow_up",
        "send_acknowledgement": "on",
        "active": "on",
        "imap_host": "",
        "imap_port": "993",
        "imap_folder": "INBOX",
        "imap_user": "",
        "auth_method": "password",
    }
    data.update(overrides)
    return data


def _stored(model, pk, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("name", ["channels", "mailbox_new", "portal", "messaging_new"])
@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("agent", 403), ("light_agent", 403)]
)
def test_pages_by_role(as_role, name, role, expected):
    assert as_role(role).get(reverse(f"workspace:settings:{name}")).status_code == expected


def test_agent_cannot_add_a_mailbox_or_test_one(as_role):
    mailbox = Mailbox.objects.create(name="Old", address="old@desk.test", imap_host="x")
    client = as_role("agent")
    response = client.post(reverse("workspace:settings:mailbox_new"), _mailbox_data())
    assert response.status_code == 403
    assert not Mailbox.objects.filter(address="help@desk.test").exists()
    test_url = reverse("workspace:settings:mailbox_test", args=[mailbox.pk])
    assert client.post(test_url).status_code == 403


def test_empty_states(admin):
    page = admin.get(reverse("workspace:settings:channels")).content.decode()
    assert "No mailboxes yet" in page
    assert "No messaging accounts yet" in page
    # the chat widget's snippet, to copy
    assert "/chat/widget.js" in page


def test_admin_adds_a_mailbox_whose_password_is_never_shown(admin):
    response = admin.post(
        reverse("workspace:settings:mailbox_new"),
        _mailbox_data(imap_host="imap.desk.test", imap_user="help", imap_password="hunter2-pw"),
    )
    assert response.status_code == 302
    mailbox = Mailbox.objects.get(address="help@desk.test")
    assert mailbox.imap_password == "hunter2-pw"
    assert _stored(Mailbox, mailbox.pk, "imap_password").startswith("enc1:")
    page = admin.get(reverse("workspace:settings:mailbox_edit", args=[mailbox.pk]))
    assert "hunter2-pw" not in page.content.decode()
    assert "set — leave empty to keep" in page.content.decode()
    entry = AuditEntry.objects.get(action="config.mailbox.created")
    assert "imap_password" in entry.details["changed_secrets"]
    assert "hunter2-pw" not in str(entry.details)
    assert entry.details["via"] == "settings"

    # saved again with the box left empty: the password is kept
    response = admin.post(
        reverse("workspace:settings:mailbox_edit", args=[mailbox.pk]),
        _mailbox_data(name="Help desk", imap_host="imap.desk.test", imap_user="help"),
    )
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.imap_password) == ("Help desk", "hunter2-pw")


def test_invalid_mailbox_is_refused_with_the_reason(admin):
    response = admin.post(reverse("workspace:settings:mailbox_new"), _mailbox_data(address="x"))
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()


def _imap_mailbox(server, **overrides):
    values = {
        "name": "Dovecot",
        "address": "alice@desk.test",
        "imap_host": server["host"],
        "imap_port": server["port"],
        "imap_ssl": False,
        "imap_user": server["user"],
        "imap_password": server["password"],
    }
    values.update(overrides)
    return Mailbox.objects.create(**values)


def test_connection_test_signs_in_to_dovecot(admin, imap_server):
    mailbox = _imap_mailbox(imap_server)
    response = admin.post(
        reverse("workspace:settings:mailbox_test", args=[mailbox.pk]), HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "It works." in page
    assert "Signed in and opened “INBOX”" in page
    assert "<form" not in page  # the htmx partial only
    assert imap_server["password"] not in page


def test_connection_test_shows_the_refusal_in_plain_words(admin, imap_server):
    mailbox = _imap_mailbox(imap_server, imap_password="wrong")
    response = admin.post(reverse("workspace:settings:mailbox_test", args=[mailbox.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "It does not work yet." in page
    assert "The server refused the sign-in of alice." in page
    assert "AUTHENTICATIONFAILED" in page or "Authentication failed" in page
    assert 'name="imap_host"' in page  # without htmx: the whole mailbox page


def test_connection_test_of_a_missing_folder(admin, imap_server):
    mailbox = _imap_mailbox(imap_server, imap_folder="Nowhere")
    page = admin.post(
        reverse("workspace:settings:mailbox_test", args=[mailbox.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "the folder “Nowhere” cannot be opened" in page


def test_connection_test_when_nothing_listens(admin):
    mailbox = _imap_mailbox(
        {"host": "127.0.0.1", "port": free_port(), "user": "alice", "password": "x"}
    )
    page = admin.post(
        reverse("workspace:settings:mailbox_test", args=[mailbox.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Nothing accepts connections at 127.0.0.1" in page


def test_admin_limits_portal_sign_up(admin):
    response = admin.post(
        reverse("workspace:settings:portal"),
        {
            "brand_name": "Help",
            "welcome_text": "",
            "signup_mode": "domains",
            "allowed_domains": "example.org",
            "embed_enabled": "on",
            "csat_scale": "five",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    portal = PortalSettings.current()
    assert (portal.signup_mode, portal.allowed_domains) == ("domains", "example.org")
    assert portal.allow_guest_tickets is False
    assert AuditEntry.objects.filter(action="config.portalsettings.updated").exists()


def test_admin_adds_a_telegram_bot_whose_token_is_never_shown(admin, team):
    response = admin.post(
        reverse("workspace:settings:messaging_new"),
        {
            "provider": "telegram",
            "name": "Desk bot",
            "team": team.pk,
            "access_token": "123:SECRET-BOT-TOKEN",
            "webhook_secret": "shh-secret",
            "template_language": "en_US",
            "active": "on",
        },
    )
    assert response.status_code == 302
    account = ChannelAccount.objects.get(name="Desk bot")
    assert account.access_token == "123:SECRET-BOT-TOKEN"
    assert _stored(ChannelAccount, account.pk, "access_token").startswith("enc1:")
    for url in (
        reverse("workspace:settings:messaging_edit", args=[account.pk]),
        reverse("workspace:settings:channels"),
    ):
        page = admin.get(url).content.decode()
        assert "SECRET-BOT-TOKEN" not in page
        assert "shh-secret" not in page
        assert f"/channels/messaging/{account.webhook_key}/" in page
    entry = AuditEntry.objects.get(action="config.channelaccount.created")
    assert "SECRET-BOT-TOKEN" not in str(entry.details)


def test_the_channels_page_reads_a_bounded_number_of_rows(admin, team, assert_bounded_reads):
    def add(n):
        for i in range(n):
            Mailbox.objects.create(name=f"M{i}", address=f"m{i}-{n}@desk.test", team=team)
            ChannelAccount.objects.create(provider="telegram", name=f"Bot {i}-{n}", team=team)

    assert_bounded_reads(admin, reverse("workspace:settings:channels"), add)
