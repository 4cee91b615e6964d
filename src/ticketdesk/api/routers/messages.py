"""/tickets/{number}/messages, /replies, /notes and multipart /attachments."""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Header, Query, Router
from ninja import Status as HttpStatus
from ninja.files import UploadedFile

from ticketdesk.core.errors import Conflict
from ticketdesk.tickets import actions, queries
from ticketdesk.tickets.actions.attachments import check_size
from ticketdesk.tickets.models import Message, Status

from .. import idempotency, serializers
from ..lookups import optional_pick, parse_if_match
from ..paging import page_of
from ..schemas import In, MessageIn, MessageOut, MessagePage
from .tickets import ERRORS, WRITE_ERRORS, Number, get_ticket, user_of, with_current_state

router = Router(tags=["messages"])


class PageParams(In):
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(50, ge=1, le=100)


@router.get(
    "/{number}/messages", response={200: MessagePage, **ERRORS}, summary="A ticket's messages"
)
def list_messages(request: HttpRequest, params: Query[PageParams], number: int = Number) -> Any:
    ticket = get_ticket(request, number)
    qs = queries.messages_for(user_of(request), ticket)
    page = page_of(qs, ["created_at", "id"], cursor=params.cursor, limit=params.limit)
    return {
        "items": [serializers.message_out(m) for m in page.items],
        "next_cursor": page.next_cursor,
    }


def _load_message(user: Any, pk: int) -> Message:
    message = Message.objects.select_related("ticket").get(pk=pk)
    return queries.messages_for(user, message.ticket).get(pk=pk)


def _post(
    request: HttpRequest,
    response: HttpResponse,
    kind: Literal["reply", "note"],
    number: int,
    payload: MessageIn,
    key: str | None,
    if_match: str | None,
) -> Any:
    user = user_of(request)
    ticket = get_ticket(request, number)
    version = payload.version or parse_if_match(if_match)

    def create() -> Message:
        if kind == "reply":
            return actions.reply(
                ticket,
                actor=user,
                body=payload.body,
                body_html=payload.body_html,
                markdown=payload.markdown,
                channel="api",
                status=optional_pick(Status.objects.all(), "status", payload.status, "key"),
                expected_version=version,
            )
        return actions.add_note(
            ticket,
            actor=user,
            body=payload.body,
            body_html=payload.body_html,
            markdown=payload.markdown,
            channel="api",
            expected_version=version,
        )

    try:
        message, replayed = idempotency.run_once(
            user=user,
            key=key,
            endpoint=f"tickets.{kind}:{ticket.pk}",
            payload=payload.dict(),
            create=create,
            load=lambda pk: _load_message(user, pk),
        )
    except Conflict as exc:
        raise with_current_state(request, ticket.pk, exc) from None
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return HttpStatus(201, serializers.message_out(_load_message(user, message.pk)))


@router.post(
    "/{number}/replies", response={201: MessageOut, **WRITE_ERRORS}, summary="Public reply"
)
def post_reply(
    request: HttpRequest,
    response: HttpResponse,
    payload: MessageIn,
    number: int = Number,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    if_match: str | None = Header(None, alias="If-Match"),
) -> Any:
    return _post(request, response, "reply", number, payload, idempotency_key, if_match)


@router.post("/{number}/notes", response={201: MessageOut, **WRITE_ERRORS}, summary="Internal note")
def post_note(
    request: HttpRequest,
    response: HttpResponse,
    payload: MessageIn,
    number: int = Number,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    if_match: str | None = Header(None, alias="If-Match"),
) -> Any:
    return _post(request, response, "note", number, payload, idempotency_key, if_match)


@router.post(
    "/{number}/attachments",
    response={201: MessageOut, **WRITE_ERRORS},
    summary="Upload files as a reply or note",
    description="multipart/form-data: one or more `files`, an optional `body` and `kind` "
    "(public or internal). Files above the configured limit get 413.",
)
def upload_attachments(
    request: HttpRequest,
    files: File[list[UploadedFile]],
    number: int = Number,
    body: str = Form("", max_length=200_000),
    kind: Literal["public", "internal"] = Form("public"),
) -> Any:
    user = user_of(request)
    ticket = get_ticket(request, number)
    limit = settings.TICKETDESK["MAX_ATTACHMENT_BYTES"]
    for upload in files:
        if (upload.size or 0) > limit:
            check_size(upload.size or 0)
    items = [actions.AttachmentInput.from_upload(upload) for upload in files]
    body = body.replace("\x00", "")
    if kind == "internal":
        message = actions.add_note(ticket, actor=user, body=body, attachments=items, channel="api")
    else:
        message = actions.reply(ticket, actor=user, body=body, attachments=items, channel="api")
    return HttpStatus(201, serializers.message_out(_load_message(user, message.pk)))
