"""Agents' pages: the people who wrote on a messaging app, and merging one's contact into
the customer's email contact (/channels/messaging/people/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ticketdesk.core.errors import DomainError
from ticketdesk.core.views import render_domain_error

from . import queries
from .contacts import merge_contacts
from .forms import MergeForm


@login_required
def people(request: HttpRequest) -> HttpResponse:
    try:
        page = queries.identities_page(request.user, cursor=request.GET.get("cursor"))
    except DomainError as error:
        return render_domain_error(request, error)
    return render(request, "messaging/people.html", {"page": page})


@login_required
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        identity = queries.identity(request.user, pk)
    except DomainError as error:
        return render_domain_error(request, error)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = queries.contact_by_email(form.cleaned_data["email"])
        if target is None:
            form.add_error("email", _("No contact has this email address."))
        else:
            try:
                moved = merge_contacts(identity.contact, target, actor=request.user)
            except DomainError as error:
                for field, errors in (getattr(error, "fields", None) or {}).items():
                    for message in errors:
                        form.add_error("email" if field == "target" else None, message)
                if not form.errors:
                    return render_domain_error(request, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Merged into %(contact)s: %(n)s ticket moved.",
                        "Merged into %(contact)s: %(n)s tickets moved.",
                        moved,
                    )
                    % {"contact": target, "n": moved},
                )
                return redirect("messaging:people")
    status = 400 if form.errors else 200
    return render(
        request, "messaging/merge.html", {"identity": identity, "form": form}, status=status
    )
