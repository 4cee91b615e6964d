from __future__ import annotations

import pytest
from django.core import mail as django_mail

from ticketdesk.catalog import actions
from ticketdesk.catalog.models import (
    Approval,
    ApprovalRule,
    ApprovalState,
    ApprovalStep,
    ApproverKind,
    RequestState,
    RequestType,
)
from ticketdesk.catalog.statuses import AWAITING_APPROVAL
from ticketdesk.core import outbox
from ticketdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from ticketdesk.sla.clock import PolicySpec
from ticketdesk.tickets.models import Message


def submit(request_type, employee, **answers):
    return actions.submit_request(
        request_type=request_type,
        requester=employee[1],
        answers=answers or {"model": "13-inch", "reason": "Mine broke"},
        actor=employee[0],
    )


@pytest.mark.django_db
def test_no_approval_needed_opens_the_ticket(team, employee):
    plain = RequestType.objects.create(key="mouse", name="A mouse", team=team)
    request = actions.submit_request(
        request_type=plain, requester=employee[1], answers={}, actor=employee[0]
    )
    assert request.state == RequestState.NOT_NEEDED
    assert request.ticket.status.key == "new"
    assert request.ticket.team == team


@pytest.mark.django_db
def test_manager_approval_waits_with_the_sla_paused_and_mails_a_link(laptop, employee, manager):
    request = submit(laptop, employee)
    ticket = request.ticket
    ticket.refresh_from_db()
    assert ticket.status.key == AWAITING_APPROVAL
    assert ticket.status_category == "pending"
    assert PolicySpec(targets={}).pauses(ticket.status.key, ticket.status_category)
    (approval,) = Approval.objects.filter(service_request=request)
    assert approval.approver == manager[1]
    assert "**Model:** 13-inch" in ticket.description
    django_mail.outbox.clear()
    outbox.process_pending()
    (sent,) = [m for m in django_mail.outbox if manager[1].email in m.to]
    assert "Approval needed: New laptop" in sent.subject
    assert "/catalog/approve/" in sent.body


@pytest.mark.django_db
def test_approving_opens_the_ticket_and_tells_the_requester(laptop, employee, manager):
    request = submit(laptop, employee)
    approval = request.approvals.get()
    actions.decide(approval, approve=True, actor=manager[0], comment="Go ahead")
    request.refresh_from_db()
    request.ticket.refresh_from_db()
    assert request.state == RequestState.APPROVED
    assert request.ticket.status.category == "open"
    notes = Message.objects.filter(ticket=request.ticket, kind="internal")
    assert any("Marco Rossi approved the request" in n.body_text for n in notes)
    django_mail.outbox.clear()
    outbox.process_pending()
    told = [m for m in django_mail.outbox if employee[1].email in m.to]
    assert any("is approved" in m.subject and "Go ahead" in m.body for m in told)


@pytest.mark.django_db
def test_only_the_approver_decides_and_only_once(laptop, employee, manager, agent):
    request = submit(laptop, employee)
    approval = request.approvals.get()
    with pytest.raises(PermissionDenied):
        actions.decide(approval, approve=True, actor=employee[0])
    with pytest.raises(PermissionDenied):
        actions.decide(approval, approve=True, actor=agent)
    actions.decide(approval, approve=False, actor=manager[0])
    with pytest.raises(Conflict):
        actions.decide(approval, approve=True, actor=manager[0])
    request.refresh_from_db()
    assert request.state == RequestState.REJECTED
    request.ticket.refresh_from_db()
    assert request.ticket.status_category == "closed"


@pytest.mark.django_db
def test_steps_in_sequence_all_of_a_team(finance_share, employee, manager):
    request_type, fabio, flavia = finance_share
    request = actions.submit_request(
        request_type=request_type, requester=employee[1], answers={}, actor=employee[0]
    )
    actions.decide(request.approvals.get(), approve=True, actor=manager[0])
    second = list(request.approvals.filter(step_order=2).select_related("approver"))
    assert {a.approver.email for a in second} == {"fabio@example.org", "flavia@example.org"}
    request.refresh_from_db()
    assert request.state == RequestState.AWAITING
    first, other = second
    actions.decide(first, approve=True, actor=first.approver.user or fabio)
    request.refresh_from_db()
    assert request.state == RequestState.AWAITING  # all of them: one more
    deciding = flavia if other.approver.email == flavia.email else fabio
    actions.decide(other, approve=True, actor=deciding)
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED


@pytest.mark.django_db
def test_one_of_several_people_first_decision_decides(team, employee, agent, admin_user):
    request_type = RequestType.objects.create(key="vpn", name="VPN", team=team)
    step = ApprovalStep.objects.create(
        request_type=request_type, order=1, kind=ApproverKind.PEOPLE, rule=ApprovalRule.ANY
    )
    agent.email, admin_user.email = "ana@example.org", "root@example.org"
    agent.save()
    admin_user.save()
    step.people.add(agent, admin_user)
    request = actions.submit_request(
        request_type=request_type, requester=employee[1], answers={}, actor=employee[0]
    )
    approvals = list(request.approvals.select_related("approver"))
    assert len(approvals) == 2
    mine = next(a for a in approvals if a.approver.email == agent.email)
    actions.decide(mine, approve=True, actor=agent)
    states = set(request.approvals.values_list("state", flat=True))
    assert states == {ApprovalState.APPROVED, ApprovalState.SKIPPED}


@pytest.mark.django_db
def test_missing_manager_or_bad_answers_are_named(laptop, employee):
    with pytest.raises(ValidationFailed) as error:
        submit(laptop, employee, model="17-inch")
    assert "answers.model" in error.value.fields
    employee[1].manager = None
    employee[1].save()
    with pytest.raises(ValidationFailed) as error:
        submit(laptop, employee)
    assert "approvers" in error.value.fields
    assert not Approval.objects.exists()


@pytest.mark.django_db
def test_historical_submissions_send_no_mail(laptop, employee):
    with outbox.historical():
        submit(laptop, employee)
    django_mail.outbox.clear()
    outbox.process_pending()
    assert not [m for m in django_mail.outbox if "Approval needed" in m.subject]
