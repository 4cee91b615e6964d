"""Sign-in through a SAML 2.0 identity provider (pysaml2 via djangosaml2; SP-initiated,
HTTP-POST binding). Signed responses and assertions are required; pysaml2 checks the
signature (xmlsec1), audience, destination, validity window and InResponseTo, and a
response whose request was already answered is refused (djangosaml2 forgets the request
once it is used). Settings: docs/configuration.md, "Sign-in: 2FA, OIDC, LDAP"."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from djangosaml2 import views as saml_views
from djangosaml2.backends import Saml2Backend
from djangosaml2.utils import get_fallback_login_redirect_url, validate_referral_url
from saml2 import BINDING_HTTP_POST
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_UNSPECIFIED
from saml2.sigver import SignatureError

from . import external_identity, two_factor
from .models import User

log = logging.getLogger(__name__)

BACKEND = "ticketdesk.accounts.saml.SAMLBackend"


def base_url() -> str:
    return settings.SITE_URL.rstrip("/")


def sp_config(request: HttpRequest | None = None) -> SPConfig:
    """djangosaml2's SAML_CONFIG_LOADER: the service provider's pysaml2 configuration, built
    from the TICKETDESK_SAML_* settings each time (so it follows the settings)."""
    config = SPConfig()
    config.load(sp_config_dict())
    return config


def sp_config_dict() -> dict[str, Any]:
    base = base_url()
    source = settings.SAML_IDP_METADATA
    metadata: dict[str, Any] = (
        {"remote": [{"url": source}]}
        if source.startswith(("https://", "http://"))
        else {"local": [source]}
    )
    sp: dict[str, Any] = {
        "name": settings.SAML_PROVIDER_NAME,
        "endpoints": {
            "assertion_consumer_service": [(f"{base}/accounts/saml/acs/", BINDING_HTTP_POST)],
        },
        "name_id_format": NAMEID_FORMAT_UNSPECIFIED,
        "authn_requests_signed": bool(settings.SAML_SP_KEY_FILE),
        "want_response_signed": True,
        "want_assertions_signed": True,
        "allow_unsolicited": False,
    }
    conf: dict[str, Any] = {
        "entityid": settings.SAML_SP_ENTITY_ID or f"{base}/accounts/saml/metadata/",
        "xmlsec_binary": settings.SAML_XMLSEC_BINARY,
        "allow_unknown_attributes": True,
        "metadata": metadata,
        "service": {"sp": sp},
        "accepted_time_diff": settings.SAML_CLOCK_SKEW_SECONDS,
    }
    if settings.SAML_SP_KEY_FILE:
        conf["key_file"] = settings.SAML_SP_KEY_FILE
        conf["cert_file"] = settings.SAML_SP_CERT_FILE
        conf["encryption_keypairs"] = [
            {"key_file": settings.SAML_SP_KEY_FILE, "cert_file": settings.SAML_SP_CERT_FILE}
        ]
    return conf


def attribute_values(attributes: dict[str, Any], name: str) -> list[str]:
    value = attributes.get(name) if name else None
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def first(attributes: dict[str, Any], name: str) -> str:
    values = attribute_values(attributes, name)
    return values[0] if values else ""


def role_from_attributes(attributes: dict[str, Any]) -> str | None:
    """The role the attributes map to; None when no mapping is configured."""
    if not settings.SAML_ROLE_MAP:
        return None
    mapped = [
        settings.SAML_ROLE_MAP[v]
        for v in attribute_values(attributes, settings.SAML_ROLE_ATTRIBUTE)
        if v in settings.SAML_ROLE_MAP
    ]
    return external_identity.strongest_role(mapped, settings.SAML_DEFAULT_ROLE)


def refusal(email: str) -> str:
    """Why this address may not sign in ('' when it may)."""
    if not email or "@" not in email:
        return _("Your identity provider did not give an email address.")
    domain = email.rsplit("@", 1)[1].lower()
    if settings.SAML_ALLOWED_DOMAINS and domain not in settings.SAML_ALLOWED_DOMAINS:
        return _("Accounts of %(domain)s may not sign in here.") % {"domain": domain}
    return ""


class SAMLBackend(Saml2Backend):
    """Finds (or creates) the user by the e-mail address the identity provider asserts."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        session_info: dict[str, Any] | None = None,
        attribute_mapping: Any = None,
        create_unknown_user: bool = True,
        assertion_info: Any = None,
        **kwargs: Any,
    ) -> User | None:
        if session_info is None or "ava" not in session_info:
            return None  # a password sign-in: not ours
        attributes = session_info["ava"]
        email = first(attributes, settings.SAML_EMAIL_ATTRIBUTE)
        reason = refusal(email)
        if reason:
            return refuse(request, reason)
        users = list(User.objects.filter(email__iexact=email)[:2])
        if len(users) > 1:
            return refuse(request, _("More than one account has your email address."))
        role = role_from_attributes(attributes)
        if users:
            user = users[0]
            if role is not None:
                external_identity.apply_role(user, role)
        elif not settings.SAML_CREATE_USER:
            return refuse(request, _("You have no account here yet: ask an administrator."))
        else:
            user = external_identity.create_user(
                username=first(attributes, settings.SAML_USERNAME_ATTRIBUTE) or email.split("@")[0],
                email=email,
                first_name=first(attributes, "givenName"),
                last_name=first(attributes, "sn"),
                role=role or settings.SAML_DEFAULT_ROLE,
            )
        if not self.user_can_authenticate(user):
            return refuse(request, _("Your account is disabled."))
        return user


def refuse(request: HttpRequest | None, reason: str) -> User | None:
    """Say why on the login page; None (no user) for the caller to return."""
    log.info("SAML sign-in refused: %s", reason)
    if request is not None:
        messages.error(request, reason)
    return None


def acs_failure(
    request: HttpRequest, exception: Exception | None = None, status: int = 403, **kwargs: Any
) -> HttpResponse:
    """djangosaml2's SAML_ACS_FAILURE_RESPONSE_FUNCTION: back to the login page with why.
    A refusal by our backend has already said why (PermissionDenied from djangosaml2)."""
    log.warning("SAML response refused: %r", exception)
    if "session_info" not in kwargs:
        if isinstance(exception, SignatureError):
            messages.error(request, _("The identity provider's answer was not correctly signed."))
        else:
            messages.error(
                request,
                _("The identity provider's answer could not be accepted: please sign in again."),
            )
    return redirect(settings.LOGIN_REDIRECT_URL_FAILURE)


def _enabled(view: Any) -> Any:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.SAML_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    wrapped.csrf_exempt = getattr(view, "csrf_exempt", False)  # type: ignore[attr-defined]
    return wrapped


_start = saml_views.LoginView.as_view()


def _login(request: HttpRequest) -> HttpResponse:
    try:
        sp_config(request)  # the provider's metadata is readable and valid
    except Exception:
        log.exception("SAML sign-in unavailable: the identity provider's metadata cannot be used")
        messages.error(
            request,
            _("Sign-in with %(provider)s is not available right now: try again later.")
            % {"provider": settings.SAML_PROVIDER_NAME},
        )
        return redirect(settings.LOGIN_REDIRECT_URL_FAILURE)
    return _start(request)


class AssertionConsumerService(saml_views.AssertionConsumerServiceView):
    """djangosaml2's ACS, except that someone who has set up a second factor still gives it
    after the identity provider (as after a password) unless TICKETDESK_SAML_SATISFIES_2FA."""

    def authenticate_user(
        self,
        request: HttpRequest,
        session_info: Any,
        attribute_mapping: Any,
        create_unknown_user: Any,
        assertion_info: Any,
    ) -> Any:
        # our backend directly, not auth.authenticate(): a refused SAML answer is no password
        # guess, and django-axes would count it against one shared (no username, IP) pair and
        # soon lock everyone behind that address out (the IdP throttles its own passwords)
        user = SAMLBackend().authenticate(request, session_info=session_info)
        if user is not None:
            user.backend = BACKEND
        if user is None:
            raise PermissionDenied("No user could be authenticated.")
        if not settings.SAML_SATISFIES_TWO_FACTOR and two_factor.has_device(user):
            next_url = validate_referral_url(request, self.build_relay_state())
            two_factor.begin_pending(request, user, next_url or get_fallback_login_redirect_url())
            self.owes_second_factor = True
            return user
        auth.login(request, user)
        return user

    def custom_redirect(self, user: Any, relay_state: str, session_info: Any) -> str:
        return "/accounts/login/verify/" if getattr(self, "owes_second_factor", False) else ""


login = _enabled(_login)
acs = _enabled(AssertionConsumerService.as_view())
metadata = _enabled(saml_views.MetadataView.as_view())
