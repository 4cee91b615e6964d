"""Outgoing mail over SMTP with OAuth2 (Microsoft 365, Google refuse basic authentication):
Django's SMTP backend, logging in with SASL XOAUTH2 as EMAIL_HOST_USER. The access token comes
from the EMAIL_OAUTH2_* settings' refresh token and is kept in memory until shortly before it
expires; a refused token is refreshed once. Sending runs in the outbox worker, after commit."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading
from typing import Any

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend

from ticketdesk.core import clock

from . import oauth2

_lock = threading.Lock()
_cached: dict[str, Any] = {}


def smtp_access_token(*, force: bool = False) -> str:
    with _lock:
        key = (settings.EMAIL_OAUTH2_TOKEN_URL, settings.EMAIL_OAUTH2_REFRESH_TOKEN)
        if not force and _cached.get("key") == key and _cached["expires"] > clock.now():
            return str(_cached["token"])
        answer = oauth2.request_token(
            settings.EMAIL_OAUTH2_TOKEN_URL,
            client_id=settings.EMAIL_OAUTH2_CLIENT_ID,
            client_secret=settings.EMAIL_OAUTH2_CLIENT_SECRET,
            refresh_token=settings.EMAIL_OAUTH2_REFRESH_TOKEN,
            scopes=settings.EMAIL_OAUTH2_SCOPES,
        )
        lifetime = oauth2.lifetime_seconds(answer)
        _cached.update(
            key=key,
            token=str(answer["access_token"]),
            expires=clock.now() + dt.timedelta(seconds=lifetime) - oauth2.MARGIN,
        )
        return str(_cached["token"])


class OAuth2EmailBackend(EmailBackend):
    """SMTP with `AUTH XOAUTH2` instead of a password."""

    def open(self) -> bool | None:
        password, self.password = self.password, ""  # Django must not try LOGIN/PLAIN
        try:
            opened = super().open()
        finally:
            self.password = password
        if not opened or self.connection is None:
            return opened
        try:
            self.connection.ehlo_or_helo_if_needed()
            try:
                self._xoauth2(smtp_access_token())
            except smtplib.SMTPAuthenticationError:
                self._xoauth2(smtp_access_token(force=True))
        except (smtplib.SMTPException, OSError, oauth2.OAuth2Error):
            self.close()
            if not self.fail_silently:
                raise
            return False
        return True

    def _xoauth2(self, token: str) -> None:
        assert self.connection is not None
        initial = oauth2.xoauth2(self.username, token).decode()
        # a refused token gets a 334 JSON challenge: an empty answer ends the exchange
        self.connection.auth(
            "XOAUTH2", lambda challenge=None: "" if challenge else initial, initial_response_ok=True
        )
