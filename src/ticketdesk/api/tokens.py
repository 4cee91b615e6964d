"""Personal API tokens: create (secret shown once), authenticate, revoke."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core import clock
from ticketdesk.core.errors import NotFound, ValidationFailed

from .models import ApiToken, TokenScope

SECRET_PREFIX = "tdk_"  # noqa: S105 (a public prefix, not a secret)
# last_used_at is written at most this often per token (not on every request)
LAST_USED_GRANULARITY = dt.timedelta(seconds=60)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: Any, *, name: str, scope: str = TokenScope.READ) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it and its secret (the only time the secret exists)."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValidationFailed(
            _("A token needs a name."), fields={"name": [_("This field is required.")]}
        )
    if scope not in TokenScope.values:
        raise ValidationFailed(
            _("Choose a valid scope."), fields={"scope": [_("Choose read or write.")]}
        )
    if not policy.is_staff_member(user) and policy.contact_for(user) is None:
        raise ValidationFailed(_("This account cannot use the API."))
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(SECRET_PREFIX) + 6],
        token_hash=hash_secret(secret),
        scope=scope,
        created_at=clock.now(),
    )
    return token, secret


def authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret (its user active too), or None."""
    if not secret or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_secret(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user: Any) -> Any:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def revoke(user: Any, token_id: int) -> ApiToken:
    """Revoke one of `user`'s tokens (admins may revoke anyone's)."""
    qs = ApiToken.objects.all() if policy.is_admin(user) else ApiToken.objects.filter(user=user)
    token = qs.filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
    return token
