"""Admin pages of the email channel at /mail/: mail held for review (release or reject it) and
the quarantine (process it again), every received message, the mailboxes, and moving a
mis-threaded message to another ticket."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ticketdesk.accounts import policy
from ticketdesk.core.errors import DomainError, NotFound, ValidationFailed
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Message, Ticket
from ticketdesk.tickets.numbering import parse_number

from . import queries
from .ingest import reprocess as reprocess_inbound
from .models import InboundState
from .review import probable_ticket, release_candidate
from .review import reject as reject_inbound
from .review import release as release_inbound

RAW_PREVIEW_BYTES = 100_000


@login_required
def inbound_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", queries.NEEDS_REVIEW)
    try:
        page = queries.inbound_page(request.user, state=state, cursor=request.GET.get("cursor"))
    except DomainError as error:
        return render_domain_error(request, error)
    states = [(queries.NEEDS_REVIEW, _("Needs review")), *InboundState.choices]
    return render(
        request,
        "email_channel/inbound_list.html",
        {"page_nav": "mail", "page": page, "state": state, "states": states},
    )


@login_required
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        inbound = queries.inbound_detail(request.user, pk)
    except DomainError as error:
        return render_domain_error(request, error)
    raw = bytes(inbound.raw[:RAW_PREVIEW_BYTES]).decode("utf-8", "replace")
    return render(
        request,
        "email_channel/inbound_detail.html",
        {
            "page_nav": "mail",
            "inbound": inbound,
            "raw": raw,
            "release_agent": release_candidate(inbound),
            "probable_ticket": probable_ticket(inbound),
        },
    )


@login_required
@require_POST
def reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        inbound = reprocess_inbound(queries.inbound_detail(request.user, pk))
    except DomainError as error:
        return render_domain_error(request, error)
    if inbound.state == InboundState.QUARANTINED:
        flash.error(request, _("Still quarantined: %(reason)s") % {"reason": inbound.reason})
    else:
        flash.success(request, _("Processed: %(state)s.") % {"state": inbound.get_state_display()})
    return redirect("email_channel:inbound_detail", pk=inbound.pk)


@login_required
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    """Post held mail: `as=agent` as the agent's own message, otherwise as a customer-side
    message from its From address."""
    as_agent = request.POST.get("as") == "agent"
    try:
        inbound = queries.inbound_detail(request.user, pk)
        if as_agent and request.POST.get("confirmed") != "1":
            # posting as an agent mails the customer in the agent's name: confirm first
            agent = release_candidate(inbound)
            if agent is not None:
                return render(
                    request,
                    "email_channel/release_confirm.html",
                    {
                        "page_nav": "mail",
                        "inbound": inbound,
                        "release_agent": agent,
                        "probable_ticket": probable_ticket(inbound),
                    },
                )
        inbound = release_inbound(inbound, as_agent=as_agent, actor=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        return render_domain_error(request, error)
    if inbound.state == InboundState.PROCESSED:
        flash.success(request, inbound.reason)
    else:
        flash.error(request, _("Not released: %(reason)s") % {"reason": inbound.reason})
    return redirect("email_channel:inbound_detail", pk=inbound.pk)


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        inbound = reject_inbound(queries.inbound_detail(request.user, pk), actor=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        return render_domain_error(request, error)
    flash.success(request, _("Rejected: nothing was posted or sent."))
    return redirect("email_channel:inbound_detail", pk=inbound.pk)


@login_required
def outbound_list(request: HttpRequest) -> HttpResponse:
    failing = request.GET.get("failing") == "1"
    try:
        page = queries.outbound_page(
            request.user, failing=failing, cursor=request.GET.get("cursor")
        )
    except DomainError as error:
        return render_domain_error(request, error)
    return render(
        request,
        "email_channel/outbound_list.html",
        {"page_nav": "mail", "page": page, "failing": failing},
    )


@login_required
def mailbox_list(request: HttpRequest) -> HttpResponse:
    try:
        mailboxes = list(queries.mailboxes(request.user))
    except DomainError as error:
        return render_domain_error(request, error)
    return render(
        request, "email_channel/mailbox_list.html", {"page_nav": "mail", "mailboxes": mailboxes}
    )


@login_required
@require_POST
def move_message(request: HttpRequest, message_id: int) -> HttpResponse:
    """Move a mis-threaded message to the ticket numbered in the form (policy: EDIT on both
    tickets, checked by the action)."""
    try:
        message = Message.objects.select_related("ticket").filter(pk=message_id).first()
        if message is None or not policy.can(request.user, policy.VIEW, message):
            raise NotFound(_("This message does not exist."))
        number = parse_number(request.POST.get("ticket", ""))
        target = Ticket.objects.filter(number=number).first() if number is not None else None
        if target is None or not policy.can(request.user, policy.VIEW, target):
            raise ValidationFailed(
                _("No such ticket."), fields={"ticket": [_("Enter an existing ticket number.")]}
            )
        actions.move_message(message, target, actor=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        return render_domain_error(request, error)
    flash.success(request, _("Message moved to %(number)s.") % {"number": target.display_number})
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect(f"/t/{target.number}/")
