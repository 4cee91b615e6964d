"""Reads of the service catalog, shaped for their pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from ticketdesk.accounts import policy

from .models import Approval, ApprovalState, RequestField, RequestType, ServiceRequest


def offered_types() -> QuerySet[RequestType]:
    return RequestType.objects.filter(active=True).prefetch_related("steps").order_by("order", "id")


def request_type(key: str) -> RequestType | None:
    return (
        RequestType.objects.filter(active=True, key=key)
        .prefetch_related(
            Prefetch("fields", queryset=RequestField.objects.order_by("order", "id")), "steps"
        )
        .first()
    )


def _mine(user: Any) -> Q:
    contact = policy.contact_for(user)
    condition = Q(approver__user_id=user.pk)
    if contact is not None:
        condition |= Q(approver_id=contact.pk)
    if user.email:
        condition |= Q(approver__user__isnull=True, approver__email__iexact=user.email)
    return condition


def approvals_for(user: Any, *, pending: bool = True) -> QuerySet[Approval]:
    """The approvals waiting for `user` (or all theirs), newest first."""
    if not user.is_authenticated:
        return Approval.objects.none()
    qs = Approval.objects.filter(_mine(user))
    if pending:
        qs = qs.filter(state=ApprovalState.PENDING)
    return qs.select_related(
        "approver",
        "service_request__ticket",
        "service_request__request_type",
        "service_request__requester",
    ).order_by("-id")


def approval(pk: int) -> Approval | None:
    return (
        Approval.objects.select_related(
            "approver",
            "service_request__ticket",
            "service_request__request_type",
            "service_request__requester",
        )
        .filter(pk=pk)
        .first()
    )


def for_ticket(ticket_id: int) -> ServiceRequest | None:
    """A ticket's request with its approvals (two queries)."""
    return (
        ServiceRequest.objects.select_related("request_type")
        .prefetch_related(
            Prefetch(
                "approvals",
                queryset=Approval.objects.select_related("approver").order_by("step_order", "id"),
            )
        )
        .filter(ticket_id=ticket_id)
        .first()
    )
