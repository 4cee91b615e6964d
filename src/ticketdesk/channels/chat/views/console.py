"""The agents' chat console at /chat/console/: availability, the queue of waiting visitors,
one's own chats, and the chat panel (transcript, composer with canned responses and the
macros' replies, the
visitor's page and history, transfer, end). The page is served whole and as partials; its
script (static/chat/console.js) follows the console's event stream and posts the forms with
fetch; without script every form posts and redirects back."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team, User
from ticketdesk.automation import queries as automation_queries
from ticketdesk.core.errors import DomainError, PermissionDenied, ValidationFailed
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import canned
from ticketdesk.tickets.actions import AttachmentInput

from .. import actions, feed, queries
from ..models import ChatConversation
from ..realtime import ALL
from .widget import event_stream, not_a_stream_client

CANNED_LIMIT = 50


def chat_agent_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not policy.can(request.user, policy.ANSWER_CHATS):  # signed in without the right
            denied = PermissionDenied(_("You are not allowed to answer chats."))
            if _wants_json(request):
                return JsonResponse(denied.as_dict(), status=denied.status_code)
            return render_domain_error(request, denied)
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _done(request: HttpRequest, chat_id: int | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": True, "chat": chat_id})
    target = reverse("chat:console")
    return redirect(f"{target}?chat={chat_id}" if chat_id else target)


def _failed(request: HttpRequest, problem: DomainError, chat_id: int | None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(problem.as_dict(), status=problem.status_code)
    flash.error(request, problem.message)
    return _done(request, chat_id)


def _chat(request: HttpRequest, chat_id: int) -> ChatConversation:
    chat = queries.console_chat(_user(request), chat_id)
    if chat is None:
        raise Http404
    return chat


def _lists_context(user: User) -> dict[str, Any]:
    mine = list(queries.my_chats(user))
    return {
        "queue": list(queries.queue(user)),
        "mine": mine,
        "limit": queries.chat_limit(user),
        "presence": queries.presence(user),
    }


def _panel_context(user: User, chat: ChatConversation) -> dict[str, Any]:
    answers = [
        (item.title, canned.render_canned(item, chat.ticket, user))
        for item in canned.canned_for(user)[:CANNED_LIMIT]
    ]
    return {
        "chat": chat,
        # `when`: the template formats it in the viewer's language and time zone
        "lines": [{**feed.as_json(e), "when": e.created_at} for e in queries.transcript(chat)],
        "history": list(queries.history(chat)),
        "canned": answers,
        "macros": automation_queries.macro_replies(user, chat.ticket, CANNED_LIMIT),
        "may_handle": policy.can(user, policy.HANDLE_CHAT, chat),
        "may_take": policy.can(user, policy.TAKE_CHAT, chat),
        **queries.transfer_choices(user),
    }


@chat_agent_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    chat_id = request.GET.get("chat", "")
    chat = queries.console_chat(user, int(chat_id)) if chat_id.isdigit() else None
    context = {
        **_lists_context(user),
        **(_panel_context(user, chat) if chat else {}),
        "page_nav": "chat",
        "last_event": queries.last_event_id(),
    }
    return render(request, "chat/console.html", context)


@chat_agent_required
@require_GET
def lists(request: HttpRequest) -> HttpResponse:
    return render(request, "chat/_lists.html", _lists_context(_user(request)))


@chat_agent_required
@require_GET
def panel(request: HttpRequest, chat_id: int) -> HttpResponse:
    user = _user(request)
    return render(request, "chat/_panel.html", _panel_context(user, _chat(request, chat_id)))


@chat_agent_required
@require_GET
def events(request: HttpRequest) -> HttpResponseBase:
    if refused := not_a_stream_client(request):
        return refused
    user = _user(request)
    after = request.headers.get("Last-Event-ID") or request.GET.get("after") or "0"
    return event_stream(
        feed.stream(
            ALL,
            int(after) if after.isdigit() else 0,
            lambda last: queries.console_events(user, last),
        )
    )


@chat_agent_required
@require_POST
def presence(request: HttpRequest) -> HttpResponse:
    raw_limit = request.POST.get("max_chats", "")
    try:
        agent = actions.set_presence(
            _user(request),
            actor=_user(request),
            status=request.POST.get("status") or None,
            max_chats=int(raw_limit) if raw_limit.isdigit() else None,
        )
    except DomainError as problem:
        return _failed(request, problem, None)
    if not _wants_json(request):
        flash.success(
            request,
            _("Saved: you are %(status)s for chats, at most %(n)s at once.")
            % {"status": agent.get_status_display().lower(), "n": agent.max_chats},
        )
    return _done(request)


@chat_agent_required
@require_POST
def accept(request: HttpRequest, chat_id: int) -> HttpResponse:
    try:
        actions.accept(_chat(request, chat_id), _user(request))
    except DomainError as problem:
        return _failed(request, problem, chat_id)
    return _done(request, chat_id)


@chat_agent_required
@require_POST
def say(request: HttpRequest, chat_id: int) -> HttpResponse:
    files = [AttachmentInput.from_upload(f) for f in request.FILES.getlist("file")[:5]]
    try:
        actions.agent_says(
            _chat(request, chat_id), _user(request), request.POST.get("text", ""), files
        )
    except DomainError as problem:
        return _failed(request, problem, chat_id)
    return _done(request, chat_id)


@chat_agent_required
@require_POST
def typing(request: HttpRequest, chat_id: int) -> HttpResponse:
    try:
        actions.typing(_chat(request, chat_id), agent=_user(request))
    except DomainError as problem:
        return _failed(request, problem, chat_id)
    return HttpResponse(status=204)


@chat_agent_required
@require_POST
def transfer(request: HttpRequest, chat_id: int) -> HttpResponse:
    kind, _sep, pk = request.POST.get("to", "").partition(":")
    to_agent = User.objects.filter(pk=pk, is_active=True).first() if kind == "agent" else None
    to_team = Team.objects.filter(pk=pk, active=True).first() if kind == "team" else None
    try:
        if pk and not pk.isdigit():
            raise ValidationFailed(_("Choose an agent or a team."))
        actions.transfer(
            _chat(request, chat_id), _user(request), to_agent=to_agent, to_team=to_team
        )
    except DomainError as problem:
        return _failed(request, problem, chat_id)
    return _done(request)


@chat_agent_required
@require_POST
def end(request: HttpRequest, chat_id: int) -> HttpResponse:
    try:
        actions.end(_chat(request, chat_id), agent=_user(request))
    except DomainError as problem:
        return _failed(request, problem, chat_id)
    return _done(request, chat_id)
