"""Opening a ticket for a customer, the agent's profile, and attachment downloads."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.actions import get_or_create_contact
from ticketdesk.accounts.models import TeamMembership
from ticketdesk.core.errors import DomainError, NotFound, PermissionDenied
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import actions, custom_fields
from ticketdesk.tickets.models import Attachment, TicketType

from ..forms import NewTicketForm, split_tags
from ..profile import update_profile
from ..profile_forms import ProfileForm
from .common import current_user, staff_required

INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


def _chosen_type(request: HttpRequest) -> TicketType | None:
    """The type picked in the new-ticket form (its custom fields are asked)."""
    raw = (request.POST or request.GET).get("ticket_type") or ""
    if not raw.isdigit() or len(raw) > 12:
        return None
    return TicketType.objects.filter(pk=int(raw), active=True).first()


@staff_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    """A ticket opened for a customer on the phone or at the desk, with the channel
    recorded."""
    user = current_user(request)
    if not policy.can(user, policy.CREATE_FOR_OTHERS):
        return render_domain_error(
            request, PermissionDenied(_("Only agents can open tickets for customers."))
        )
    first_team = (
        TeamMembership.objects.filter(user_id=user.pk, team__active=True)
        .order_by("team__name")
        .values_list("team_id", flat=True)
        .first()
    )
    ticket_type = _chosen_type(request)
    form = NewTicketForm(
        request.POST or None,
        request.FILES or None,
        initial={"team": first_team, "ticket_type": ticket_type.pk if ticket_type else None},
        definitions=custom_fields.cached_definitions_for(ticket_type),
    )
    error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            requester = get_or_create_contact(data["requester_email"], data["requester_name"])
            attachments = [
                actions.AttachmentInput.from_upload(f) for f in request.FILES.getlist("attachments")
            ]
            ticket = actions.open_ticket(
                requester=requester,
                subject=data["subject"],
                body=data["body"],
                channel=data["channel"],
                actor=user,
                team=data["team"],
                assignee=data["assignee"],
                ticket_type=data["ticket_type"],
                category=data["category"],
                business_area=data["business_area"],
                urgency=data["urgency"],
                impact=data["impact"],
                tags=split_tags(data["tags"]),
                custom_field_values=form.custom_values(),
                attachments=attachments,
            )
        except DomainError as err:
            error = err
            for name, errors in err.fields.items():
                field = "cf_" + name.split(".", 1)[1] if name.startswith("custom_fields.") else name
                if field in form.fields:
                    for message in errors:
                        form.add_error(field, message)
        else:
            messages.success(request, _("Ticket %(n)s opened.") % {"n": ticket.display_number})
            return redirect("workspace:ticket", number=ticket.number)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "workspace/new_ticket.html",
        {"form": form, "error": error, "page_nav": "tickets"},
        status=status,
    )


@staff_required
def profile(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = ProfileForm(
        request.POST or None,
        initial=ProfileForm.initial_for(user),
    )
    if request.method == "POST" and form.is_valid():
        update_profile(user, form.cleaned_data, form.preferences())
        if form.cleaned_data["language"]:
            translation.activate(form.cleaned_data["language"])
        messages.success(request, _("Your profile was saved."))
        response = redirect("workspace:profile")
        if form.cleaned_data["language"]:
            from django.conf import settings

            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"])
        return response
    return render(
        request,
        "workspace/profile.html",
        {"form": form, "page_nav": "profile"},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = (
        Attachment.objects.select_related("message", "message__ticket", "ticket")
        .filter(pk=pk)
        .first()
    )
    if item is None or not policy.can(current_user(request), policy.VIEW, item):
        return render_domain_error(request, NotFound(_("This file does not exist.")))
    inline = item.content_type in INLINE_TYPES and request.GET.get("download") != "1"
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=not inline,
        filename=item.original_name,
        content_type=item.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
