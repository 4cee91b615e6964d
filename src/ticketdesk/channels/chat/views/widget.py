"""The endpoints the embeddable widget calls from another site (CORS, token instead of CSRF):
its script and words, KB suggestions, starting a chat or leaving a message, then the chat's
messages, typing, files, transcript, end and its event stream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ticketdesk.accounts import ratelimit
from ticketdesk.core.errors import DomainError, TooLarge
from ticketdesk.kb import search as kb_search
from ticketdesk.tickets.actions import AttachmentInput
from ticketdesk.tickets.models import Attachment

from .. import actions, feed, queries, transcript
from ..models import ChatConversation
from ..origins import widget_endpoint
from ..strings import WIDGET_STRINGS

SCRIPT = Path(__file__).resolve().parents[1] / "static" / "chat" / "widget.js"
GET_POST = ["GET", "POST", "OPTIONS"]


def error(problem: DomainError) -> JsonResponse:
    return JsonResponse(problem.as_dict(), status=problem.status_code)


def _json(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _language(request: HttpRequest) -> str:
    wanted = (request.GET.get("lang") or request.headers.get("Accept-Language") or "en")[:20]
    try:
        return translation.get_supported_language_variant(wanted.split(",")[0].strip().lower())
    except LookupError:
        return settings.LANGUAGE_CODE


def _limited(key: str, limit: int, window: int) -> JsonResponse | None:
    if ratelimit.hit(key, limit=limit, window_seconds=window):
        return None
    return JsonResponse(
        {"code": "rate_limited", "message": _("Too many requests. Try again later.")}, status=429
    )


def _chat(request: HttpRequest, chat_id: int) -> ChatConversation | None:
    token = (
        request.headers.get("X-Chat-Token")
        or request.POST.get("token")
        or request.GET.get("token", "")
    )
    return queries.chat_for_token(chat_id, token)


def _no_chat() -> JsonResponse:
    return JsonResponse(
        {"code": "not_found", "message": _("This chat does not exist or the token is wrong.")},
        status=404,
    )


@require_GET
def script(request: HttpRequest) -> HttpResponse:
    """`<script src="https://desk.example/chat/widget.js" async></script>`"""
    response = HttpResponse(SCRIPT.read_bytes(), content_type="application/javascript")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def config(request: HttpRequest) -> JsonResponse:
    """Whether chat is offered now (an agent is online with room), and the widget's words."""
    language = _language(request)
    with translation.override(language):
        strings = {key: str(value) for key, value in WIDGET_STRINGS.items()}
    return JsonResponse(
        {
            "offered": queries.chat_offered(),
            "language": language,
            "strings": strings,
            "max_upload": settings.TICKETDESK["MAX_ATTACHMENT_BYTES"],
        }
    )


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def suggest(request: HttpRequest) -> JsonResponse:
    """Knowledge base articles for what the visitor types (the portal's deflection search);
    each link goes through the portal's deflection view, which records it."""
    text = (request.GET.get("q") or "")[:200]
    if len(text.strip()) < 3 or _limited(f"chat-suggest:{ratelimit.client_ip(request)}", 120, 60):
        return JsonResponse({"articles": []})
    base, query = settings.SITE_URL, urlencode({"q": text})
    with translation.override(_language(request)):
        hits = kb_search.suggest(AnonymousUser(), text, limit=5)
    articles = [
        {
            "title": hit.translation.title,
            "url": f"{base}{reverse('portal:deflect', args=[hit.article.pk])}?{query}",
        }
        for hit in hits
    ]
    return JsonResponse({"articles": articles})


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def start(request: HttpRequest) -> JsonResponse:
    if limited := _limited(
        f"chat-start:{ratelimit.client_ip(request)}", settings.TICKETDESK_CHAT_START_LIMIT, 3600
    ):
        return limited
    data = _json(request)
    language = _language(request)
    try:
        with translation.override(language):  # the errors in the widget's language
            chat, token = actions.start_chat(
                name=str(data.get("name", "")),
                email=str(data.get("email", "")),
                topic=str(data.get("topic", "")),
                message=str(data.get("message", "")),
                page_url=str(data.get("page_url", "")),
                page_title=str(data.get("page_title", "")),
                origin=request.headers.get("Origin", ""),
                language=language,
            )
    except DomainError as problem:
        with translation.override(language):
            return error(problem)
    return JsonResponse({"chat": chat.pk, "token": token, "ticket": chat.ticket.number}, status=201)


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def leave(request: HttpRequest) -> JsonResponse:
    if limited := _limited(
        f"chat-start:{ratelimit.client_ip(request)}", settings.TICKETDESK_CHAT_START_LIMIT, 3600
    ):
        return limited
    data = _json(request)
    language = _language(request)
    try:
        with translation.override(language):  # the errors in the widget's language
            ticket = actions.leave_message(
                name=str(data.get("name", "")),
                email=str(data.get("email", "")),
                topic=str(data.get("topic", "")),
                message=str(data.get("message", "")),
                language=language,
            )
    except DomainError as problem:
        with translation.override(language):
            return error(problem)
    return JsonResponse({"ticket": ticket.number}, status=201)


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def message(request: HttpRequest, chat_id: int) -> JsonResponse:
    chat = _chat(request, chat_id)
    if chat is None:
        return _no_chat()
    if limited := _limited(f"chat-message:{chat.pk}", 60, 60):
        return limited
    try:
        said = actions.visitor_says(chat, str(_json(request).get("text", "")))
    except DomainError as problem:
        return error(problem)
    return JsonResponse({"message": said.pk}, status=201)


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def upload(request: HttpRequest, chat_id: int) -> JsonResponse:
    """A file from the visitor (multipart: `file`, `token`), under the attachment rules."""
    chat = _chat(request, chat_id)
    if chat is None:
        return _no_chat()
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse(
            {
                "code": "validation_failed",
                "message": _("Choose a file."),
                "fields": {"file": [_("This field is required.")]},
            },
            status=400,
        )
    if limited := _limited(f"chat-upload:{chat.pk}", 10, 600):
        return limited
    try:
        if upload.size and upload.size > settings.TICKETDESK["MAX_ATTACHMENT_BYTES"]:
            raise TooLarge(_("The file is too large."))
        said = actions.visitor_says(chat, "", [AttachmentInput.from_upload(upload)])
    except DomainError as problem:
        return error(problem)
    return JsonResponse({"message": said.pk}, status=201)


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def typing(request: HttpRequest, chat_id: int) -> HttpResponse:
    chat = _chat(request, chat_id)
    if chat is None:
        return _no_chat()
    if not _limited(f"chat-typing:{chat.pk}", 30, 60):
        actions.typing(chat)
    return HttpResponse(status=204)


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def end(request: HttpRequest, chat_id: int) -> JsonResponse:
    chat = _chat(request, chat_id)
    if chat is None:
        return _no_chat()
    chat = actions.end(chat)
    return JsonResponse({"status": chat.status})


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def send_transcript(request: HttpRequest, chat_id: int) -> JsonResponse:
    chat = _chat(request, chat_id)
    if chat is None:
        return _no_chat()
    try:
        transcript.email_transcript(chat)
    except DomainError as problem:
        return error(problem)
    return JsonResponse({"queued": True}, status=202)


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def events(request: HttpRequest, chat_id: int) -> HttpResponseBase:
    """The visitor's server-sent events (EventSource sends Last-Event-ID when it reconnects)."""
    chat = _chat(request, chat_id)
    if chat is None:
        return _no_chat()
    if refused := not_a_stream_client(request):
        return refused
    after = _after(request)
    return event_stream(
        feed.stream(
            chat.pk,
            after,
            lambda last: queries.visitor_events(chat.pk, last),
            alive=lambda: actions.visitor_seen(chat.pk),
        )
    )


def _after(request: HttpRequest) -> int:
    value = request.headers.get("Last-Event-ID") or request.GET.get("after") or "0"
    return int(value) if value.isdigit() else 0


def not_a_stream_client(request: HttpRequest) -> JsonResponse | None:
    """The streams answer EventSource only (it asks for text/event-stream): a plain GET (a
    link checker, a crawler) would otherwise hold a thread for minutes."""
    if "text/event-stream" in request.headers.get("Accept", ""):
        return None
    return JsonResponse(
        {"code": "not_acceptable", "message": _("This address is an event stream.")}, status=406
    )


def event_stream(body: Any) -> StreamingHttpResponse:
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def file(request: HttpRequest, chat_id: int, attachment_id: int) -> HttpResponseBase:
    chat = _chat(request, chat_id)
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id, ticket_id=chat.ticket_id, message__kind="public"
        ).first()
        if chat is not None
        else None
    )
    if attachment is None:
        return _no_chat()
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
