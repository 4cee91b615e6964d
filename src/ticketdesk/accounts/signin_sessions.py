"""The sessions a user has open, listed on their profile and revocable from there."""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_otp import DEVICE_ID_SESSION_KEY

from ticketdesk.audit import log as audit_log

from . import two_factor
from .models import User, UserSession
from .ratelimit import client_ip

SEEN_KEY = "signin_seen"  # [session key, unix time] of the last write of last_seen_at
SEEN_EVERY_SECONDS = 60


def method_label(backend: str, *, second_factor: bool = False) -> str:
    """An English msgid (the list translates it for its reader)."""
    if second_factor:
        return gettext_noop("Password and a second factor")
    if backend.endswith("OIDCBackend"):
        return settings.OIDC_PROVIDER_NAME
    if backend.endswith("SAMLBackend"):
        return settings.SAML_PROVIDER_NAME
    if backend.endswith("LDAPBackend"):
        return gettext_noop("Directory (LDAP)")
    return gettext_noop("Password")


def _address(request: HttpRequest) -> str | None:
    address = client_ip(request)  # behind a trusted proxy, the client's, not the proxy's
    return None if address == "unknown" else address


def touch(request: HttpRequest, user: User | None = None, *, force: bool = False) -> None:
    """Record (at most once a minute, or now with `force`) that this signed-in session was
    seen."""
    session = request.session
    key = session.session_key
    if not key:
        return
    seen = session.get(SEEN_KEY)
    now = time.time()
    if not force and seen and seen[0] == key and now - float(seen[1]) < SEEN_EVERY_SECONDS:
        return
    backend = str(session.get(BACKEND_SESSION_KEY, ""))
    password = not backend.endswith(("OIDCBackend", "SAMLBackend", "LDAPBackend"))
    UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user or request.user,  # type: ignore[misc]
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "ip_address": _address(request),
            "method": method_label(
                backend, second_factor=password and bool(session.get(DEVICE_ID_SESSION_KEY))
            )[:40],
            "last_seen_at": timezone.now(),
        },
    )
    session[SEEN_KEY] = [key, now]


def on_sign_in(
    sender: object, request: HttpRequest | None = None, user: User | None = None, **kwargs: object
) -> None:
    """List the new session at once (and learn whether its role owes a second factor, which
    every page asks next)."""
    if request is None or user is None or not hasattr(request, "session"):
        return
    touch(request, user)
    two_factor.required_for(user)


def open_sessions(user: User) -> list[UserSession]:
    """The user's sessions that still exist, most recently seen first (rows of sessions
    that ended are dropped on the way)."""
    rows = list(UserSession.objects.filter(user=user))
    alive = set(
        Session.objects.filter(
            session_key__in=[r.session_key for r in rows], expire_date__gt=timezone.now()
        ).values_list("session_key", flat=True)
    )
    gone = [r.pk for r in rows if r.session_key not in alive]
    if gone:
        UserSession.objects.filter(pk__in=gone).delete()
    return [r for r in rows if r.session_key in alive]


def sign_out(user: User, session_keys: list[str]) -> int:
    """End these sessions of this user (only theirs); returns how many ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    with transaction.atomic():
        keys = list(
            UserSession.objects.filter(user=user, session_key__in=session_keys).values_list(
                "session_key", flat=True
            )
        )
        for key in keys:
            store(session_key=key).delete()
        UserSession.objects.filter(user=user, session_key__in=keys).delete()
        if keys:
            audit_log.record(None, "sign_in.sessions_ended", user, count=len(keys))
    return len(keys)


def sign_out_others(request: HttpRequest) -> int:
    user = request.user
    assert isinstance(user, User)
    keys = [
        r.session_key
        for r in UserSession.objects.filter(user=user).exclude(
            session_key=request.session.session_key
        )
    ]
    return sign_out(user, keys)
