"""/attachments/{id}: download, after asking the policy."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router

from ticketdesk.accounts import policy
from ticketdesk.core.errors import NotFound
from ticketdesk.tickets.models import Attachment

from ..schemas import MAX_ID
from .tickets import ERRORS, user_of

router = Router(tags=["attachments"])

BINARY = {
    "responses": {
        200: {
            "description": "The file",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/{attachment_id}",
    response={**ERRORS},
    url_name="attachment_download",
    summary="Download an attachment",
    openapi_extra=BINARY,
)
def download(request: HttpRequest, attachment_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    attachment = (
        Attachment.objects.select_related("message", "message__ticket", "ticket")
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None or not policy.can_see_attachment(user_of(request), attachment):
        # the same answer for hidden and missing files: ids reveal nothing
        raise NotFound(_("This file does not exist or you cannot see it."))
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
