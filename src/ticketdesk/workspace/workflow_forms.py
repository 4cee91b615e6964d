"""Forms of the ticket page's workflow actions: resolve (summary and verification checklist)
and escalate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Team
from ticketdesk.tickets import workflow
from ticketdesk.tickets.models import DONE_CATEGORIES, Ticket, VerificationKind
from ticketdesk.tickets.resolution import Resolution, steps_for

from .forms import AgentChoiceField, ShortChoiceField, agents_queryset

CHECK_PREFIX = "check_"


class ResolveForm(forms.Form):
    """Resolve an active ticket: where to (a resolved or closed status the workflow allows),
    what was done, and the ticket type's checklist."""

    status = forms.TypedChoiceField(label=_("Resolve as"), coerce=int)
    resolution_summary = forms.CharField(
        label=_("What was done"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the ticket and in its history, for colleagues and reports."),
    )
    send_to_customer = forms.BooleanField(
        label=_("Also send this summary to the customer as a reply"), required=False
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "resolve_%s")  # the side panel has a "status" too
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.targets = [
            s
            for s in workflow.allowed_targets(ticket.status, ticket_type_id=ticket.ticket_type_id)
            if s.category in DONE_CATEGORIES
        ]
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.TypedChoiceField)
        status_field.choices = [(s.pk, str(s)) for s in self.targets]
        if self.targets:
            status_field.initial = self.targets[0].pk
        self.steps = steps_for(ticket.ticket_type_id)
        for step in self.steps:
            label = gettext(step.label)
            field: forms.Field
            if step.kind == VerificationKind.CHECK:
                field = forms.BooleanField(label=label, required=False)
            else:
                field = forms.CharField(label=label, required=False, max_length=200)
            if step.required:
                field.widget.attrs["aria-required"] = "true"
            setattr(field, "checklist_required", step.required)  # noqa: B010
            self.fields[CHECK_PREFIX + step.key] = field

    def checklist(self) -> list[forms.BoundField]:
        return [self[CHECK_PREFIX + step.key] for step in self.steps]

    def status_object(self) -> Any:
        wanted = self.cleaned_data["status"]
        return next(s for s in self.targets if s.pk == wanted)

    def resolution(self) -> Resolution:
        return Resolution(
            summary=self.cleaned_data["resolution_summary"],
            verification={
                step.key: self.cleaned_data.get(CHECK_PREFIX + step.key) for step in self.steps
            },
        )

    def add_domain_errors(self, fields: dict[str, list[str]], message: str) -> None:
        placed = False
        for name, errors in fields.items():
            target = name
            if name.startswith("verification."):
                target = CHECK_PREFIX + name.split(".", 1)[1]
            if target in self.fields:
                for error in errors:
                    self.add_error(target, error)
                placed = True
        if not placed:
            self.add_error(None, message)


ESCALATION_KINDS = [
    ("functional", _("To another team (functional)")),
    ("hierarchical", _("To a team lead or manager (hierarchical)")),
]


class EscalateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Escalate"), choices=ESCALATION_KINDS, widget=forms.RadioSelect
    )
    team = ShortChoiceField(
        queryset=Team.objects.filter(active=True),
        cache_key="teams",
        label=_("Team"),
        required=False,
        empty_label=_("The team's escalation team"),
    )
    user = AgentChoiceField(
        queryset=agents_queryset(),
        cache_key="agents",
        label=_("Person"),
        required=False,
        empty_label="—",
        help_text=_(
            "To a team: optional, else the ticket waits in its queue. To a lead: empty means "
            "the ticket's team lead."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why it needs more than this level: what was tried, what is at stake."),
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"kind": "functional"})
        kwargs.setdefault("auto_id", "escalate_%s")
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        user_field = self.fields["user"]
        assert isinstance(user_field, ShortChoiceField)
        user_field.queryset = agents_queryset()
        user_field.cache_key = "agents"

    def add_domain_errors(self, fields: dict[str, list[str]], message: str) -> None:
        placed = False
        for name, errors in fields.items():
            if name in self.fields:
                for error in errors:
                    self.add_error(name, error)
                placed = True
        if not placed:
            self.add_error(None, message)
