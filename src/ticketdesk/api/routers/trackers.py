"""/tickets/{number}/tracker-links: a ticket's developer tracker issues; create or link one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as HttpStatus

from ticketdesk.core.errors import NotFound, ValidationFailed
from ticketdesk.tickets import queries as ticket_queries
from ticketdesk.trackers import actions, queries
from ticketdesk.trackers.models import TrackerLink

from .tickets import ERRORS, WRITE_ERRORS, user_of

router = Router(tags=["developer trackers"])


class TrackerLinkOut(Schema):
    id: int
    tracker: str
    connection_id: int
    remote_id: str
    url: str
    title: str
    state: str
    remote_status: str
    updated_at: dt.datetime


class TrackerLinkIn(Schema):
    connection_id: int | None = Field(None, ge=1, description="Create a new issue here")
    url: str = Field("", max_length=500, description="Or link this existing issue")
    title: str = Field("", max_length=250)


def _out(link: TrackerLink) -> dict[str, Any]:
    return {
        "id": link.pk,
        "tracker": link.connection.kind,
        "connection_id": link.connection_id,
        "remote_id": link.remote_id,
        "url": link.url,
        "title": link.title,
        "state": link.state,
        "remote_status": link.remote_status,
        "updated_at": link.updated_at,
    }


@router.get("/{number}/tracker-links", response={200: list[TrackerLinkOut], **ERRORS})
def list_links(request: HttpRequest, number: int) -> Any:
    ticket = ticket_queries.ticket_detail(user_of(request), number)
    return [_out(link) for link in queries.links_for(ticket.pk)[:100]]


@router.post(
    "/{number}/tracker-links",
    response={201: TrackerLinkOut, **WRITE_ERRORS},
    summary="Create a tracker issue from the ticket, or link an existing one",
)
def add_link(request: HttpRequest, number: int, payload: TrackerLinkIn) -> Any:
    user = user_of(request)
    ticket = ticket_queries.ticket_detail(user, number)
    if payload.connection_id is not None:
        connection = queries.active_connections().filter(pk=payload.connection_id).first()
        if connection is None:
            raise NotFound(_("No such tracker."))
        link = actions.create_issue(ticket, connection=connection, actor=user, title=payload.title)
    elif payload.url:
        link = actions.link_issue(ticket, url=payload.url, actor=user)
    else:
        message = _("Give a tracker to create the issue in, or an issue's address.")
        raise ValidationFailed(message, fields={"connection_id": [message], "url": [message]})
    return HttpStatus(201, _out(link))
