"""The providers' webhook endpoint: /channels/messaging/<webhook_key>/.

POST: the signature is checked first (403 with a JSON body when it is wrong), then the
delivery is stored and answered at once; the worker takes its messages in (see accept and
inbound_queue). A signed delivery we cannot read is kept as malformed, and answered 200.
GET: Meta's subscription handshake (hub.mode=subscribe, hub.verify_token, hub.challenge),
answered with the challenge when the verify token matches the account's webhook secret."""

from __future__ import annotations

import hmac
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ticketdesk.core import config_cache

from .accept import accept
from .adapters import adapter_for
from .models import ChannelAccount

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 2 * 1024 * 1024


def _active_accounts() -> dict[str, ChannelAccount]:
    return {a.webhook_key: a for a in ChannelAccount.objects.filter(active=True)}


def active_account(key: str) -> ChannelAccount | None:
    """The active account of this webhook key, from the per-process configuration cache
    (the few accounts, their secrets decrypted once rather than on every delivery; saving
    an account clears it, other processes see the change within config_cache's TTL)."""
    return config_cache.cached("messaging:accounts", _active_accounts).get(key)


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, key: str) -> HttpResponse:
    account = active_account(key)
    if account is None:
        return _error(404, "unknown_account", _("No active messaging account has this URL."))
    if request.method == "GET":
        return _handshake(request, account)
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY_BYTES:
        return _error(413, "too_large", _("The request body is too large."))
    body = request.body
    adapter = adapter_for(account.provider)
    if not adapter.verify(account, request.headers, body):
        logger.warning("messaging webhook for %s: bad signature", account)
        return _error(403, "bad_signature", _("The request's signature is missing or wrong."))
    accepted = accept(account, body)
    return JsonResponse(
        {"ok": True, "messages": accepted.messages}
        | ({"kept_as_malformed": True} if accepted.malformed else {})
    )


def _handshake(request: HttpRequest, account: ChannelAccount) -> HttpResponse:
    if not adapter_for(account.provider).verify_handshake:
        return _error(405, "method_not_allowed", _("This provider sends no verification request."))
    token = request.GET.get("hub.verify_token", "")
    secret = account.webhook_secret
    if (
        request.GET.get("hub.mode") != "subscribe"
        or not secret
        or not hmac.compare_digest(token.encode(), secret.encode())
    ):
        return _error(403, "bad_verify_token", _("The verify token does not match."))
    return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
