"""Submitting a catalog request: validate the form, open the ticket, start the approvals."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ticketdesk.accounts import actions as account_actions
from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, User
from ticketdesk.core import clock, outbox
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets import actions as ticket_actions
from ticketdesk.tickets.models import Channel

from .. import answers as answer_forms
from ..models import (
    Approval,
    ApprovalRule,
    ApprovalStep,
    ApproverKind,
    RequestState,
    RequestType,
    ServiceRequest,
)
from ..statuses import awaiting_approval

REQUESTED_TOPIC = "approval.requested"
DECIDED_TOPIC = "approval.decided"


def _contact_of_user(user: User) -> Contact:
    contact = policy.contact_for(user)
    if contact is not None:
        return contact
    return account_actions.get_or_create_contact(user.email, user.get_full_name())


def resolve_approvers(step: ApprovalStep, requester: Contact) -> list[Contact]:
    """Who decides this step for this requester (never the requester themselves)."""
    if step.kind == ApproverKind.MANAGER:
        found = [requester.manager] if requester.manager is not None else []
    else:
        users = (
            User.objects.filter(is_active=True, team_memberships__team_id=step.team_id or 0)
            if step.kind == ApproverKind.TEAM
            else step.people.filter(is_active=True)
        )
        found = [_contact_of_user(u) for u in users.exclude(email="").order_by("pk")[:50]]
    unique = {c.pk: c for c in found if c.pk != requester.pk}
    return list(unique.values())


def no_approver_error(step: ApprovalStep) -> ValidationFailed:
    if step.kind == ApproverKind.MANAGER:
        message = _("Your manager is not on file, and this request needs their approval.")
    else:
        message = _("Nobody can approve this request at the moment.")
    return ValidationFailed(message, fields={"approvers": [message]})


def describe_step(step_order: int, rule: str, approvers: list[Contact]) -> str:
    names = ", ".join(c.display_name for c in approvers)
    if rule == ApprovalRule.ALL or len(approvers) == 1:
        text = _("Approval step %(n)s: waiting for %(names)s.")
    else:
        text = _("Approval step %(n)s: waiting for one of %(names)s.")
    return text % {"n": step_order, "names": names}


def open_step(
    service_request: ServiceRequest, step: ApprovalStep, approvers: list[Contact]
) -> None:
    """Create the step's approvals, say so on the ticket and tell the approvers (after
    commit, by the catalog consumer). Inside the caller's transaction."""
    now = clock.now()
    rows = Approval.objects.bulk_create(
        [
            Approval(
                service_request=service_request,
                step_order=step.order,
                rule=step.rule,
                approver=approver,
                created_at=now,
            )
            for approver in approvers
        ]
    )
    service_request.current_step = step.order
    service_request.save(update_fields=["current_step"])
    with translation.override(settings.LANGUAGE_CODE):
        note = describe_step(step.order, step.rule, approvers)
    ticket_actions.add_note(service_request.ticket, actor=None, body=note)
    outbox.publish(
        REQUESTED_TOPIC,
        {
            "ticket_id": service_request.ticket_id,
            "service_request_id": service_request.pk,
            "approval_ids": [row.pk for row in rows],
            "step": step.order,
        },
        ticket_id=service_request.ticket_id,
    )


def submit_request(
    *,
    request_type: RequestType,
    requester: Contact,
    answers: dict[str, Any],
    actor: User | None,
    channel: str = Channel.PORTAL,
) -> ServiceRequest:
    """Open the request's ticket from the form's answers; with approval steps the ticket
    waits in "Awaiting approval" (its SLA paused) and the first step's approvers are asked.
    Every step must have an approver now, or nothing is opened."""
    if actor is not None:
        policy.require(actor, policy.REQUEST_SERVICE)
    if not request_type.active:
        raise ValidationFailed(_("This request type is not offered."))
    fields = list(request_type.fields.all())
    cleaned = answer_forms.clean_answers(fields, answers)
    steps = list(request_type.steps.select_related("team").order_by("order"))
    first: list[Contact] = []
    for index, step in enumerate(steps):
        approvers = resolve_approvers(step, requester)
        if not approvers:
            raise no_approver_error(step)
        if index == 0:
            first = approvers
    with translation.override(requester.language or translation.get_language()):
        subject = f"{request_type.translated('name')} — {requester.display_name}"
        body = answer_forms.as_markdown(fields, cleaned)
    with transaction.atomic():
        ticket = ticket_actions.open_ticket(
            requester=requester,
            subject=subject,
            body=body,
            channel=channel,
            actor=actor,
            team=request_type.team,
            ticket_type=request_type.ticket_type,
        )
        service_request = ServiceRequest.objects.create(
            ticket=ticket,
            request_type=request_type,
            requester=requester,
            answers=cleaned,
            state=RequestState.AWAITING if steps else RequestState.NOT_NEEDED,
            created_at=clock.now(),
        )
        if steps:
            ticket_actions.change_status(ticket, awaiting_approval(), actor=None)
            open_step(service_request, steps[0], first)
    return service_request
