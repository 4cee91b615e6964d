"""Links between tickets on the ticket page: link, unlink, merge and split."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ticketdesk.core.errors import (
    DomainError,
    NotFound,
    ValidationFailed,
)
from ticketdesk.tickets import actions, queries
from ticketdesk.tickets.models import (
    LinkKind,
    Ticket,
    TicketLink,
)
from ticketdesk.tickets.numbering import parse_number

from .common import current_user, staff_required
from .ticket import _ticket

PRESENCE_SECONDS = 30
POLL_SECONDS = 10


def _other_ticket(request: HttpRequest, raw: str) -> Ticket:
    number = parse_number(raw or "")
    if number is None:
        raise ValidationFailed(_("Enter a ticket number, like #1042."))
    return queries.ticket_detail(current_user(request), number)


@staff_required
@require_POST
def add_link(request: HttpRequest, number: int) -> HttpResponse:
    try:
        ticket = _ticket(request, number)
        other = _other_ticket(request, request.POST.get("number", ""))
        kind = request.POST.get("kind", LinkKind.RELATED)
        if kind not in LinkKind.values:
            raise ValidationFailed(_("Choose a kind of link."))
        actions.link(ticket, other, kind, actor=current_user(request))
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Linked to %(n)s.") % {"n": other.display_number})
    return redirect("workspace:ticket", number=number)


@staff_required
@require_POST
def remove_link(request: HttpRequest, number: int, link_id: int) -> HttpResponse:
    try:
        ticket = _ticket(request, number)
        link = TicketLink.objects.filter(pk=link_id).first()
        if link is None or ticket.pk not in (link.source_id, link.target_id):
            raise NotFound(_("This link does not exist."))
        actions.unlink(link, actor=current_user(request))
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Link removed."))
    return redirect("workspace:ticket", number=number)


@staff_required
@require_POST
def merge(request: HttpRequest, number: int) -> HttpResponse:
    try:
        ticket = _ticket(request, number)
        target = _other_ticket(request, request.POST.get("number", ""))
        actions.merge(ticket, target, actor=current_user(request))
    except DomainError as err:
        messages.error(request, err.message)
        return redirect("workspace:ticket", number=number)
    messages.success(
        request,
        _("%(a)s was merged into this ticket.") % {"a": ticket.display_number},
    )
    return redirect("workspace:ticket", number=target.number)


@staff_required
@require_POST
def split(request: HttpRequest, number: int, message_id: int) -> HttpResponse:
    try:
        ticket = _ticket(request, number)
        message = queries.messages_for(current_user(request), ticket).filter(pk=message_id).first()
        if message is None:
            raise NotFound(_("This message does not exist."))
        new_ticket = actions.split(message, actor=current_user(request))
    except DomainError as err:
        messages.error(request, err.message)
        return redirect("workspace:ticket", number=number)
    messages.success(request, _("The message now starts %(n)s.") % {"n": new_ticket.display_number})
    return redirect("workspace:ticket", number=new_ticket.number)
