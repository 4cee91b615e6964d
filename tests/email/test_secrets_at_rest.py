"""Secrets at rest (issue 19): mailbox passwords and webhook secrets are ciphertext in the
database, read back in clear by the code that needs them; forms never show them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory

from ticketdesk.channels.email.imap import poll_mailbox
from ticketdesk.channels.email.models import InboundEmail, Mailbox
from ticketdesk.core import clock, encryption
from ticketdesk.notifications.models import WebhookEndpoint

from .conftest import deliver, make_mail


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_imap_password_is_ciphertext_and_polling_still_works(team, empty_inbox):
    mailbox = Mailbox.objects.create(
        name="IMAP",
        address="alice@desk.test",
        team=team,
        imap_host=empty_inbox["host"],
        imap_port=empty_inbox["port"],
        imap_user=empty_inbox["user"],
        imap_password=empty_inbox["password"],
        imap_ssl=False,
    )
    stored = raw_column("email_channel_mailbox", "imap_password", mailbox.pk)
    assert stored.startswith("enc1:")
    assert empty_inbox["password"] not in stored
    deliver(empty_inbox, make_mail(to="alice@desk.test", message_id="<sec1@example.org>"))
    fresh = Mailbox.objects.get(pk=mailbox.pk)
    assert fresh.imap_password == empty_inbox["password"]
    assert poll_mailbox(fresh) == 1
    assert InboundEmail.objects.filter(email_message_id="sec1@example.org").exists() or (
        InboundEmail.objects.count() == 1
    )
    fresh.refresh_from_db()
    assert fresh.last_error == ""


@pytest.mark.django_db
def test_webhook_secret_is_ciphertext(agent):
    endpoint = WebhookEndpoint.objects.create(
        name="hook", url="https://example.org/hook", secret="s3cr3t-value", created_at=clock.now()
    )
    stored = raw_column("notifications_webhookendpoint", "secret", endpoint.pk)
    assert stored.startswith("enc1:") and "s3cr3t-value" not in stored
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == "s3cr3t-value"


@pytest.mark.django_db
def test_data_migration_encrypts_existing_clear_values(team):
    mailbox = Mailbox.objects.create(name="Old", address="old@desk.test", imap_password="x")
    with connection.cursor() as cursor:  # as an older version stored it
        cursor.execute(
            "UPDATE email_channel_mailbox SET imap_password = %s WHERE id = %s",
            ["clear-password", mailbox.pk],
        )
    assert Mailbox.objects.get(pk=mailbox.pk).imap_password == "clear-password"  # still read
    forwards, backwards = encryption.encrypt_column("email_channel", "mailbox", "imap_password")
    editor = SimpleNamespace(connection=connection)  # what RunPython's functions use of it
    forwards(django_apps, editor)
    stored = raw_column("email_channel_mailbox", "imap_password", mailbox.pk)
    assert stored.startswith("enc1:") and "clear-password" not in stored
    assert Mailbox.objects.get(pk=mailbox.pk).imap_password == "clear-password"
    backwards(django_apps, editor)
    assert raw_column("email_channel_mailbox", "imap_password", mailbox.pk) == "clear-password"


def test_dedicated_key_and_rotation(settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TICKETDESK_ENCRYPTION_KEYS = [old]
    token = encryption.encrypt("pw")
    settings.TICKETDESK_ENCRYPTION_KEYS = [new, old]  # rotation: new first, old still reads
    assert encryption.decrypt(token) == "pw"
    settings.TICKETDESK_ENCRYPTION_KEYS = [new]
    with pytest.raises(encryption.SecretUnreadable):
        encryption.decrypt(token)


@pytest.mark.django_db
def test_mailbox_form_never_shows_the_password(client, admin_user):
    mailbox = Mailbox.objects.create(
        name="M", address="m@desk.test", imap_host="h", imap_user="u", imap_password="hunter22"
    )
    client.force_login(admin_user)
    html = client.get(f"/admin/email_channel/mailbox/{mailbox.pk}/change/").content.decode()
    assert "hunter22" not in html
    assert "•••• set — leave empty to keep" in html

    request = RequestFactory().get("/")
    request.user = admin_user
    form_class = admin.site._registry[Mailbox].get_form(request, mailbox)

    def submit(**changes: str) -> Mailbox:
        data = {
            "name": "M",
            "address": "m@desk.test",
            "imap_host": "h",
            "imap_port": "993",
            "imap_user": "u",
            "imap_folder": "INBOX",
            "closed_reply_rule": "follow_up",
            **changes,
        }
        form = form_class(data, instance=Mailbox.objects.get(pk=mailbox.pk))
        assert form.is_valid(), form.errors
        form.save()
        return Mailbox.objects.get(pk=mailbox.pk)

    assert submit(imap_password="").imap_password == "hunter22"  # empty keeps
    assert submit(imap_password="new-pass").imap_password == "new-pass"
    assert submit(imap_password__clear="1").imap_password == ""
