"""Sign-in through an OpenID Connect provider (mozilla-django-oidc, authorization code flow
with PKCE). Settings: docs/configuration.md, "Sign-in: 2FA, OIDC, LDAP"."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import external_identity
from .models import User

log = logging.getLogger(__name__)


def claim_values(claims: dict[str, Any], name: str) -> list[str]:
    value = claims.get(name) if name else None
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def role_from_claims(claims: dict[str, Any]) -> str | None:
    """The role the claims map to; None when no mapping is configured (roles are then kept
    as they are in Ticketdesk)."""
    if not settings.OIDC_ROLE_MAP:
        return None
    mapped = [
        settings.OIDC_ROLE_MAP[v]
        for v in claim_values(claims, settings.OIDC_ROLE_CLAIM)
        if v in settings.OIDC_ROLE_MAP
    ]
    return external_identity.strongest_role(mapped, settings.OIDC_DEFAULT_ROLE)


def refusal(claims: dict[str, Any]) -> str:
    """Why these claims may not sign in ('' when they may)."""
    email = str(claims.get("email") or "")
    if not email or "@" not in email:
        return _("Your identity provider did not give an email address.")
    if claims.get("email_verified") is False:
        return _("Your identity provider has not verified your email address.")
    domain = email.rsplit("@", 1)[1].lower()
    if settings.OIDC_ALLOWED_DOMAINS and domain not in settings.OIDC_ALLOWED_DOMAINS:
        return _("Accounts of %(domain)s may not sign in here.") % {"domain": domain}
    return ""


class OIDCBackend(OIDCAuthenticationBackend):
    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        reason = refusal(claims)
        if reason:
            return self._refuse(reason)
        users = list(self.filter_users_by_claims(claims)[:2])
        if len(users) > 1:
            return self._refuse(_("More than one account has your email address."))
        if users:
            return self.update_user(users[0], claims)
        if not settings.OIDC_CREATE_USER:
            return self._refuse(_("You have no account here yet: ask an administrator."))
        return self.create_user(claims)

    def _refuse(self, reason: str) -> None:
        log.info("OpenID Connect sign-in refused: %s", reason)
        request = getattr(self, "request", None)
        if request is not None:
            messages.error(request, reason)
        return None

    def create_user(self, claims: dict[str, Any]) -> User:
        email = str(claims["email"])
        return external_identity.create_user(
            username=str(claims.get("preferred_username") or email.split("@")[0]),
            email=email,
            first_name=str(claims.get("given_name") or ""),
            last_name=str(claims.get("family_name") or ""),
            role=role_from_claims(claims) or settings.OIDC_DEFAULT_ROLE,
        )

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        role = role_from_claims(claims)
        if role is not None:
            external_identity.apply_role(user, role)
        return user
