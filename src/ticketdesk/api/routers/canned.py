"""/canned-responses: saved replies the caller may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from ticketdesk.tickets.canned import canned_for

from ..schemas import CannedResponseOut
from .contacts import require_staff
from .tickets import ERRORS, user_of

router = Router(tags=["canned responses"])


@router.get("", response={200: list[CannedResponseOut], **ERRORS}, summary="Canned responses")
def list_canned(request: HttpRequest) -> Any:
    user = user_of(request)
    require_staff(user)
    return [
        {"id": canned.pk, "title": canned.title, "body": canned.body}
        for canned in canned_for(user)[:500]
    ]
