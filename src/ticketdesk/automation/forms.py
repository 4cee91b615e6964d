"""Forms of the rule and macro builders: rows of (field, operator, value) and of actions,
so that admins never type JSON."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Team

from . import conditions, fields, steps
from .models import MacroVisibility, TimeAnchor, Trigger

MATCH_CHOICES = [("all", _("all of")), ("any", _("any of"))]
GROUPS = ("a", "b", "c")
GROUP_CHOICES = [
    ("", _("Main")),
    ("a", _("Group A")),
    ("b", _("Group B")),
    ("c", _("Group C")),
]


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)
    time_anchor = forms.ChoiceField(
        label=_("Time since"), choices=[("", "—"), *TimeAnchor.choices], required=False
    )
    time_hours = forms.IntegerField(label=_("Hours"), min_value=1, required=False)
    match = forms.ChoiceField(
        label=_("Match"),
        choices=MATCH_CHOICES,
        initial="all",
        widget=forms.Select(attrs={"aria-label": _("Match")}),  # inline in a sentence
    )
    group_a = forms.ChoiceField(label=_("Group A matches"), choices=MATCH_CHOICES, initial="any")
    group_b = forms.ChoiceField(label=_("Group B matches"), choices=MATCH_CHOICES, initial="any")
    group_c = forms.ChoiceField(label=_("Group C matches"), choices=MATCH_CHOICES, initial="any")
    stop_processing = forms.BooleanField(
        label=_("Stop processing later rules when this one fires"), required=False
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)


def name_every_field(form: forms.Form) -> None:
    """Rows of the builders show their labels once, as column headings: each control gets
    its label as its accessible name (screen readers, axe-core's label and select-name)."""
    for bound in form.visible_fields():
        bound.field.widget.attrs.setdefault("aria-label", bound.field.label or bound.name)


class NamedRowsFormSet(BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")
        name_every_field(form)


class JoinedValues(forms.TextInput):
    """A value that may come from a text box or a multiple choice list ("is one of"):
    several chosen values are joined with commas, as typed ones are."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if hasattr(data, "getlist"):
            values = [v for v in data.getlist(name) if v != ""]
            return ", ".join(values) if len(values) > 1 else (values[0] if values else "")
        return data.get(name)


class ConditionForm(forms.Form):
    group = forms.ChoiceField(label=_("Group"), choices=GROUP_CHOICES, required=False)
    field = forms.ChoiceField(label=_("Field"), required=False)
    operator = forms.ChoiceField(
        label=_("Operator"), choices=list(conditions.OPERATORS.items()), required=False
    )
    value = forms.CharField(label=_("Value"), max_length=500, required=False, widget=JoinedValues())

    def __init__(self, *args: Any, field_choices: list | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["field"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *(field_choices or [])]


class StepForm(forms.Form):
    type = forms.ChoiceField(label=_("Action"), required=False)
    target = forms.CharField(
        label=_("Field / recipients / team"),
        max_length=500,
        required=False,
        help_text=_(
            "Set field: the field. Email: requester, cc, assignee, team, watchers or addresses. "
            "Notify: assignee, team, team_leads, watchers or usernames. Assign: a team (optional)."
        ),
    )
    value = forms.CharField(
        label=_("Value / subject / URL"),
        max_length=500,
        required=False,
        help_text=_(
            "The new value, the agent, the tag, the email subject, the webhook URL or the "
            "canned response."
        ),
    )
    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Note, email body or message; placeholders like {{ ticket.number }}."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *steps.STEP_TYPES.items()]


ConditionFormSet = formset_factory(
    ConditionForm, formset=NamedRowsFormSet, extra=3, can_delete=True, max_num=50
)
StepFormSet = formset_factory(
    StepForm,
    formset=NamedRowsFormSet,
    extra=0,  # rows are added one at a time ("Add an action")
    can_delete=True,
    can_order=True,
    max_num=steps.MAX_STEPS,
    validate_max=True,
)


def condition_formset(data: Any = None, initial: list | None = None) -> Any:
    return ConditionFormSet(
        data,
        initial=initial,
        prefix="cond",
        form_kwargs={"field_choices": fields.field_choices()},
    )


def step_formset(data: Any = None, initial: list | None = None) -> Any:
    formset = StepFormSet(data, initial=initial, prefix="step")
    if data is None and not initial:
        formset.extra = 1  # a new rule or macro starts with one empty action
    return formset


def _kept(formset: Any) -> list[dict[str, Any]]:
    rows = []
    for form in formset.forms:
        data = form.cleaned_data if form.is_valid() else {}
        if not data or data.get("DELETE"):
            continue
        rows.append(data)
    return rows


def build_tree(rule_form: forms.Form, formset: Any) -> dict[str, Any]:
    """The condition tree from the main match, group matches and condition rows."""
    top: list[dict[str, Any]] = []
    groups: dict[str, list[dict[str, Any]]] = {g: [] for g in GROUPS}
    for row in _kept(formset):
        if not row.get("field"):
            continue
        leaf = {"field": row["field"], "operator": row["operator"] or "is", "value": row["value"]}
        (groups[row["group"]] if row.get("group") in groups else top).append(leaf)
    for name in GROUPS:
        if groups[name]:
            top.append(
                {
                    "match": rule_form.cleaned_data.get(f"group_{name}") or "any",
                    "conditions": groups[name],
                }
            )
    return {"match": rule_form.cleaned_data.get("match") or "all", "conditions": top}


def flatten_tree(tree: dict[str, Any]) -> tuple[dict[str, str], list[dict[str, str]], bool]:
    """(match settings, condition rows, lossy) for editing a stored tree in the form. Trees
    nested deeper than one level of groups are flattened into their top group (lossy)."""
    settings = {"match": tree.get("match", "all")}
    rows: list[dict[str, str]] = []
    lossy = False
    group_index = 0

    def leaves(node: dict[str, Any]) -> list[dict[str, Any]]:
        nonlocal lossy
        found = []
        for child in node.get("conditions", []):
            if "conditions" in child:
                lossy = True
                found += leaves(child)
            else:
                found.append(child)
        return found

    for child in tree.get("conditions", []):
        if "conditions" in child:
            if group_index >= len(GROUPS):
                lossy = True
                name = GROUPS[-1]
            else:
                name = GROUPS[group_index]
                group_index += 1
                settings[f"group_{name}"] = child.get("match", "any")
            rows += [{**leaf, "group": name} for leaf in leaves(child)]
        else:
            rows.append({**child, "group": ""})
    return settings, rows, lossy


def step_rows(formset: Any) -> list[dict[str, str]]:
    """The actions in the order the rows were put in (their ORDER, else their position)."""
    kept = [(row.get("ORDER") or index + 1, index, row) for index, row in enumerate(_kept(formset))]
    return [
        {k: row.get(k) or "" for k in ("type", "target", "value", "text")}
        for _order, _index, row in sorted(kept, key=lambda item: (item[0], item[1]))
        if row.get("type")
    ]


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    visibility = forms.ChoiceField(label=_("Available to"), choices=MacroVisibility.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class DryRunForm(forms.Form):
    ticket = forms.CharField(label=_("Ticket number"), max_length=30)
    trigger = forms.ChoiceField(
        label=_("Trigger"), choices=[("", _("Each rule's own")), *Trigger.choices], required=False
    )
