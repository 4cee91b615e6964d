"""Changes to mailboxes made in the workspace's Settings (or any caller that is not the
Django admin): each asks the policy (`manage_settings`), validates with the model's rules
and writes in one transaction, so that the configuration change log records it (who, when,
before/after; the secrets only by name)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ticketdesk.accounts import policy
from ticketdesk.core import model_values
from ticketdesk.core.encryption import KEEP

from .models import Mailbox

SECRETS = ("imap_password", "oauth2_client_secret", "oauth2_refresh_token")


def forget_access_token(mailbox: Mailbox, changed: set[str] | list[str]) -> None:
    """New credentials: the cached OAuth2 access token may belong to the old ones."""
    if mailbox.pk and any(name in changed for name in SECRETS):
        mailbox.oauth2_access_token = ""
        mailbox.oauth2_access_token_expires_at = None


def save_mailbox(
    *, actor: Any, values: Mapping[str, Any], mailbox: Mailbox | None = None
) -> Mailbox:
    """Create or change a mailbox from `values` (column → value; a secret left as
    `encryption.KEEP` keeps the stored one)."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    with transaction.atomic():
        mailbox = mailbox or Mailbox()
        model_values.assign(mailbox, values)
        forget_access_token(mailbox, {n for n in SECRETS if values.get(n, KEEP) is not KEEP})
        return model_values.save_valid(mailbox)
