"""The ticket page: timeline, composer, side panel (htmx, with conflicts), links, merge,
split and presence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team
from ticketdesk.assets import queries as asset_queries
from ticketdesk.audit import log as audit_log
from ticketdesk.core import clock, ids
from ticketdesk.core.errors import (
    Conflict,
    DomainError,
    FieldsRequired,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from ticketdesk.core.html import render_markdown
from ticketdesk.core.views import render_domain_error
from ticketdesk.sla import queries as sla_queries
from ticketdesk.tickets import actions, queries
from ticketdesk.tickets.canned import canned_choices, canned_for, render_canned
from ticketdesk.tickets.models import (
    LinkKind,
    MessageKind,
    Status,
    Ticket,
)
from ticketdesk.timetracking import queries as time_queries
from ticketdesk.timetracking.forms import TimeEntryForm

from .. import status_hints, timeline
from ..forms import TicketFieldsForm, active_teams, staff_choices
from ..models import PresenceMode, TicketPresence
from .common import current_user, is_htmx, staff_required

PRESENCE_SECONDS = 30
POLL_SECONDS = 10


def _ticket(request: HttpRequest, number: int) -> Ticket:
    return queries.ticket_detail(current_user(request), number)


def _permissions(user: Any, ticket: Ticket) -> dict[str, bool]:
    verbs = (
        policy.REPLY,
        policy.ADD_NOTE,
        policy.EDIT,
        policy.ASSIGN,
        policy.MERGE,
        policy.ESCALATE,
        policy.SEE_SUGGESTIONS,
        policy.LINK_ITEMS,
        policy.LOG_TIME,
    )
    return policy.ticket_permissions(user, ticket, verbs)


def _tag_names(ticket: Ticket) -> list[str]:
    return sorted((t.name for t in ticket.tags.all()), key=str.lower)


def side_context(
    request: HttpRequest, ticket: Ticket, *, form: TicketFieldsForm | None = None
) -> dict[str, Any]:
    tag_names = _tag_names(ticket)
    perms = _permissions(current_user(request), ticket)
    watchers = list(ticket.watchers.all())
    watcher_choices = []
    if perms["edit"]:
        watching = {w.pk for w in watchers}
        watcher_choices = [u for u in staff_choices() if u.pk not in watching]
    form = form or TicketFieldsForm(ticket=ticket, tag_names=tag_names)
    files = queries.field_files(current_user(request), ticket)
    return {
        "ticket": ticket,
        "perms": perms,
        "form": form,
        "field_files": {f"cf_{key}": attachment for key, attachment in files.items()},
        "requirement_hints": status_hints.requirement_hints(ticket, form),
        "tag_names": tag_names,
        "watchers": watchers,
        "watcher_choices": watcher_choices,
        "is_watching": any(w.pk == current_user(request).pk for w in watchers),
        "links": queries.links_for(current_user(request), ticket),
        "link_kinds": LinkKind.choices,
    }


def _macros(user: Any, ticket: Ticket) -> list[dict[str, Any]]:
    """The macros the policy lets `user` apply here, with what each does."""
    from ticketdesk.automation import queries as automation_queries
    from ticketdesk.automation.steps import describe

    return [
        {"macro": m, "steps": [describe(s) for s in m.actions or []]}
        for m in automation_queries.macros_for_ticket(user, ticket)
    ]


def page_context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    user = current_user(request)
    message_list = queries.timeline_messages(user, ticket)
    context = side_context(request, ticket, form=extra.pop("form", None))
    linked = {lk.source_id for lk in context["links"]} | {lk.target_id for lk in context["links"]}
    event_list = queries.event_list(user, ticket, known_visible=linked)
    if ticket.is_open and context["perms"]["edit"]:
        from ticketdesk.tickets import escalation

        from ..workflow_forms import EscalateForm, ResolveForm

        extra.setdefault("resolve_form", ResolveForm(ticket=ticket))
        if context["perms"]["escalate"] and ticket.escalation_level < escalation.MAX_LEVEL:
            extra.setdefault("escalate_form", EscalateForm(ticket=ticket))
            extra["next_escalation_level"] = ticket.escalation_level + 1
    context.update(
        {
            "page_nav": "tickets",
            "entries": timeline.build(message_list, event_list),
            "first_message_id": message_list[0].pk if message_list else None,
            "history": queries.requester_history(user, ticket),
            "canned": canned_choices(user),
            "status_targets": context["form"].status_targets[1:],
            "cc": list(ticket.cc.all()),
            "poll_seconds": POLL_SECONDS,
            "composer": {"kind": "public", "body": "", "status": "", "consult_team": ""},
            "consult_teams": [t for t in active_teams() if t.pk != ticket.team_id]
            if context["perms"]["add_note"]
            else [],
            "resolution_checklist": timeline.checklist_lines(ticket.verification),
            "macros": _macros(user, ticket),
            "affected_items": asset_queries.ticket_panel(user, ticket),
            "time": time_queries.ticket_time(user, ticket),
            "time_form": TimeEntryForm(initial={"billable": True}),
        }
    )
    context.update(extra)
    return context


@staff_required
@require_GET
def ticket_page(request: HttpRequest, number: int) -> HttpResponse:
    try:
        user = current_user(request)
        ticket = queries.ticket_detail(
            user,
            number,
            side_lists=True,
            columns={**time_queries.ticket_time_columns(user), **asset_queries.panel_columns()},
        )
    except DomainError as err:
        return render_domain_error(request, err)
    audit_log.record_view(request.user, ticket, via="workspace")
    # presence is recorded by the page's first poll, a second after it loads
    return render(request, "workspace/ticket.html", page_context(request, ticket))


@staff_required
@require_POST
def post_message(request: HttpRequest, number: int) -> HttpResponse:
    """The composer: a public reply or an internal note, optionally setting the status."""
    user = current_user(request)
    try:
        ticket = _ticket(request, number)
    except DomainError as err:
        return render_domain_error(request, err)
    kind = request.POST.get("kind", MessageKind.PUBLIC)
    body = request.POST.get("body", "")
    status_id = request.POST.get("status") or ""
    consult_id = request.POST.get("consult_team") or ""
    uploads = request.FILES.getlist("attachments")
    try:
        attachments = [actions.AttachmentInput.from_upload(f) for f in uploads]
        status = Status.objects.filter(pk=status_id).first() if ids.is_id(status_id) else None
        if status is not None and status.pk == ticket.status_id:
            status = None
        if status is not None and not policy.can(user, policy.EDIT, ticket):
            raise PermissionDenied(
                _("You cannot change the status of this ticket. Nothing was saved.")
            )
        if kind == MessageKind.INTERNAL:
            consult_team = None
            if consult_id:
                if consult_id.isdigit() and len(consult_id) < 10:
                    consult_team = Team.objects.filter(pk=consult_id, active=True).first()
                if consult_team is None:
                    raise ValidationFailed(_("Choose a team to consult."))
            with transaction.atomic():  # the note and the status change, or neither
                message = actions.add_note(
                    ticket,
                    actor=user,
                    body=body,
                    attachments=attachments,
                    consult_team=consult_team,
                )
                if status is not None:
                    actions.change_status(ticket, status, actor=user)
        else:
            if request.POST.get("signature") and getattr(user, "signature", ""):
                body = f"{body.rstrip()}\n\n{user.signature}"
            message = actions.reply(
                ticket, actor=user, body=body, attachments=attachments, status=status
            )
    except DomainError as err:
        context = page_context(
            request,
            ticket,
            composer={
                "kind": kind,
                "body": body,
                "status": status_id,
                "consult_team": consult_id,
            },
            composer_error=err,
        )
        return render(request, "workspace/ticket.html", context, status=err.status_code)
    TicketPresence.objects.filter(ticket=ticket, user=user).update(mode=PresenceMode.VIEWING)
    if kind == MessageKind.INTERNAL:
        messages.success(request, _("Note added."))
    else:
        messages.success(request, _("Reply sent."))
    return redirect(f"/t/{ticket.number}/#m{message.pk}")


def _render_side(
    request: HttpRequest,
    ticket: Ticket,
    *,
    form: TicketFieldsForm | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = side_context(request, ticket, form=form)
    context.update(extra)
    if is_htmx(request):
        if status == 200:
            message_list = queries.timeline_messages(current_user(request), ticket)
            event_list = queries.event_list(current_user(request), ticket)
            context["entries"] = timeline.build(message_list, event_list)
            context["first_message_id"] = message_list[0].pk if message_list else None
            context["status_targets"] = context["form"].status_targets[1:]
            context["composer"] = {"status": ""}
            context["oob"] = True
        return render(request, "workspace/partials/side_response.html", context, status=status)
    if status == 200:
        return redirect("workspace:ticket", number=ticket.number)
    full = page_context(request, ticket, form=form)
    full.update(extra)
    return render(request, "workspace/ticket.html", full, status=status)


def _conflict(request: HttpRequest, number: int, err: Conflict) -> HttpResponse:
    """409 with the fresh values, what the other person changed, and a way to re-apply only
    the fields this agent changed (never the stale copies of the others)."""
    fresh = _ticket(request, number)
    stale_form = TicketFieldsForm(ticket=fresh, tag_names=_tag_names(fresh))
    was = QueryDict(request.POST.get("was", ""))
    changed = stale_form.changed_names(request.POST, was) if "was" in request.POST else []
    resubmit = [(name, v) for name in changed for v in request.POST.getlist(name)]
    mine = [str(stale_form.fields[name].label) for name in changed]
    return _render_side(
        request,
        fresh,
        status=409,
        conflict={
            "lines": timeline.conflict_lines(err.extra.get("changes", [])),
            "version": err.extra.get("current_version", fresh.version),
            "resubmit": resubmit,
            "mine": mine,
        },
    )


def _fields_data(request: HttpRequest, ticket: Ticket) -> QueryDict:
    """The submitted side panel; a partial submission (re-applying after a conflict) is
    completed with the ticket's current values."""
    if request.POST.get("partial") != "1":
        return request.POST
    data = TicketFieldsForm(ticket=ticket, tag_names=_tag_names(ticket)).initial_data()
    for name in request.POST:
        if name not in ("csrfmiddlewaretoken", "partial"):
            data.setlist(name, request.POST.getlist(name))
    return data


@staff_required
@require_POST
def fields(request: HttpRequest, number: int) -> HttpResponse:
    """Save the side panel with `expected_version`; a stale version shows what changed."""
    try:
        ticket = _ticket(request, number)
    except DomainError as err:
        return render_domain_error(request, err)
    user = current_user(request)
    raw_version = request.POST.get("expected_version", "")
    try:
        # A stale page is answered with what changed before its values are even validated
        # (they may no longer be valid choices). No changes: nothing is written.
        if raw_version and not ids.is_id(raw_version):
            raise ValidationFailed(
                _("The page is out of date or damaged: reload it."),
                fields={"expected_version": [_("Enter a valid version.")]},
            )
        actions.set_fields(ticket, actor=user, expected_version=ids.parse_id(raw_version))
    except Conflict as err:
        return _conflict(request, number, err)
    except DomainError as err:
        return render_domain_error(request, err)
    form = TicketFieldsForm(
        _fields_data(request, ticket), request.FILES, ticket=ticket, tag_names=_tag_names(ticket)
    )
    if not form.is_valid():
        return _render_side(request, ticket, form=form, status=400)
    changes = form.changes()
    if not changes:
        return _render_side(request, ticket, saved_message=_("Nothing to save."))
    try:
        ticket = actions.set_fields(
            ticket,
            actor=user,
            expected_version=form.cleaned_data["expected_version"],
            **changes,
        )
    except Conflict as err:
        return _conflict(request, number, err)
    except DomainError as err:
        placed = False
        for name, errors in err.fields.items():
            # custom fields are `custom_fields.<key>` in the actions, `cf_<key>` here
            target = (
                "cf_" + name.removeprefix("custom_fields.")
                if name.startswith("custom_fields.")
                else name
            )
            if target in form.fields:
                for error in errors:
                    form.add_error(target, error)
                placed = True
        if not placed or isinstance(err, FieldsRequired):
            form.add_error(None, err.message)  # a move's missing fields: named in one line too
        return _render_side(request, ticket, form=form, status=err.status_code)
    ticket = _ticket(request, number)
    # the worker recomputes the SLA after this commit: show now what it will store
    ticket.sla_state, ticket.due_at = sla_queries.fresh_standing(ticket)
    return _render_side(request, ticket, saved_message=_("Saved."))


@staff_required
@require_POST
def assign_to_me(request: HttpRequest, number: int) -> HttpResponse:
    try:
        ticket = _ticket(request, number)
        actions.assign(ticket, assignee=current_user(request), actor=current_user(request))
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Assigned to you."))
    return redirect("workspace:ticket", number=number)


@staff_required
@require_POST
def toggle_watch(request: HttpRequest, number: int) -> HttpResponse:
    user = current_user(request)
    try:
        ticket = _ticket(request, number)
        if ticket.watchers.filter(pk=user.pk).exists():
            actions.remove_watcher(ticket, user, actor=user)
            messages.success(request, _("You no longer watch this ticket."))
        else:
            actions.add_watcher(ticket, user, actor=user)
            messages.success(request, _("You now watch this ticket."))
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("workspace:ticket", number=number)


@staff_required
@require_GET
def canned_text(request: HttpRequest, number: int, canned_id: int) -> HttpResponse:
    try:
        ticket = _ticket(request, number)
        canned = canned_for(current_user(request)).filter(pk=canned_id).first()
        if canned is None:
            raise NotFound(_("This canned response does not exist."))
    except DomainError as err:
        return JsonResponse(err.as_dict(), status=err.status_code)
    return JsonResponse({"text": render_canned(canned, ticket, current_user(request))})


@staff_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    html = render_markdown(request.POST.get("body", "")[:100_000])
    return render(request, "workspace/partials/preview.html", {"html": html})


def _mark_presence(ticket: Ticket, user: Any, mode: str) -> None:
    TicketPresence.objects.update_or_create(
        ticket=ticket, user=user, defaults={"mode": mode, "seen_at": clock.now()}
    )


@staff_required
@require_GET
def presence(request: HttpRequest, number: int) -> HttpResponse:
    """Polled by the ticket page: records that this agent is here (viewing or replying) and
    answers who else is, and whether the ticket changed since the page was loaded."""
    try:
        ticket = _ticket(request, number)
    except DomainError as err:
        return render_domain_error(request, err)
    mode = request.GET.get("mode")
    if mode not in PresenceMode.values:
        mode = PresenceMode.VIEWING
    _mark_presence(ticket, current_user(request), mode)
    since = clock.now() - dt.timedelta(seconds=PRESENCE_SECONDS)
    others = list(
        TicketPresence.objects.filter(ticket=ticket, seen_at__gte=since)
        .exclude(user=current_user(request))
        .select_related("user")
        .order_by("user__first_name")
    )
    version = request.GET.get("version", "")
    seen = ids.parse_id(version)
    changed = seen is not None and seen < ticket.version
    return render(
        request,
        "workspace/partials/presence.html",
        {
            "ticket": ticket,
            "others": others,
            "changed": changed,
            "poll_seconds": POLL_SECONDS,
        },
    )
