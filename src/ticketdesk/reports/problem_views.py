"""Pages of problem management: list and suggestions, one problem, its review export."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ticketdesk.accounts import policy
from ticketdesk.core.errors import DomainError, PermissionDenied, ValidationFailed
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets.models import Ticket
from ticketdesk.tickets.numbering import parse_number

from . import problems
from .problems import RECORD_FIELDS


def index(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, policy.VIEW_PROBLEMS):
        return render_domain_error(request, PermissionDenied(_("You are not allowed to do this.")))
    listed = (
        policy.visible_tickets(request.user)
        .filter(ticket_type__key=problems.PROBLEM_TYPE)
        .select_related("status")
        .order_by("-created_at", "-id")[:100]
    )
    return render(
        request,
        "reports/problems.html",
        {
            "page_nav": "reports",
            "problems": listed,
            "suggestions": problems.suggest(request.user),
        },
    )


@require_POST
def create(request: HttpRequest) -> HttpResponse:
    try:
        numbers = [n for n in map(parse_number, request.POST.getlist("numbers")) if n]
        problem = problems.create_problem(
            actor=request.user,  # type: ignore[arg-type]
            subject=request.POST.get("subject", ""),
            incident_numbers=numbers,
        )
    except DomainError as error:
        return render_domain_error(request, error)
    return redirect("reports:problem", number=problem.number)


def detail(request: HttpRequest, number: int) -> HttpResponse:
    try:
        problem = problems.problem_ticket(request.user, number)
        if request.method == "POST":
            problems.save_record(
                problem,
                actor=request.user,  # type: ignore[arg-type]
                **{name: request.POST.get(name, "") for name in RECORD_FIELDS},
            )
            messages.success(request, _("Problem record saved."))
            return redirect("reports:problem", number=number)
    except DomainError as error:
        return render_domain_error(request, error)
    contacts, orgs = problems.affected(problem)
    return render(
        request,
        "reports/problem.html",
        {
            "page_nav": "reports",
            "problem": problem,
            "record": problems.record_for(problem),
            "incidents": problems.incidents(problem)[: problems.MAX_INCIDENTS],
            "contacts": contacts,
            "organizations": orgs,
            "timeline": problems.timeline(problem),
            "can_edit": policy.can(request.user, policy.EDIT, problem),
        },
    )


@require_POST
def link(request: HttpRequest, number: int) -> HttpResponse:
    try:
        problem = problems.problem_ticket(request.user, number)
        incident_number = parse_number(request.POST.get("incident", ""))
        incident = (
            policy.visible_tickets(request.user).filter(number=incident_number).first()
            if incident_number
            else None
        )
        if incident is None:
            raise ValidationFailed(
                _("No such ticket."), fields={"incident": [_("No such ticket.")]}
            )
        problems.link_incident(problem, incident, actor=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        return render_domain_error(request, error)
    return redirect("reports:problem", number=number)


@require_POST
def resolve(request: HttpRequest, number: int) -> HttpResponse:
    try:
        problem = problems.problem_ticket(request.user, number)
        result = problems.resolve_all(
            problem,
            actor=request.user,  # type: ignore[arg-type]
            body=request.POST.get("body", ""),
        )
    except DomainError as error:
        return render_domain_error(request, error)
    messages.success(
        request,
        _("%(n)s incidents resolved, %(s)s already closed.")
        % {"n": len(result.resolved), "s": len(result.skipped)},
    )
    for failed_number, reason in result.failed:
        messages.error(
            request,
            _("Could not resolve %(number)s: %(reason)s")
            % {"number": failed_number, "reason": reason},
        )
    return redirect("reports:problem", number=number)


def review(request: HttpRequest, number: int) -> HttpResponse:
    try:
        problem: Ticket = problems.problem_ticket(request.user, number)
    except DomainError as error:
        return render_domain_error(request, error)
    response = HttpResponse(
        problems.review_markdown(problem), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="review-{number}.md"'
    return response
