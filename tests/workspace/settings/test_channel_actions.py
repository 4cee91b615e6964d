"""The channels' and integrations' saves go through the owning apps' actions: the policy is
asked, the change log names who changed what (before/after), and no secret — a password, a
token, a signing secret, a messaging account's webhook key, a chat webhook's secret URL
path, a token in a webhook URL's query — ever reaches the log."""

import json

import pytest
from django.urls import reverse

from tests.factories import make_agent
from ticketdesk.audit.models import AuditEntry
from ticketdesk.channels.chat import actions as chat_actions
from ticketdesk.channels.email import actions as email_actions
from ticketdesk.channels.email.models import Mailbox
from ticketdesk.channels.messaging import actions as messaging_actions
from ticketdesk.channels.messaging.models import ChannelAccount
from ticketdesk.core.encryption import KEEP
from ticketdesk.core.errors import PermissionDenied, ValidationFailed
from ticketdesk.notifications import endpoints
from ticketdesk.notifications.models import WebhookEndpoint
from ticketdesk.portal import actions as portal_actions
from ticketdesk.portal.models import PortalSettings

pytestmark = pytest.mark.django_db

SLACK_PATH = "/services/T0001/B0001/SlackPathSecret42"  # an incoming webhook's secret


def _log_text() -> str:
    return json.dumps([e.details for e in AuditEntry.objects.all()], ensure_ascii=False)


def _account_data(**overrides):
    data = {
        "provider": "telegram",
        "name": "Desk bot",
        "access_token": "123:BOT-TOKEN-VALUE",
        "webhook_secret": "verify-me-secret",
        "app_secret": "meta-app-secret-value",
        "template_language": "en_US",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_secrets_never_reach_the_change_log(admin, receiver):
    """Created, changed and deleted through the Settings: the log has every change, by name
    for the secrets, and none of their values."""
    admin.post(reverse("workspace:settings:messaging_new"), _account_data())
    account = ChannelAccount.objects.get(name="Desk bot")
    edit = reverse("workspace:settings:messaging_edit", args=[account.pk])
    response = admin.post(edit, _account_data(name="Desk bot 2", access_token="456:NEW-TOKEN"))
    assert response.status_code == 302
    host = receiver.url.removesuffix("/hook")
    response = admin.post(
        reverse("workspace:settings:endpoint_new"),
        {"name": "#desk", "format": "slack", "url": host + SLACK_PATH, "allow_private": "on"},
    )
    assert response.status_code == 302
    admin.post(
        reverse("workspace:settings:endpoint_new"),
        {
            "name": "ERP",
            "format": "json",
            "url": receiver.url + "?token=QuerySecret99",
            "allow_private": "on",
        },
    )
    admin.post(
        reverse("workspace:settings:mailbox_new"),
        {
            "name": "Support",
            "address": "help@desk.test",
            "closed_reply_rule": "follow_up",
            "imap_port": "993",
            "imap_folder": "INBOX",
            "auth_method": "oauth2",
            "oauth2_token_url": "https://login.example.com/token",
            "oauth2_client_id": "client-1",
            "oauth2_client_secret": "oauth-client-secret-value",
            "oauth2_refresh_token": "oauth-refresh-token-value",
        },
    )
    slack = WebhookEndpoint.objects.get(name="#desk")
    signing_secret = WebhookEndpoint.objects.get(name="ERP").secret
    slack.delete()

    log = _log_text()
    for secret in (
        "BOT-TOKEN-VALUE",
        "NEW-TOKEN",
        "verify-me-secret",
        "meta-app-secret-value",
        account.webhook_key,
        "SlackPathSecret42",
        "QuerySecret99",
        "T0001",
        signing_secret,
        "oauth-client-secret-value",
        "oauth-refresh-token-value",
    ):
        assert secret not in log, secret
    created = AuditEntry.objects.get(action="config.channelaccount.created")
    assert {"access_token", "webhook_secret", "app_secret", "webhook_key"} <= set(
        created.details["changed_secrets"]
    )
    updated = AuditEntry.objects.get(action="config.channelaccount.updated")
    assert updated.details["changes"]["name"] == ["Desk bot", "Desk bot 2"]
    assert updated.details["changed_secrets"] == ["access_token"]
    assert updated.actor_label == "u-admin" and updated.details["via"] == "settings"
    slack_created = AuditEntry.objects.get(
        action="config.webhookendpoint.created", target_label="#desk"
    )
    assert slack_created.details["changes"]["url"] == [None, f"{host}/…"]
    erp_created = AuditEntry.objects.get(
        action="config.webhookendpoint.created", target_label="ERP"
    )
    # a JSON receiver's path says where the events go: kept; its query may hold a token
    assert erp_created.details["changes"]["url"] == [None, f"{receiver.url}?…"]
    deleted = AuditEntry.objects.get(action="config.webhookendpoint.deleted")
    assert deleted.details["before"]["url"] == f"{host}/…"


def test_a_secret_left_empty_is_kept_and_not_logged_as_changed(admin):
    admin.post(reverse("workspace:settings:messaging_new"), _account_data())
    account = ChannelAccount.objects.get(name="Desk bot")
    edit = reverse("workspace:settings:messaging_edit", args=[account.pk])
    data = _account_data(name="Renamed")
    for secret in ("access_token", "webhook_secret", "app_secret"):
        data.pop(secret)
    assert admin.post(edit, data).status_code == 302
    account.refresh_from_db()
    assert (account.name, account.access_token) == ("Renamed", "123:BOT-TOKEN-VALUE")
    updated = AuditEntry.objects.get(action="config.channelaccount.updated")
    assert "changed_secrets" not in updated.details


@pytest.mark.parametrize(
    "save",
    [
        lambda actor: email_actions.save_mailbox(
            actor=actor, values={"name": "M", "address": "m@desk.test"}
        ),
        lambda actor: messaging_actions.save_account(
            actor=actor, values={"provider": "telegram", "name": "Bot"}
        ),
        lambda actor: portal_actions.save_portal_settings(
            actor=actor, values={"brand_name": "Mine"}
        ),
        lambda actor: endpoints.save_endpoint(
            actor=actor, values={"name": "E", "url": "https://hooks.example.com/x"}
        ),
        lambda actor: chat_actions.save_widget_origins(
            actor=actor, origins=["https://www.example.com"]
        ),
    ],
    ids=["mailbox", "messaging", "portal", "endpoint", "chat_widget"],
)
def test_only_administrators_change_channels_and_integrations(team, save):
    agent = make_agent(team, username="agent")
    logged = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        save(agent)
    assert not Mailbox.objects.exists() and not ChannelAccount.objects.exists()
    assert not WebhookEndpoint.objects.exists()
    assert PortalSettings.current().brand_name != "Mine"
    assert AuditEntry.objects.count() == logged


def test_the_actions_validate_with_the_models_rules(team):
    admin = make_agent(team, role="admin", username="boss")
    with pytest.raises(ValidationFailed) as refused:
        email_actions.save_mailbox(actor=admin, values={"name": "M", "address": "not-an-address"})
    assert "address" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        messaging_actions.save_account(actor=admin, values={"provider": "pigeon", "name": "B"})
    assert "provider" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        endpoints.save_endpoint(
            actor=admin, values={"name": "E", "url": "https://x.example/", "events": ["nope"]}
        )
    assert "events" in refused.value.fields
    assert not Mailbox.objects.exists() and not WebhookEndpoint.objects.exists()


def test_a_new_oauth2_secret_drops_the_cached_access_token(team):
    admin = make_agent(team, role="admin", username="boss")
    mailbox = Mailbox.objects.create(
        name="M", address="m@desk.test", oauth2_access_token="cached-access"
    )
    email_actions.save_mailbox(actor=admin, values={"oauth2_client_secret": KEEP}, mailbox=mailbox)
    mailbox.refresh_from_db()
    assert mailbox.oauth2_access_token == "cached-access"
    email_actions.save_mailbox(
        actor=admin, values={"oauth2_client_secret": "new-secret"}, mailbox=mailbox
    )
    mailbox.refresh_from_db()
    assert (mailbox.oauth2_client_secret, mailbox.oauth2_access_token) == ("new-secret", "")
