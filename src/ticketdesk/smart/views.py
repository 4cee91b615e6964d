"""Pages of smart support: the ticket's panel (htmx fragment on the workspace's ticket
page), accepting or rejecting a suggestion, and the admins' overview (models, training,
acceptance per field)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.accounts import policy
from ticketdesk.core.errors import DomainError, NotFound, PermissionDenied
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import queries as ticket_queries
from ticketdesk.tickets.models import Ticket

from . import actions, prediction, queries, retrieval
from .models import AnswerKind, AnswerOffer, Suggestion
from .tasks import train_models


def _ticket(request: HttpRequest, number: int) -> Ticket:
    ticket = ticket_queries.ticket_detail(request.user, number)
    if not policy.can(request.user, policy.SEE_SUGGESTIONS, ticket):
        raise PermissionDenied(_("You are not allowed to do this."))
    return ticket


@login_required
@require_GET
def panel(request: HttpRequest, number: int) -> HttpResponse:
    """Suggestions, similar tickets, problem records and answers for one ticket."""
    try:
        ticket = _ticket(request, number)
    except DomainError as err:
        return render_domain_error(request, err)
    suggestions = actions.offered(ticket, actions.record_suggestions(ticket))
    labels = prediction.labels_for(
        [(s.field, s.value) for s in suggestions]
        + [(s.field, v) for s in suggestions for v, _p in s.reason.get("ranked", [])]
    )
    # the reason names past tickets: only those this agent may see
    similar_numbers = dict(
        policy.visible_tickets(request.user)
        .filter(pk__in=[pk for s in suggestions for pk in s.reason.get("similar", [])])
        .values_list("id", "number")
    )
    rows = [
        {
            "suggestion": s,
            "label": labels[(s.field, s.value)],
            "field_label": s.get_field_display(),
            "percent": round(s.confidence * 100),
            "words": s.reason.get("words", []),
            "similar": [
                similar_numbers[pk] for pk in s.reason.get("similar", []) if pk in similar_numbers
            ],
        }
        for s in sorted(suggestions, key=lambda s: -s.confidence)
    ]
    found = retrieval.retrieve(request.user, ticket)
    can_reply = policy.can(request.user, policy.REPLY, ticket)
    offers = actions.record_answer_offers(ticket, found) if can_reply else {}
    context = {
        "ticket": ticket,
        "rows": rows,
        "found": found,
        "answer_replies": [
            (message, offers.get((AnswerKind.REPLY, message.pk))) for message in found.replies
        ],
        "answer_articles": [
            (hit, offers.get((AnswerKind.ARTICLE, hit.article.pk))) for hit in found.articles
        ],
        "can_edit": policy.can(request.user, policy.EDIT, ticket),
        "can_merge": policy.can(request.user, policy.MERGE, ticket),
        "can_reply": can_reply,
        "can_view_problems": policy.can(request.user, policy.VIEW_PROBLEMS),
    }
    return render(request, "smart/panel.html", context)


@login_required
@require_POST
def decide(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    """Accept (apply the value through the tickets' actions) or reject one suggestion."""
    try:
        ticket = _ticket(request, number)
        suggestion = (
            Suggestion.objects.filter(pk=pk, ticket=ticket).select_related("ticket").first()
        )
        if suggestion is None:
            raise NotFound(_("This suggestion does not exist."))
        if request.POST.get("decision") == "reject":
            actions.reject(suggestion, actor=request.user)  # type: ignore[arg-type]
            messages.info(request, _("Suggestion dismissed."))
        else:
            actions.accept(suggestion, actor=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Suggestion applied."))
    except DomainError as err:
        return render_domain_error(request, err)
    return redirect("workspace:ticket", number)


@login_required
@require_POST
def answer_used(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    """An agent inserted an answer suggestion into the reply (reported by workspace.js): count
    it for the acceptance rate. 204: nothing to show."""
    try:
        ticket = _ticket(request, number)
        offer = AnswerOffer.objects.filter(pk=pk, ticket=ticket).select_related("ticket").first()
        if offer is None:
            raise NotFound(_("This suggestion does not exist."))
        actions.mark_answer_used(offer, actor=request.user)  # type: ignore[arg-type]
    except DomainError as err:
        return render_domain_error(request, err)
    return HttpResponse(status=204)


@login_required
@require_http_methods(["GET", "POST"])
def overview(request: HttpRequest) -> HttpResponse:
    """For admins: the models kept, "Train now", and how often agents accept each field."""
    if not policy.can(request.user, policy.ADMINISTER):
        return render_domain_error(request, PermissionDenied(_("You are not allowed to do this.")))
    if request.method == "POST":
        train_models.enqueue()
        messages.success(request, _("Training was queued: the worker will run it shortly."))
        return redirect("smart:overview")
    return render(
        request,
        "smart/overview.html",
        {
            "page_nav": "system",
            "rates": queries.acceptance_rates(),
            "answer_rates": queries.answer_rates(),
            "trained": queries.models_kept(),
        },
    )
