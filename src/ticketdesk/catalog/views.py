"""The service catalog in the portal: the catalog, a request type's form, the approvals
waiting for the signed-in person, and the page an approval e-mail's signed link opens."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ticketdesk.accounts import policy
from ticketdesk.core.errors import DomainError
from ticketdesk.portal.views.common import render_portal
from ticketdesk.tickets import queries as ticket_queries

from . import actions, queries
from . import answers as answer_forms
from .forms import DecisionForm, RequestForm
from .models import Approval, ApprovalState
from .tokens import approval_from_token


def _login(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("portal:login"))
    return None


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if (redirect := _login(request)) is not None:
        return redirect
    return render_portal(
        request,
        "catalog/index.html",
        {
            "types": list(queries.offered_types()),
            "may_request": policy.can(request.user, policy.REQUEST_SERVICE),
            "pending_count": queries.approvals_for(request.user).count(),
            "page_nav": "catalog",
        },
    )


@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest, key: str) -> HttpResponse:
    if (redirect := _login(request)) is not None:
        return redirect
    request_type = queries.request_type(key)
    if request_type is None:
        raise Http404
    contact = policy.contact_for(request.user)
    if contact is None or not policy.can(request.user, policy.REQUEST_SERVICE):
        return render_portal(request, "catalog/no_contact.html", status=403)
    fields = list(request_type.fields.all())
    form = RequestForm(request.POST or None, request_fields=fields)
    if request.method == "POST" and form.is_valid():
        try:
            service_request = actions.submit_request(
                request_type=request_type,
                requester=contact,
                answers=form.answers(),
                actor=request.user,  # type: ignore[arg-type]
            )
        except DomainError as error:
            form.apply_error(error)
        else:
            return HttpResponseRedirect(
                reverse("portal:ticket", args=[service_request.ticket.number])
            )
    status = 400 if request.method == "POST" else 200
    return render_portal(
        request,
        "catalog/request_form.html",
        {"request_type": request_type, "form": form, "page_nav": "catalog"},
        status=status,
    )


@require_GET
def ticket_panel(request: HttpRequest, number: int) -> HttpResponse:
    """The request and its approvals on the workspace's ticket page (an htmx fragment; empty
    for a ticket that did not come from the catalog). Approvers decide from it."""
    if not policy.can(request.user, policy.USE_WORKSPACE):
        raise Http404
    try:
        ticket = ticket_queries.ticket_detail(request.user, number)
    except DomainError:
        raise Http404 from None
    service_request = queries.for_ticket(ticket.pk)
    if service_request is None:
        return HttpResponse("")
    rows = [
        (
            a,
            policy.can(request.user, policy.DECIDE_APPROVAL, a)
            and a.state == ApprovalState.PENDING,
        )
        for a in service_request.approvals.all()
    ]
    return render(
        request,
        "catalog/panel.html",
        {"ticket": ticket, "service_request": service_request, "rows": rows},
    )


@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    if (redirect := _login(request)) is not None:
        return redirect
    pending = list(queries.approvals_for(request.user)[:100])
    return render_portal(
        request,
        "catalog/approvals.html",
        {"approvals": pending, "form": DecisionForm(), "page_nav": "catalog"},
    )


def _decision_page(
    request: HttpRequest, approval: Approval, form: DecisionForm, *, action: str, status: int = 200
) -> HttpResponse:
    return render_portal(
        request,
        "catalog/decide.html",
        {
            "approval": approval,
            "service_request": approval.service_request,
            "answers": answer_forms.labelled(
                list(approval.service_request.request_type.fields.all()),
                approval.service_request.answers,
            ),
            "form": form,
            "action": action,
            "decided": approval.state != ApprovalState.PENDING,
        },
        status=status,
    )


def _decide(
    request: HttpRequest, approval: Approval, *, by_link: bool, action: str
) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _decision_page(request, approval, form, action=action, status=400)
    try:
        actions.decide(
            approval,
            approve=form.cleaned_data["decision"] == "approve",
            actor=None if by_link else request.user,  # type: ignore[arg-type]
            comment=form.cleaned_data["comment"],
            by_link=by_link,
        )
    except DomainError as error:
        form.add_error(None, error.message)
        status = error.status_code
        approval.refresh_from_db()
        return _decision_page(request, approval, form, action=action, status=status)
    back = request.POST.get("next", "")
    if back.startswith("/t/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return HttpResponseRedirect(back)  # decided from the workspace's ticket page
    approval.refresh_from_db()
    return render_portal(request, "catalog/decided.html", {"approval": approval})


@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, approval_id: int) -> HttpResponse:
    """An approval decided by the signed-in approver (portal or workspace user)."""
    if (redirect := _login(request)) is not None:
        return redirect
    approval = queries.approval(approval_id)
    if approval is None or not policy.can(request.user, policy.DECIDE_APPROVAL, approval):
        raise Http404
    action = reverse("catalog:decide", args=[approval.pk])
    if request.method == "POST":
        return _decide(request, approval, by_link=False, action=action)
    return _decision_page(request, approval, DecisionForm(), action=action)


@require_http_methods(["GET", "POST"])
def approve_link(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link of an approval e-mail: GET shows the request and the buttons (mail
    scanners that follow links decide nothing), POST decides."""
    approval = approval_from_token(token)
    if approval is None:
        return render_portal(
            request,
            "catalog/link_invalid.html",
            {"message": _("This approval link is not valid or has expired.")},
            status=404,
        )
    action = reverse("catalog:approve_link", args=[token])
    if request.method == "POST":
        return _decide(request, approval, by_link=True, action=action)
    return _decision_page(request, approval, DecisionForm(), action=action)


__all__ = ["approvals", "approve_link", "decide", "index", "request_form", "ticket_panel"]
