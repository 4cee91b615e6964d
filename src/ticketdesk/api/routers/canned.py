"""/canned-responses: the workspace's saved replies (mounted only when that model exists)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Model
from django.http import HttpRequest
from ninja import Router

from ..schemas import CannedResponseOut
from .contacts import require_staff
from .tickets import ERRORS, user_of

router = Router(tags=["canned responses"])


def canned_model() -> type[Model] | None:
    try:
        return apps.get_model("workspace", "CannedResponse")
    except LookupError:
        return None


def _visible(model: type[Model], user: Any) -> Any:
    """The workspace's own visibility rule (team, owner, shared) when it has one."""
    try:
        from ticketdesk.workspace.canned import canned_for
    except ImportError:
        return model._default_manager.none()
    return canned_for(user)


def _text(obj: Any, *names: str) -> str:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return str(value)
    return ""


@router.get("", response={200: list[CannedResponseOut], **ERRORS}, summary="Canned responses")
def list_canned(request: HttpRequest) -> Any:
    user = user_of(request)
    require_staff(user)
    model = canned_model()
    if model is None:
        return []
    return [
        {
            "id": obj.pk,
            "title": _text(obj, "title", "name"),
            "body": _text(obj, "body", "body_text", "text", "body_html"),
        }
        for obj in _visible(model, user)[:500]
    ]
