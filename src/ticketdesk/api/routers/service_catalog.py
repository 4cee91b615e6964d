"""/service-catalog: request types, submitting a request, and the caller's approvals."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from ninja import Status as HttpStatus

from ticketdesk.accounts import policy
from ticketdesk.catalog import actions, queries
from ticketdesk.catalog.models import Approval
from ticketdesk.core.errors import NotFound, PermissionDenied

from ..schemas import MAX_ID
from .tickets import ERRORS, WRITE_ERRORS, user_of

router = Router(tags=["service catalog"])


class RequestFieldOut(Schema):
    key: str
    label: str
    kind: str
    required: bool
    choices: list[str]


class RequestTypeOut(Schema):
    key: str
    name: str
    description: str
    needs_approval: bool
    fields: list[RequestFieldOut]


class RequestIn(Schema):
    answers: dict[str, Any] = Field(default_factory=dict)


class RequestOut(Schema):
    id: int
    ticket_number: int
    state: str


class ApprovalOut(Schema):
    id: int
    state: str
    step: int
    request_type: str
    ticket_number: int
    requester: str
    answers: dict[str, Any]


class DecisionIn(Schema):
    approve: bool
    comment: str = Field("", max_length=2000)


def _type_out(request_type: Any) -> dict[str, Any]:
    return {
        "key": request_type.key,
        "name": request_type.translated("name"),
        "description": request_type.translated("description"),
        "needs_approval": bool(request_type.steps.all()),
        "fields": [
            {
                "key": f.key,
                "label": f.translated("label"),
                "kind": f.kind,
                "required": f.required,
                "choices": [str(c) for c in f.choices or []],
            }
            for f in request_type.fields.all()
        ],
    }


def _approval_out(approval: Approval) -> dict[str, Any]:
    request = approval.service_request
    return {
        "id": approval.pk,
        "state": approval.state,
        "step": approval.step_order,
        "request_type": request.request_type.translated("name"),
        "ticket_number": request.ticket.number,
        "requester": request.requester.display_name,
        "answers": request.answers,
    }


@router.get("/request-types", response={200: list[RequestTypeOut], **ERRORS})
def list_request_types(request: HttpRequest) -> Any:
    types = queries.offered_types().prefetch_related("fields")[:200]
    return [_type_out(t) for t in types]


@router.post(
    "/request-types/{key}/requests",
    response={201: RequestOut, **WRITE_ERRORS},
    summary="Request something from the catalog (for oneself)",
)
def submit(request: HttpRequest, key: str, payload: RequestIn) -> Any:
    user = user_of(request)
    request_type = queries.request_type(key)
    if request_type is None:
        raise NotFound(_("No such request type."))
    contact = policy.contact_for(user)
    if contact is None:
        raise PermissionDenied(_("Your account has no contact record."))
    created = actions.submit_request(
        request_type=request_type, requester=contact, answers=payload.answers, actor=user
    )
    return HttpStatus(
        201, {"id": created.pk, "ticket_number": created.ticket.number, "state": created.state}
    )


@router.get("/approvals", response={200: list[ApprovalOut], **ERRORS}, summary="My approvals")
def my_approvals(request: HttpRequest, pending: bool = True) -> Any:
    rows = queries.approvals_for(user_of(request), pending=pending)[:100]
    return [_approval_out(a) for a in rows]


@router.post(
    "/approvals/{approval_id}/decision",
    response={200: ApprovalOut, **WRITE_ERRORS},
    summary="Approve or reject",
)
def decide(
    request: HttpRequest, payload: DecisionIn, approval_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    user = user_of(request)
    approval = queries.approval(approval_id)
    if approval is None or not policy.can(user, policy.DECIDE_APPROVAL, approval):
        raise NotFound(_("No such approval waits for you."))
    actions.decide(approval, approve=payload.approve, actor=user, comment=payload.comment)
    decided = queries.approval(approval_id)
    assert decided is not None
    return _approval_out(decided)
