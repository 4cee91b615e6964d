"""Changes to messaging accounts made in the workspace's Settings: each asks the policy
(`manage_settings`), validates with the model's rules and writes in one transaction, so that
the configuration change log records it (the tokens, secrets and webhook key only by name)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ticketdesk.accounts import policy
from ticketdesk.core import model_values

from .models import ChannelAccount


def save_account(
    *, actor: Any, values: Mapping[str, Any], account: ChannelAccount | None = None
) -> ChannelAccount:
    """Create or change a messaging account from `values` (column → value; a token left as
    `encryption.KEEP` keeps the stored one). A new account gets its unguessable webhook key."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    with transaction.atomic():
        account = model_values.assign(account or ChannelAccount(), values, only=_EDITABLE)
        return model_values.save_valid(account)


# the key is made once, when the account is created: a new one would break the provider's
# webhook URL
_EDITABLE = tuple(
    f.name
    for f in ChannelAccount._meta.concrete_fields
    if f.editable and f.name not in {"id", "webhook_key", "created_at"}
)
