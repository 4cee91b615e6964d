"""Signed links (django.core.signing): e-mail verification, one-time login, CSAT rating,
invitations. Nothing is stored; a link proves itself and expires."""

from __future__ import annotations

from typing import Any

from django.core import signing

from ticketdesk.accounts.models import Contact, User

VERIFY_SALT = "ticketdesk.portal.verify"
LOGIN_SALT = "ticketdesk.portal.login"
CSAT_SALT = "ticketdesk.portal.csat"
INVITE_SALT = "ticketdesk.portal.invite"

VERIFY_MAX_AGE = 3 * 24 * 3600
LOGIN_MAX_AGE = 15 * 60
CSAT_MAX_AGE = 30 * 24 * 3600
INVITE_MAX_AGE = 14 * 24 * 3600


def _load(token: str, salt: str, max_age: int) -> dict[str, Any] | None:
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError):
        return None
    return value if isinstance(value, dict) else None


def verify_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=VERIFY_SALT)


def user_from_verify_token(token: str) -> User | None:
    data = _load(token, VERIFY_SALT, VERIFY_MAX_AGE)
    if data is None:
        return None
    user = User.objects.filter(pk=int(data.get("u") or 0)).first()
    if user is None or user.email.lower() != data.get("e"):
        return None
    return user


def _login_stamp(user: User) -> str:
    return user.last_login.isoformat() if user.last_login else ""


def login_token(user: User) -> str:
    """One-time: logging in changes last_login, which invalidates the link."""
    return signing.dumps({"u": user.pk, "l": _login_stamp(user)}, salt=LOGIN_SALT)


def user_from_login_token(token: str) -> User | None:
    data = _load(token, LOGIN_SALT, LOGIN_MAX_AGE)
    if data is None:
        return None
    user = User.objects.filter(pk=int(data.get("u") or 0), is_active=True).first()
    if user is None or _login_stamp(user) != data.get("l"):
        return None
    return user


def csat_token(ticket_id: int, contact: Contact) -> str:
    return signing.dumps({"t": ticket_id, "c": contact.pk}, salt=CSAT_SALT)


def read_csat_token(token: str) -> tuple[int, int] | None:
    data = _load(token, CSAT_SALT, CSAT_MAX_AGE)
    if data is None or "t" not in data or "c" not in data:
        return None
    return int(data["t"]), int(data["c"])


def invite_token(invitation_id: int, email: str) -> str:
    return signing.dumps({"i": invitation_id, "e": email.lower()}, salt=INVITE_SALT)


def read_invite_token(token: str) -> tuple[int, str] | None:
    data = _load(token, INVITE_SALT, INVITE_MAX_AGE)
    if data is None:
        return None
    return int(data.get("i", 0)), str(data.get("e", ""))
