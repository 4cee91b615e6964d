"""Automation pages: the rule list and builder, dry runs, per-ticket automation logs, and
macros. Views parse input, call one action or query, and render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ticketdesk.accounts import policy
from ticketdesk.core.errors import DomainError, NotFound, ValidationFailed
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import queries as ticket_queries

from . import actions, builder, conditions, engine, forms, placeholders, queries, steps
from .models import Macro, Rule, TimeAnchor

View = Callable[..., HttpResponse]


def domain_errors(view: View) -> View:
    """Log in first; map domain errors to their status codes."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render_domain_error(request, error)

    return wrapper


def _require_admin(request: HttpRequest) -> None:
    policy.require(request.user, policy.ADMINISTER)


def _require_macros(request: HttpRequest) -> None:
    policy.require(request.user, policy.VIEW_MACROS)


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    return render(request, template, {"page_nav": "automation", **context}, status=status)


# ---------------------------------------------------------------- rules


@domain_errors
def rule_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return _page(request, "automation/rule_list.html", {"rules": list(queries.rules())})


def _builder_context(rule: Rule | None, form: Any, cond: Any, step: Any, **extra: Any) -> dict:
    suggestions = queries.value_suggestions()
    builder.decorate(cond, step, suggestions)
    return {
        "rule": rule,
        "form": form,
        "conditions_formset": cond,
        "steps_formset": step,
        "suggestions": suggestions,
        "placeholders": placeholders.catalogue(),
        "settable_fields": list(steps.SETTABLE_FIELDS.items()),
        **extra,
    }


@domain_errors
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_admin(request)
    rule = queries.rule(pk) if pk is not None else None
    if request.method == "POST":
        form = forms.RuleForm(request.POST)
        cond = forms.condition_formset(request.POST)
        step = forms.step_formset(request.POST)
        if form.is_valid() and cond.is_valid() and step.is_valid():
            data = {
                **{k: form.cleaned_data[k] for k in ("name", "description", "trigger")},
                "time_anchor": form.cleaned_data["time_anchor"] or "",
                "time_hours": form.cleaned_data["time_hours"],
                "stop_processing": form.cleaned_data["stop_processing"],
                "enabled": form.cleaned_data["enabled"],
                "conditions": forms.build_tree(form, cond),
                "actions": forms.step_rows(step),
            }
            try:
                saved = actions.save_rule(request.user, data, rule)  # type: ignore[arg-type]
            except ValidationFailed as error:
                context = _builder_context(rule, form, cond, step, error=error)
                return _page(request, "automation/rule_form.html", context, status=400)
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
            return redirect("automation:rules")
        context = _builder_context(rule, form, cond, step)
        return _page(request, "automation/rule_form.html", context, status=400)
    lossy = False
    if rule is None:
        form = forms.RuleForm()
        cond = forms.condition_formset()
        step = forms.step_formset()
    else:
        match_settings, rows, lossy = forms.flatten_tree(rule.conditions or {})
        form = forms.RuleForm(
            initial={
                "name": rule.name,
                "description": rule.description,
                "trigger": rule.trigger,
                "time_anchor": rule.time_anchor,
                "time_hours": rule.time_hours,
                "stop_processing": rule.stop_processing,
                "enabled": rule.enabled,
                **match_settings,
            }
        )
        cond = forms.condition_formset(initial=rows)
        step = forms.step_formset(initial=rule.actions or [])
    context = _builder_context(rule, form, cond, step, lossy=lossy)
    return _page(request, "automation/rule_form.html", context)


@require_POST
@domain_errors
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = queries.rule(pk)
    actions.set_enabled(request.user, rule, not rule.enabled)  # type: ignore[arg-type]
    return redirect("automation:rules")


@require_POST
@domain_errors
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    direction = "up" if request.POST.get("direction") == "up" else "down"
    actions.move_rule(request.user, queries.rule(pk), direction)  # type: ignore[arg-type]
    return redirect("automation:rules")


@require_POST
@domain_errors
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = queries.rule(pk)
    actions.delete_rule(request.user, rule)  # type: ignore[arg-type]
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("automation:rules")


@domain_errors
def rule_log(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    rule = queries.rule(pk)
    executions = queries.rule_executions(rule)
    return _page(
        request,
        "automation/rule_log.html",
        {"rule": rule, "executions": [_trace(e) for e in executions]},
    )


# ---------------------------------------------------------------- dry runs


def _dry_run_view(request: HttpRequest, rules: list[Rule] | None) -> HttpResponse:
    form = forms.DryRunForm(request.GET or None)
    results: list[dict[str, Any]] = []
    ticket = None
    if form.is_valid():
        ticket = ticket_queries.ticket_detail(request.user, form.cleaned_data["ticket"])
        ticket = engine.load_ticket(ticket.pk)
        if ticket is None:
            raise NotFound(_("This ticket does not exist or you cannot see it."))
        trigger = form.cleaned_data.get("trigger") or None
        if rules is None:
            runs = engine.dry_run_all(ticket, trigger)
        else:
            runs = [engine.dry_run(rule, ticket) for rule in rules]
        results = [
            {
                "rule": run.rule,
                "matched": run.matched,
                "report": _labelled(run.report),
                "would_do": run.would_do,
                "skipped_reason": run.skipped_reason,
            }
            for run in runs
        ]
    context = {
        "form": form,
        "ticket": ticket,
        "results": results,
        "single_rule": rules[0] if rules else None,
    }
    return _page(request, "automation/dry_run.html", context)


@domain_errors
def rule_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    return _dry_run_view(request, [queries.rule(pk)])


@domain_errors
def test_all(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return _dry_run_view(request, None)


def _labelled(report: dict[str, Any]) -> dict[str, Any]:
    labelled = conditions.with_labels(report)
    anchors = dict(TimeAnchor.choices)

    def fix(node: dict[str, Any]) -> None:
        for child in node.get("conditions", []):
            fix(child)
        if node.get("field") in anchors:
            node["field_label"] = str(anchors[node["field"]])

    fix(labelled)
    return labelled


def _trace(execution: Any) -> dict[str, Any]:
    reports = execution.condition_results or [{}]
    return {"execution": execution, "report": _labelled(reports[0] if reports else {})}


# ---------------------------------------------------------------- per-ticket log


@domain_errors
def ticket_log(request: HttpRequest, number: str) -> HttpResponse:
    """Which rules looked at this ticket and why each did or did not act (a fragment for
    the workspace's ticket page)."""
    ticket = queries.ticket_for_automation(request.user, number)
    executions = queries.executions_for_ticket(ticket)
    return render(
        request,
        "automation/ticket_log.html",
        {
            "ticket": ticket,
            "traces": [_trace(e) for e in executions],
            "can_administer": policy.can(request.user, policy.ADMINISTER),
        },
    )


# ---------------------------------------------------------------- macros


@domain_errors
def macro_list(request: HttpRequest) -> HttpResponse:
    _require_macros(request)
    return _page(
        request,
        "automation/macro_list.html",
        {
            "macros": list(queries.macros_manageable_by(request.user)),
            "can_create": policy.can(request.user, policy.CREATE_MACRO),
        },
    )


@domain_errors
def macro_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_macros(request)
    macro = None
    if pk is not None:
        macro = queries.macros_manageable_by(request.user).filter(pk=pk).first()
        if macro is None:
            raise NotFound(_("This macro does not exist or you cannot change it."))
    else:
        policy.require(request.user, policy.CREATE_MACRO)
    if request.method == "POST":
        form = forms.MacroForm(request.POST)
        step = forms.step_formset(request.POST)
        error = None
        if form.is_valid() and step.is_valid():
            data = {**form.cleaned_data, "actions": forms.step_rows(step)}
            try:
                saved = actions.save_macro(request.user, data, macro)  # type: ignore[arg-type]
            except ValidationFailed as exc:
                error = exc
            else:
                messages.success(request, _("Macro “%(name)s” saved.") % {"name": saved.name})
                return redirect("automation:macros")
        context = {"macro": macro, "form": form, "steps_formset": step, "error": error}
        return _page(request, "automation/macro_form.html", _macro_context(context), status=400)
    if macro is None:
        form = forms.MacroForm(initial={"visibility": "personal"})
        step = forms.step_formset()
    else:
        form = forms.MacroForm(
            initial={
                "name": macro.name,
                "description": macro.description,
                "visibility": macro.visibility,
                "team": macro.team_id,
                "active": macro.active,
            }
        )
        step = forms.step_formset(initial=macro.actions or [])
    context = {"macro": macro, "form": form, "steps_formset": step}
    return _page(request, "automation/macro_form.html", _macro_context(context))


def _macro_context(context: dict[str, Any]) -> dict[str, Any]:
    suggestions = queries.value_suggestions()
    builder.decorate([], context.get("steps_formset"), suggestions)
    return {
        **context,
        "suggestions": suggestions,
        "placeholders": placeholders.catalogue(),
        "settable_fields": list(steps.SETTABLE_FIELDS.items()),
    }


@require_POST
@domain_errors
def macro_delete(request: HttpRequest, pk: int) -> HttpResponse:
    macro = queries.macros_manageable_by(request.user).filter(pk=pk).first()
    if macro is None:
        raise NotFound(_("This macro does not exist or you cannot change it."))
    actions.delete_macro(request.user, macro)  # type: ignore[arg-type]
    return redirect("automation:macros")


def _back_to_ticket(request: HttpRequest, number: int) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return placeholders.ticket_path(number)


@require_POST
@domain_errors
def macro_apply(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    """Apply a macro as the requesting agent; 409 when the ticket changed since the agent
    loaded it (expected_version)."""
    ticket = ticket_queries.ticket_detail(request.user, number)
    macro = Macro.objects.filter(pk=pk).first()
    if macro is None:
        raise NotFound(_("This macro does not exist."))
    raw_version = request.POST.get("expected_version", "")
    if raw_version and (not raw_version.isdigit() or len(raw_version) > 9):
        raise ValidationFailed(_("Invalid version."))
    done = actions.apply_macro(
        macro,
        ticket,
        actor=request.user,  # type: ignore[arg-type]
        expected_version=int(raw_version) if raw_version else None,
    )
    messages.success(
        request,
        _("Applied “%(macro)s”: %(done)s") % {"macro": macro.name, "done": "; ".join(done)},
    )
    url = _back_to_ticket(request, ticket.number)
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


@domain_errors
def macros_for(request: HttpRequest, number: str) -> HttpResponse:
    """The macros the agent can apply to this ticket (a fragment for the ticket page)."""
    _require_macros(request)
    ticket = ticket_queries.ticket_detail(request.user, number)
    found = queries.macros_for_ticket(request.user, ticket)
    return render(
        request,
        "automation/macros_for.html",
        {
            "ticket": ticket,
            "macros": [
                {"macro": m, "steps": [steps.describe(s) for s in m.actions]} for m in found
            ],
            "next": request.GET.get("next", ""),
        },
    )
