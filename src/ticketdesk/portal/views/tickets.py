"""Customer pages: home, submit a request (with knowledge base deflection), my tickets,
the public conversation, reply, close/reopen, attachment download."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.accounts import actions as account_actions
from ticketdesk.accounts import policy, ratelimit
from ticketdesk.core.errors import DomainError, ValidationFailed
from ticketdesk.core.pagination import keyset_page
from ticketdesk.core.views import render_domain_error
from ticketdesk.kb.queries import visible_articles
from ticketdesk.smart import retrieval as smart_retrieval
from ticketdesk.tickets import actions as ticket_actions
from ticketdesk.tickets import custom_fields, queries, workflow
from ticketdesk.tickets.models import (
    DONE_CATEGORIES,
    Attachment,
    LinkKind,
    MessageKind,
    StatusCategory,
    TicketType,
    WorkflowSettings,
)

from .. import actions, consent
from ..forms import RatingForm, ReplyForm, TicketForm, apply_domain_error
from ..models import ConsentForm, SatisfactionRating
from .common import contact_of, portal_settings, render_portal

DEFLECTION_SESSION_KEY = "portal_deflections"
PAGE_SIZE = 25
MAX_NOT_SOLVED_COMMENT = 5000


def _login_required(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("portal:login"))
    return None


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    from ticketdesk.kb.queries import categories_with_sections

    recent: list[Any] = []
    if request.user.is_authenticated:
        recent = list(queries.tickets_for_list(request.user).order_by("-updated_at", "-id")[:5])
    return render_portal(
        request,
        "portal/home.html",
        {"categories": categories_with_sections()[:12], "recent": recent, "page_nav": "home"},
    )


@require_GET
def choose_type(request: HttpRequest) -> HttpResponse:
    portal = portal_settings(request)
    if not request.user.is_authenticated and not portal.allow_guest_tickets:
        return redirect_to_login(request.get_full_path(), reverse("portal:login"))
    types = list(TicketType.objects.filter(active=True).order_by("order", "name"))
    if len(types) == 1:
        return HttpResponseRedirect(reverse("portal:new_ticket", args=[types[0].key]))
    return render_portal(request, "portal/choose_type.html", {"types": types, "page_nav": "new"})


def _attachments(request: HttpRequest) -> list[ticket_actions.AttachmentInput]:
    return [
        ticket_actions.AttachmentInput.from_upload(f) for f in request.FILES.getlist("attachments")
    ]


@require_http_methods(["GET", "POST"])
def new_ticket(request: HttpRequest, type_key: str) -> HttpResponse:
    portal = portal_settings(request)
    guest = not request.user.is_authenticated
    if guest and not portal.allow_guest_tickets:
        return redirect_to_login(request.get_full_path(), reverse("portal:login"))
    ticket_type = get_object_or_404(TicketType, key=type_key, active=True)
    definitions = list(custom_fields.definitions_for(ticket_type).order_by("order", "label"))
    form = TicketForm(
        request.POST or None, request.FILES or None, definitions=definitions, guest=guest
    )
    if request.method == "POST" and form.is_valid():
        if form.is_spam():
            # the honeypot was filled: say thanks and do nothing
            return render_portal(request, "portal/ticket_submitted.html", {"ticket": None})
        if guest and not ratelimit.hit(
            f"portal-guest:{ratelimit.client_ip(request)}", limit=5, window_seconds=3600
        ):
            form.add_error(None, _("Too many requests from your network. Try again later."))
            return _render_new(request, form, ticket_type, status=429)
        try:
            requester = (
                account_actions.get_or_create_contact(
                    form.cleaned_data["email"], form.cleaned_data["name"]
                )
                if guest
                else contact_of(request)
            )
            if requester is None:
                raise ValidationFailed(_("Your login is not linked to a customer contact."))
            ticket = actions.submit_ticket(
                requester=requester,
                actor=None if guest else request.user,  # type: ignore[arg-type]
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["description"],
                ticket_type=ticket_type,
                category=form.cleaned_data.get("category"),
                urgency=int(form.cleaned_data["urgency"]),
                impact=int(form.cleaned_data["impact"]),
                custom_field_values=form.custom_values(),
                attachments=_attachments(request),
                deflection_ids=request.session.pop(DEFLECTION_SESSION_KEY, []),
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            consent.record_if_given(form, requester, ConsentForm.REQUEST)
            if guest:
                return render_portal(request, "portal/ticket_submitted.html", {"ticket": ticket})
            return HttpResponseRedirect(
                reverse("portal:ticket", args=[ticket.number]) + "?created=1"
            )
    return _render_new(request, form, ticket_type, status=400 if form.errors else 200)


def _render_new(
    request: HttpRequest, form: TicketForm, ticket_type: TicketType, status: int = 200
) -> HttpResponse:
    return render_portal(
        request,
        "portal/new_ticket.html",
        {"form": form, "ticket_type": ticket_type, "page_nav": "new"},
        status=status,
    )


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """htmx: knowledge base articles for the subject being typed: those that solved similar
    tickets first when a model is trained (smart support), else the knowledge base search."""
    text = (request.GET.get("subject") or request.GET.get("q") or "")[:200]
    allowed = ratelimit.hit(
        f"portal-suggest:{ratelimit.client_ip(request)}", limit=120, window_seconds=60
    )
    hits = (
        smart_retrieval.articles_for_text(request.user, text, limit=5)
        if allowed and len(text.strip()) >= 3
        else []
    )
    return render_portal(request, "portal/_suggestions.html", {"hits": hits, "query": text})


@require_GET
def deflect(request: HttpRequest, article_id: int) -> HttpResponse:
    """A suggestion was opened: record it, then show the article."""
    article = get_object_or_404(visible_articles(request.user), pk=article_id)
    if not request.session.session_key:
        request.session.save()
    event = actions.record_deflection(
        article,
        query=request.GET.get("q", ""),
        session_key=request.session.session_key or "",
        contact=contact_of(request),
    )
    ids = [*request.session.get(DEFLECTION_SESSION_KEY, []), event.pk][-20:]
    request.session[DEFLECTION_SESSION_KEY] = ids
    return HttpResponseRedirect(reverse("kb:article", args=[article.slug]) + "?from=suggestion")


@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    if (redirect := _login_required(request)) is not None:
        return redirect
    contact = contact_of(request)
    qs = queries.tickets_for_list(request.user)
    scope = request.GET.get("scope", "all")
    if scope == "mine":
        qs = qs.filter(requester_id=contact.pk if contact else 0)
    state = request.GET.get("state", "")
    if state == "open":
        qs = qs.exclude(status_category__in=DONE_CATEGORIES)
    elif state == "solved":
        qs = qs.filter(status_category__in=DONE_CATEGORIES)
    text = (request.GET.get("q") or "").strip()[:200]
    if text:
        from ticketdesk.tickets.numbering import parse_number

        number = parse_number(text)
        qs = qs.filter(
            Q(subject__icontains=text) | Q(number=number) if number else Q(subject__icontains=text)
        )
    try:
        page = keyset_page(
            qs, ["-updated_at", "-id"], cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except ValidationFailed as error:
        return render_domain_error(request, error)
    has_org = bool(contact and contact.organizations.filter(shared_tickets=True).exists())
    return render_portal(
        request,
        "portal/ticket_list.html",
        {
            "page": page,
            "scope": scope,
            "state": state,
            "q": text,
            "has_org": has_org,
            "page_nav": "tickets",
        },
    )


def _public_messages(request: HttpRequest, ticket: Any) -> Any:
    # The policy already hides internal notes from customers; the portal never shows them
    # to anyone (agents looking at the portal see what the customer sees).
    return queries.messages_for(request.user, ticket).filter(kind=MessageKind.PUBLIC)


@require_GET
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    if (redirect := _login_required(request)) is not None:
        return redirect
    try:
        ticket = queries.ticket_detail(request.user, number)
    except DomainError as error:
        return render_domain_error(request, error)
    return _render_ticket(request, ticket, ReplyForm())


def _field_files(request: HttpRequest, ticket: Any) -> list[tuple[str, Any]]:
    """(label, attachment) of the ticket's fields of type "file" the portal asks."""
    files = queries.field_files(request.user, ticket)
    return [
        (definition.translated("label"), files[definition.key])
        for definition in custom_fields.active_definitions()
        if definition.key in files and definition.visible_to_customers
    ]


def _render_ticket(request: HttpRequest, ticket: Any, form: ReplyForm, status: int = 200) -> Any:
    contact = contact_of(request)
    portal = portal_settings(request)
    is_requester = contact is not None and ticket.requester_id == contact.pk
    rating = SatisfactionRating.objects.filter(ticket=ticket).first()
    can_close_own = policy.can(request.user, policy.CLOSE_OWN, ticket)
    can_rate = (
        portal.csat_enabled
        and is_requester
        and ticket.status_category in (StatusCategory.RESOLVED, StatusCategory.CLOSED)
    )
    return render_portal(
        request,
        "portal/ticket_detail.html",
        {
            "ticket": ticket,
            "field_files": _field_files(request, ticket),
            "conversation": list(_public_messages(request, ticket)),
            "form": form,
            "can_reply": policy.can(request.user, policy.REPLY, ticket),
            "can_close": can_close_own and ticket.status_category not in DONE_CATEGORIES,
            "can_reopen": can_close_own
            and ticket.status_category in DONE_CATEGORIES
            and _reopenable(ticket),
            "asks_confirmation": is_requester and ticket.status_category == StatusCategory.RESOLVED,
            "auto_close_days": WorkflowSettings.current().auto_close_days,
            "resolution_checklist": [
                item for item in ticket.verification or [] if item.get("value")
            ],
            "rating": rating,
            "rating_form": RatingForm(
                scale=portal.csat_scale,
                initial={"score": rating.score, "comment": rating.comment} if rating else None,
            )
            if can_rate
            else None,
            "created": request.GET.get("created") == "1",
            "follows_up": actions.replies_open_follow_up(ticket),
            "follow_up_of": _follow_up_of(request, ticket),
            "follow_up_created": bool(request.GET.get("follow_up_of")),
            "page_nav": "tickets",
        },
        status=status,
    )


def _follow_up_of(request: HttpRequest, ticket: Any) -> Any:
    """The earlier request this one follows up, if the viewer may see it."""
    link = ticket.links_out.filter(kind=LinkKind.FOLLOW_UP).select_related("target").first()
    if link is None or not policy.can(request.user, policy.VIEW, link.target):
        return None
    return link.target


def _reopenable(ticket: Any) -> bool:
    return (
        workflow.reopen_target(
            ticket.status,
            assigned=ticket.assignee_id is not None,
            ticket_type_id=ticket.ticket_type_id,
        )
        is not None
    )


@require_POST
def ticket_reply(request: HttpRequest, number: int) -> HttpResponse:
    if (redirect := _login_required(request)) is not None:
        return redirect
    try:
        ticket = queries.ticket_detail(request.user, number)
    except DomainError as error:
        return render_domain_error(request, error)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            if actions.replies_open_follow_up(ticket):
                # closed for good: the text opens a follow-up linked to it, never lost
                follow_up = actions.open_follow_up(
                    ticket,
                    actor=request.user,  # type: ignore[arg-type]
                    body=form.cleaned_data["body"],
                    attachments=_attachments(request),
                )
                url = reverse("portal:ticket", args=[follow_up.number])
                return HttpResponseRedirect(f"{url}?follow_up_of={ticket.number}")
            ticket_actions.reply(
                ticket,
                actor=request.user,  # type: ignore[arg-type]
                body=form.cleaned_data["body"],
                channel="portal",
                attachments=_attachments(request),
            )
        except DomainError as error:
            if error.status_code == 403:
                return render_domain_error(request, error)
            apply_domain_error(form, error)
        else:
            return HttpResponseRedirect(reverse("portal:ticket", args=[ticket.number]) + "#latest")
    return _render_ticket(request, ticket, form, status=400)


@require_POST
def ticket_status(request: HttpRequest, number: int) -> HttpResponse:
    """Close (as solved) or reopen one's own ticket; on a resolved ticket, confirm that it is
    solved (closes it) or say it is not (reopens it)."""
    if (redirect := _login_required(request)) is not None:
        return redirect
    action = request.POST.get("action")
    try:
        ticket = queries.ticket_detail(request.user, number)
        contact = contact_of(request)
        if action in ("confirm", "not_solved") and contact is not None:
            actions.confirm_solution(
                ticket,
                contact=contact,
                solved=action == "confirm",
                actor=request.user,  # type: ignore[arg-type]
                comment=request.POST.get("comment", "")[:MAX_NOT_SOLVED_COMMENT],
            )
            messages.success(
                request,
                _("Thank you: the request is closed as solved.")
                if action == "confirm"
                else _("Thank you: the request is open again and the team has your comment."),
            )
            anchor = "#rating" if action == "confirm" else ""
            return HttpResponseRedirect(reverse("portal:ticket", args=[number]) + anchor)
        # "My problem is solved" resolves (reopenable, asks for a rating); closed is final
        category = StatusCategory.OPEN if action == "reopen" else StatusCategory.RESOLVED
        if category == StatusCategory.OPEN:
            target = workflow.reopen_target(
                ticket.status,
                assigned=ticket.assignee_id is not None,
                ticket_type_id=ticket.ticket_type_id,
            )
            if target is None:
                raise ValidationFailed(_("This request cannot be reopened; please write to us."))
        else:
            target = workflow.status_for_category(category)
            if not workflow.is_allowed(ticket.status, target, ticket_type_id=ticket.ticket_type_id):
                target = workflow.status_for_category(StatusCategory.CLOSED)
        ticket_actions.change_status(ticket, target, actor=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        return render_domain_error(request, error)
    return HttpResponseRedirect(reverse("portal:ticket", args=[ticket.number]))


@require_GET
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """Any user the policy lets see the attachment (customers and agents alike)."""
    if (redirect := _login_required(request)) is not None:
        return redirect
    attachment = (
        Attachment.objects.select_related("message", "ticket").filter(pk=attachment_id).first()
    )
    if attachment is None or not policy.can_see_attachment(request.user, attachment):
        raise Http404
    inline = attachment.content_type in ("image/png", "image/jpeg", "image/gif")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
