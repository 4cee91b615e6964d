"""Deciding an approval: from the signed e-mail link, the portal, the workspace or the API."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import User
from ticketdesk.core import clock, outbox
from ticketdesk.core.errors import Conflict, ValidationFailed
from ticketdesk.tickets import actions as ticket_actions
from ticketdesk.tickets import workflow

from ..models import Approval, ApprovalRule, ApprovalState, RequestState, ServiceRequest
from .requests import DECIDED_TOPIC, open_step, resolve_approvers

MAX_COMMENT = 2000


def step_outcome(rule: str, approvals: list[Approval]) -> str | None:
    """APPROVED or REJECTED once the step is decided, None while it waits. One of them: the
    first decision decides; all of them: every approval is needed, one rejection rejects."""
    states = [a.state for a in approvals]
    if ApprovalState.REJECTED in states:
        return ApprovalState.REJECTED
    if rule == ApprovalRule.ANY and ApprovalState.APPROVED in states:
        return ApprovalState.APPROVED
    if states and all(s == ApprovalState.APPROVED for s in states):
        return ApprovalState.APPROVED
    return None


def _note(approval: Approval, approve: bool, comment: str) -> str:
    approved, rejected = _("%(name)s approved the request."), _("%(name)s rejected the request.")
    text = (approved if approve else rejected) % {"name": approval.approver.display_name}
    return f"{text}\n\n> {comment}" if comment else text


def _finish(service_request: ServiceRequest, outcome: str) -> None:
    service_request.state = (
        RequestState.APPROVED if outcome == ApprovalState.APPROVED else RequestState.REJECTED
    )
    service_request.decided_at = clock.now()
    service_request.save(update_fields=["state", "decided_at"])
    category = "open" if outcome == ApprovalState.APPROVED else "closed"
    ticket_actions.change_status(
        service_request.ticket, workflow.status_for_category(category), actor=None
    )


def _advance(service_request: ServiceRequest, outcome: str) -> bool:
    """After a decided step: open the next one or finish. True when the request is done."""
    if outcome == ApprovalState.APPROVED:
        step = (
            service_request.request_type.steps.filter(order__gt=service_request.current_step)
            .select_related("team")
            .order_by("order")
            .first()
        )
        if step is not None:
            approvers = resolve_approvers(step, service_request.requester)
            if approvers:
                open_step(service_request, step, approvers)
                return False
            # nobody can decide the next step any more: fail closed
            with translation.override(settings.LANGUAGE_CODE):
                ticket_actions.add_note(
                    service_request.ticket,
                    actor=None,
                    body=_("Approval step %(n)s has no approver: the request is rejected.")
                    % {"n": step.order},
                )
            outcome = ApprovalState.REJECTED
    _finish(service_request, outcome)
    return True


def decide(
    approval: Approval,
    *,
    approve: bool,
    actor: User | None,
    comment: str = "",
    by_link: bool = False,
) -> Approval:
    """Record the approver's decision. `actor` must be the approver (policy
    DECIDE_APPROVAL) unless `by_link`: the signed link in their e-mail proved who they are.
    A decided step opens the next one or ends the request (approved: the ticket opens for
    fulfilment; rejected: it closes). Publishes `approval.decided`."""
    if actor is not None and not by_link:
        policy.require(actor, policy.DECIDE_APPROVAL, approval)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        message = _("Use at most %(n)s characters.") % {"n": MAX_COMMENT}
        raise ValidationFailed(message, fields={"comment": [message]})
    with transaction.atomic():
        service_request = (
            ServiceRequest.objects.select_for_update(of=("self",))
            .select_related("ticket", "request_type", "requester__manager")
            .get(pk=approval.service_request_id)
        )
        current = (
            Approval.objects.select_for_update().select_related("approver").get(pk=approval.pk)
        )
        if (
            current.state != ApprovalState.PENDING
            or service_request.state != RequestState.AWAITING
            or current.step_order != service_request.current_step
        ):
            raise Conflict(_("This approval has already been decided."))
        now = clock.now()
        current.state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
        current.comment = comment
        current.decided_at = now
        current.decided_by = actor
        current.save(update_fields=["state", "comment", "decided_at", "decided_by"])
        siblings = list(
            Approval.objects.filter(
                service_request=service_request, step_order=current.step_order
            ).order_by("pk")
        )
        outcome = step_outcome(current.rule, siblings)
        if outcome is not None:
            Approval.objects.filter(
                service_request=service_request,
                step_order=current.step_order,
                state=ApprovalState.PENDING,
            ).update(state=ApprovalState.SKIPPED, decided_at=now)
        with translation.override(settings.LANGUAGE_CODE):
            ticket_actions.add_note(
                service_request.ticket, actor=None, body=_note(current, approve, comment)
            )
        done = _advance(service_request, outcome) if outcome is not None else False
        outbox.publish(
            DECIDED_TOPIC,
            {
                "ticket_id": service_request.ticket_id,
                "service_request_id": service_request.pk,
                "approval_id": current.pk,
                "decision": current.state,
                "step_outcome": outcome,
                "request_state": service_request.state if done else RequestState.AWAITING,
                "actor_id": actor.pk if actor else None,
            },
            ticket_id=service_request.ticket_id,
        )
    return current
