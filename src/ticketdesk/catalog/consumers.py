"""The catalog's consumer: approval events become e-mails (intent rows sent after commit by
core.mail): each approver asked gets a signed link; the requester hears of every decision.
Never for historical events (the demo)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from ticketdesk.core import mail, outbox
from ticketdesk.core.models import OutboxMessage

from .actions.requests import DECIDED_TOPIC, REQUESTED_TOPIC
from .answers import labelled
from .models import Approval, ApprovalState
from .tokens import approval_token

RELATED = (
    "approver__user",
    "service_request__ticket",
    "service_request__request_type",
    "service_request__requester__user",
)


def _language(contact: object) -> str:
    user = getattr(contact, "user", None)
    return (
        getattr(contact, "language", "")
        or (getattr(user, "language", "") if user is not None else "")
        or settings.LANGUAGE_CODE
    )


def _ask(approval: Approval) -> None:
    request = approval.service_request
    url = settings.SITE_URL + reverse("catalog:approve_link", args=[approval_token(approval)])
    with translation.override(_language(approval.approver)):
        answers = labelled(list(request.request_type.fields.all()), request.answers)
        context = {"approval": approval, "request": request, "url": url, "answers": answers}
        subject = render_to_string("catalog/email/approval_subject.txt", context)
        body = render_to_string("catalog/email/approval_request.txt", context)
    mail.queue_mail(
        dedupe_key=f"approval-request:{approval.pk}",
        to=[approval.approver.email],
        subject=subject,
        body=body,
        headers={"Auto-Submitted": "auto-generated"},
        ticket_id=request.ticket_id,
        purpose="approval",
    )


def _tell_requester(approval: Approval, request_state: str) -> None:
    request = approval.service_request
    requester = request.requester
    url = settings.SITE_URL + reverse("portal:ticket", args=[request.ticket.number])
    with translation.override(_language(requester)):
        context = {
            "approval": approval,
            "request": request,
            "state": request_state,
            "url": url,
        }
        subject = render_to_string("catalog/email/decision_subject.txt", context)
        body = render_to_string("catalog/email/decision.txt", context)
    mail.queue_mail(
        dedupe_key=f"approval-decided:{approval.pk}",
        to=[requester.email],
        subject=subject,
        body=body,
        headers={"Auto-Submitted": "auto-generated"},
        ticket_id=request.ticket_id,
        purpose="approval",
    )


@outbox.consumer("catalog-mail", topics={REQUESTED_TOPIC, DECIDED_TOPIC}, live_only=True)
def mail_approvals(events: list[OutboxMessage]) -> None:
    wanted: set[int] = set()
    for event in events:
        payload = event.payload or {}
        wanted.update(int(i) for i in payload.get("approval_ids") or [])
        if payload.get("approval_id"):
            wanted.add(int(payload["approval_id"]))
    approvals = Approval.objects.select_related(*RELATED).in_bulk(list(wanted))
    for event in events:
        payload = event.payload or {}
        if event.topic == REQUESTED_TOPIC:
            for pk in payload.get("approval_ids") or []:
                approval = approvals.get(int(pk))
                if approval is not None and approval.state == ApprovalState.PENDING:
                    _ask(approval)
        else:
            approval = approvals.get(int(payload.get("approval_id") or 0))
            if approval is not None:
                _tell_requester(approval, str(payload.get("request_state") or ""))
