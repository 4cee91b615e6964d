"""OAuth2 for mailboxes (Microsoft 365, Google): an access token obtained with the mailbox's
refresh token at its provider's token endpoint, cached with its expiry, and the SASL XOAUTH2
string that carries it to IMAP and SMTP. The token request is plain HTTPS and must
never run inside a database transaction."""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.utils.translation import gettext as _

from ticketdesk.core import clock

from .models import Mailbox

logger = logging.getLogger(__name__)
TIMEOUT = 30
# refresh this long before the provider says the token expires
MARGIN = dt.timedelta(seconds=120)


class OAuth2Error(Exception):
    """The provider refused to give an access token: the message says what to do."""


def xoauth2(user: str, token: str) -> bytes:
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def request_token(
    token_url: str, *, client_id: str, client_secret: str, refresh_token: str, scopes: str = ""
) -> dict[str, Any]:
    """POST grant_type=refresh_token to the token endpoint; return its JSON answer."""
    if not (token_url and client_id and refresh_token):
        raise OAuth2Error(
            _("OAuth2 is not set up: the token endpoint, client ID and refresh token are needed.")
        )
    if not token_url.startswith(("https://", "http://")):
        raise OAuth2Error(_("OAuth2: the token endpoint must be an https:// URL."))
    fields = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
    }
    if client_secret:
        fields["client_secret"] = client_secret
    if scopes:
        fields["scope"] = scopes
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        token_url,
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read() or b"{}")
        except ValueError:
            body = {}
        code = str(body.get("error", exc.code))
        detail = str(body.get("error_description", ""))[:300]
        if code in ("invalid_grant", "invalid_client", "unauthorized_client"):
            raise OAuth2Error(
                _(
                    "OAuth2: the provider refused the refresh token or client (%(code)s). "
                    "Authorise the mailbox again and enter the new refresh token. %(detail)s"
                )
                % {"code": code, "detail": detail}
            ) from exc
        raise OAuth2Error(
            _("OAuth2: the token endpoint answered %(code)s. %(detail)s")
            % {"code": code, "detail": detail}
        ) from exc
    except (OSError, ValueError) as exc:
        raise OAuth2Error(
            _("OAuth2: the token endpoint could not be reached: %(error)s") % {"error": exc}
        ) from exc
    if not isinstance(answer, dict) or not answer.get("access_token"):
        raise OAuth2Error(_("OAuth2: the token endpoint gave no access token."))
    return answer


def lifetime_seconds(answer: dict[str, Any]) -> int:
    """How long the access token lives (`expires_in`; an hour when the answer does not say)."""
    try:
        return int(answer.get("expires_in") or 3600)
    except (TypeError, ValueError):
        return 3600


def refresh(mailbox: Mailbox) -> str:
    """Get a new access token with the refresh token; cache it (and a rotated refresh token)."""
    answer = request_token(
        mailbox.oauth2_token_url,
        client_id=mailbox.oauth2_client_id,
        client_secret=mailbox.oauth2_client_secret,
        refresh_token=mailbox.oauth2_refresh_token,
        scopes=mailbox.oauth2_scopes,
    )
    lifetime = lifetime_seconds(answer)
    mailbox.oauth2_access_token = str(answer["access_token"])
    mailbox.oauth2_access_token_expires_at = clock.now() + dt.timedelta(seconds=lifetime)
    fields = ["oauth2_access_token", "oauth2_access_token_expires_at"]
    if answer.get("refresh_token"):  # Microsoft rotates refresh tokens
        mailbox.oauth2_refresh_token = str(answer["refresh_token"])
        fields.append("oauth2_refresh_token")
    mailbox.save(update_fields=fields)
    return mailbox.oauth2_access_token


def access_token(mailbox: Mailbox, *, force: bool = False) -> str:
    """The cached access token, refreshed shortly before it expires (or when `force`d)."""
    expires = mailbox.oauth2_access_token_expires_at
    if not force and mailbox.oauth2_access_token and expires and expires > clock.now() + MARGIN:
        return mailbox.oauth2_access_token
    return refresh(mailbox)
