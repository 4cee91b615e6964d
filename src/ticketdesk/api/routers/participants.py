"""Watchers, CC, and message surgery (split off, move) on a ticket."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Router
from ninja import Status as HttpStatus

from ticketdesk.accounts import actions as account_actions
from ticketdesk.accounts.models import User
from ticketdesk.core.errors import NotFound
from ticketdesk.tickets import actions, queries

from .. import serializers
from ..lookups import pick
from ..schemas import MAX_ID, Id, In, MessageOut, TicketOut
from .tickets import WRITE_ERRORS, Number, detail_response, get_ticket, user_of

router = Router(tags=["tickets"])


class CcIn(In):
    email: str = Field(..., min_length=3, max_length=254)
    name: str = Field("", max_length=200)


class SplitIn(In):
    subject: str | None = Field(None, max_length=250)


class MoveIn(In):
    to: Id = Field(..., description="Number of the ticket to move the message to.")


@router.post(
    "/{number}/watchers/{user_id}",
    response={200: TicketOut, **WRITE_ERRORS},
    summary="Add a watcher",
)
def add_watcher(
    request: HttpRequest,
    response: HttpResponse,
    number: int = Number,
    user_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    ticket = get_ticket(request, number)
    watcher = pick(User.objects.filter(is_active=True), "user_id", pk=user_id)
    ticket = actions.add_watcher(ticket, watcher, actor=user_of(request))
    return detail_response(request, response, ticket)


@router.delete(
    "/{number}/watchers/{user_id}",
    response={200: TicketOut, **WRITE_ERRORS},
    summary="Remove a watcher",
)
def remove_watcher(
    request: HttpRequest,
    response: HttpResponse,
    number: int = Number,
    user_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    ticket = get_ticket(request, number)
    watcher = pick(User.objects.all(), "user_id", pk=user_id)
    ticket = actions.remove_watcher(ticket, watcher, actor=user_of(request))
    return detail_response(request, response, ticket)


@router.post("/{number}/cc", response={200: TicketOut, **WRITE_ERRORS}, summary="Add a CC")
def add_cc(
    request: HttpRequest, response: HttpResponse, payload: CcIn, number: int = Number
) -> Any:
    ticket = get_ticket(request, number)
    from ticketdesk.accounts import policy

    policy.require(user_of(request), policy.EDIT, ticket)
    contact = account_actions.get_or_create_contact(payload.email, payload.name)
    ticket = actions.add_cc(ticket, contact, actor=user_of(request))
    return detail_response(request, response, ticket)


def _message(request: HttpRequest, number: int, message_id: int) -> Any:
    ticket = get_ticket(request, number)
    message = queries.messages_for(user_of(request), ticket).filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("No such message."))
    return message


@router.post(
    "/{number}/messages/{message_id}/split",
    response={201: TicketOut, **WRITE_ERRORS},
    summary="Split a message off into a new ticket",
)
def split_message(
    request: HttpRequest,
    response: HttpResponse,
    payload: SplitIn,
    number: int = Number,
    message_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    message = _message(request, number, message_id)
    ticket = actions.split(message, actor=user_of(request), subject=payload.subject or None)
    return HttpStatus(201, detail_response(request, response, ticket))


@router.post(
    "/{number}/messages/{message_id}/move",
    response={200: MessageOut, **WRITE_ERRORS},
    summary="Move a message to another ticket",
)
def move_message(
    request: HttpRequest,
    payload: MoveIn,
    number: int = Number,
    message_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    message = _message(request, number, message_id)
    target = get_ticket(request, payload.to)
    moved = actions.move_message(message, target, actor=user_of(request))
    fresh = queries.messages_for(user_of(request), target).get(pk=moved.pk)
    return serializers.message_out(fresh)
