"""Passkeys (WebAuthn, py_webauthn) as a second factor: registering one from the profile and
using it after the password. The challenge of each ceremony waits in the session."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from .models import Passkey, User

REGISTRATION_CHALLENGE = "passkey_registration_challenge"
AUTHENTICATION_CHALLENGE = "passkey_authentication_challenge"


class PasskeyRefused(Exception):
    pass


def relying_party_id(request: HttpRequest) -> str:
    """The domain passkeys are bound to: TICKETDESK_WEBAUTHN_RP_ID, else the host name
    (never an IP address: browsers refuse those)."""
    return settings.WEBAUTHN_RP_ID or request.get_host().rsplit(":", 1)[0]


def expected_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=bytes(p.credential_id))
        for p in Passkey.objects.filter(user=user, confirmed=True)
    ]


def registration_options(request: HttpRequest, user: User) -> str:
    options = generate_registration_options(
        rp_id=relying_party_id(request),
        rp_name=settings.TICKETDESK["BRAND_NAME"],
        user_id=str(user.pk).encode(),
        user_name=user.username,
        user_display_name=user.display_name,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    request.session[REGISTRATION_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def register(request: HttpRequest, user: User, credential: str, name: str) -> Passkey:
    challenge = request.session.pop(REGISTRATION_CHALLENGE, None)
    if not challenge:
        raise PasskeyRefused("no registration was started")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=relying_party_id(request),
            expected_origin=expected_origin(request),
        )
    except (InvalidRegistrationResponse, ValueError, KeyError) as exc:
        raise PasskeyRefused(str(exc)) from exc
    if Passkey.objects.filter(credential_id=verified.credential_id).exists():
        raise PasskeyRefused("this passkey is already registered")
    return Passkey.objects.create(
        user=user,
        name=(name or "Passkey").strip()[:64],
        confirmed=True,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )


def authentication_options(request: HttpRequest, user: User) -> str:
    options = generate_authentication_options(
        rp_id=relying_party_id(request),
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    request.session[AUTHENTICATION_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def authenticate(request: HttpRequest, user: User, credential: str) -> Passkey | None:
    """The user's passkey that signed this challenge, or None."""
    challenge = request.session.pop(AUTHENTICATION_CHALLENGE, None)
    try:
        raw_id = base64url_to_bytes(json.loads(credential)["rawId"])
    except (ValueError, KeyError, TypeError):
        return None
    passkey = Passkey.objects.filter(user=user, confirmed=True, credential_id=raw_id).first()
    if passkey is None or not challenge:
        return None
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=relying_party_id(request),
            expected_origin=expected_origin(request),
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError):
        return None
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = timezone.now()
    passkey.save(update_fields=["sign_count", "last_used_at"])
    return passkey
