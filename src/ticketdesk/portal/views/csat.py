"""Satisfaction ratings: from the e-mailed signed link (no login) or the ticket page."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ticketdesk.accounts.models import Contact
from ticketdesk.core.errors import DomainError
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import queries
from ticketdesk.tickets.models import Channel, StatusCategory, Ticket

from .. import actions, tokens
from ..forms import RatingForm, apply_domain_error
from ..models import SatisfactionRating
from .common import contact_of, portal_settings, render_portal


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    data = tokens.read_csat_token(token)
    ticket = Ticket.objects.filter(pk=data[0]).first() if data else None
    contact = Contact.objects.filter(pk=data[1]).first() if data else None
    if ticket is None or contact is None or ticket.requester_id != contact.pk:
        return render_portal(request, "portal/link_invalid.html", status=400)
    portal = portal_settings(request)
    rating = SatisfactionRating.objects.filter(ticket=ticket).first()
    initial = {"score": request.GET.get("score") or (rating.score if rating else None)}
    form = RatingForm(request.POST or None, scale=portal.csat_scale, initial=initial)
    asks_confirmation = ticket.status_category == StatusCategory.RESOLVED
    # the answer to "is it solved?" survives a form error (it was reset to "yes" before)
    answer = request.POST.get("solved") if request.POST.get("solved") in ("yes", "no") else "yes"
    not_solved = request.method == "POST" and asks_confirmation and answer == "no"
    if not_solved:  # saying "not solved" needs no rating
        form.fields["score"].required = False
    reopened = False
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if form.cleaned_data["score"] not in (None, ""):
                    rating = actions.record_csat(
                        ticket,
                        score=form.cleaned_data["score"],
                        comment=form.cleaned_data["comment"],
                        contact=contact,
                    )
                if asks_confirmation and request.POST.get("solved") in ("yes", "no"):
                    # the comment of "not solved" goes to the agent as the customer's reply
                    actions.confirm_solution(
                        ticket,
                        contact=contact,
                        solved=answer == "yes",
                        comment=form.cleaned_data["comment"],
                        channel=Channel.PORTAL,
                    )
                    reopened = answer == "no"
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return render_portal(
                request, "portal/rate_thanks.html", {"rating": rating, "reopened": reopened}
            )
    return render_portal(
        request,
        "portal/rate.html",
        {
            "form": form,
            "ticket": ticket,
            "rating": rating,
            "asks_confirmation": asks_confirmation,
            "solved_answer": answer,
        },
        status=400 if form.errors else 200,
    )


@require_POST
def rate_from_portal(request: HttpRequest, number: int) -> HttpResponse:
    contact = contact_of(request)
    try:
        ticket = queries.ticket_detail(request.user, number)
        form = RatingForm(request.POST, scale=portal_settings(request).csat_scale)
        if contact is None or not form.is_valid():
            return HttpResponseRedirect(reverse("portal:ticket", args=[number]) + "?rating=invalid")
        actions.record_csat(
            ticket,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
            contact=contact,
            actor=request.user,  # type: ignore[arg-type]
        )
    except DomainError as error:
        return render_domain_error(request, error)
    return HttpResponseRedirect(reverse("portal:ticket", args=[number]) + "?rated=1#rating")
