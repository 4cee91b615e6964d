"""The signed link in an approval e-mail (django.core.signing): it names the approval and
its approver and expires (TICKETDESK["APPROVAL_LINK_DAYS"], 14 days by default). Nothing is
stored; the decision itself is a POST from the page the link opens."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from .models import Approval

SALT = "ticketdesk.catalog.approval"
DEFAULT_DAYS = 14


def max_age() -> int:
    return int(settings.TICKETDESK.get("APPROVAL_LINK_DAYS", DEFAULT_DAYS)) * 24 * 3600


def approval_token(approval: Approval) -> str:
    return signing.dumps({"a": approval.pk, "c": approval.approver_id}, salt=SALT)


def approval_from_token(token: str) -> Approval | None:
    """The approval a link names, if the link is genuine, unexpired and still its approver's."""
    try:
        value = signing.loads(token, salt=SALT, max_age=max_age())
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(value, dict):
        return None
    approval = (
        Approval.objects.select_related(
            "approver",
            "service_request__ticket",
            "service_request__request_type",
            "service_request__requester",
        )
        .filter(pk=int(value.get("a") or 0))
        .first()
    )
    if approval is None or approval.approver_id != value.get("c"):
        return None
    return approval
