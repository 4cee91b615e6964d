"""Two-factor authentication: an authenticator app (TOTP) and one-time backup codes
(django-otp), the sign-in step that asks for a code after the password, and the
administrator's per-role requirement."""

from __future__ import annotations

import time
from typing import Any

import django_otp
import segno
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ticketdesk.audit import log as audit_log

from .models import Passkey, Role, SignInSettings, User

PENDING_KEY = "signin_pending"  # a password-checked sign-in that waits for its code
MAX_CODE_TRIES = 5
BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"
OIDC_BACKEND = "ticketdesk.accounts.oidc.OIDCBackend"
SAML_BACKEND = "ticketdesk.accounts.saml.SAMLBackend"


def has_device(user: User) -> bool:
    return django_otp.user_has_device(user, confirmed=True)


def has_code_device(user: User) -> bool:
    """An authenticator app or backup codes (what the code field accepts)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True).exists()
    )


def app_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def required_for(user: User) -> bool:
    """Does the administrator require a second factor for this user's role?"""
    if user.role == Role.CUSTOMER and not user.is_superuser:
        return False
    row = SignInSettings.current()
    if user.role == Role.ADMIN or user.is_superuser:
        return row.require_two_factor_admins
    return row.require_two_factor_agents


def session_is_verified(request: HttpRequest) -> bool:
    """Has this session passed a second factor (or signed in through an identity provider
    trusted to enforce its own)?"""
    user: Any = request.user
    if user.is_verified():
        return True
    backend = request.session.get(BACKEND_SESSION_KEY)
    return bool(
        (settings.OIDC_SATISFIES_TWO_FACTOR and backend == OIDC_BACKEND)
        or (settings.SAML_SATISFIES_TWO_FACTOR and backend == SAML_BACKEND)
    )


# --- enrolment --------------------------------------------------------------------------------


def start_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed authenticator a user is setting up (the same one until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code, drawn here (no outside service)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


def secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def clean_code(code: str) -> str:
    return "".join(str(code or "").split()).replace("-", "")


def confirm_enrolment(request: HttpRequest, user: User, code: str) -> list[str] | None:
    """Confirm the authenticator with a code from it; on success the session counts as
    verified and the new backup codes are returned (shown once). None: wrong code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(clean_code(code)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_backup_codes(user)
        audit_log.record(user, "sign_in.two_factor_enabled", user)
    django_otp.login(request, device)
    return codes


def regenerate_backup_codes(user: User) -> list[str]:
    with transaction.atomic():
        return _new_backup_codes(user)


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def turn_off(user: User) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        Passkey.objects.filter(user=user).delete()
        audit_log.record(None, "sign_in.two_factor_disabled", user)


# --- the sign-in step -----------------------------------------------------------------------


def begin_pending(request: HttpRequest, user: User, next_url: str) -> None:
    """The password was right: remember who is signing in until the code arrives. The user
    is not signed in yet."""
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "next": next_url,
        "at": time.time(),
        "tries": 0,
    }


def pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    data = request.session.get(PENDING_KEY)
    if not data:
        return None
    if time.time() - float(data.get("at", 0)) > settings.TWO_FACTOR_PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=data["user_id"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return None
    return user, data


def verify_code(user: User, code: str) -> Any:
    """The device (authenticator or backup codes) that accepts this code, or None. A code
    is accepted once: a backup code is used up, a TOTP step cannot be replayed."""
    code = clean_code(code)
    if not code:
        return None
    return django_otp.match_token(user, code)


def count_failure(request: HttpRequest) -> bool:
    """One more wrong code for the pending sign-in; True when it has had too many."""
    data = request.session.get(PENDING_KEY)
    if not data:
        return True
    data["tries"] = int(data.get("tries", 0)) + 1
    request.session[PENDING_KEY] = data
    if data["tries"] >= MAX_CODE_TRIES:
        request.session.pop(PENDING_KEY, None)
        return True
    return False
