"""The agent workspace (issue 3 builds it out). Until then: a home page that sends each
person where they work."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ticketdesk.accounts import policy
from ticketdesk.tickets import queries


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not policy.is_staff_member(request.user):
        return redirect("/portal/")
    tickets = queries.tickets_for_list(request.user).order_by("-updated_at", "-id")[:50]
    return render(request, "workspace/home.html", {"tickets": tickets})
