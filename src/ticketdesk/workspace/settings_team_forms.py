"""Forms of the Settings' teams section: a team (strategy, escalation, members and leads)
and an agent's routing profile (capacity, skills picked from lists)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import AssignmentStrategy, Team, User
from ticketdesk.accounts.team_actions import TeamSpec
from ticketdesk.core.translatable import site_languages
from ticketdesk.tickets.models import Category, TicketType

from .forms import ShortChoiceField


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    assignment_strategy = forms.ChoiceField(
        label=_("Routing"),
        choices=AssignmentStrategy.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Round robin takes turns; least loaded picks who has the fewest open tickets; "
            "skills based prefers agents whose skills match the ticket."
        ),
    )
    email = forms.EmailField(label=_("Email address"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    escalation_team = ShortChoiceField(
        queryset=Team.objects.filter(active=True).order_by("name"),
        required=False,
        label=_("Escalates to"),
        empty_label=_("Nobody"),
    )
    sees_triage = forms.BooleanField(label=_("Works the triage queue"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, team: Team | None, agents: list[User], **kw: Any):
        self.team = team
        self.agents = agents
        memberships = {m.user_id: m.is_lead for m in team.memberships.all()} if team else {}
        if team is not None:
            kw.setdefault(
                "initial",
                {
                    "name": team.name,
                    "assignment_strategy": team.assignment_strategy,
                    "email": team.email,
                    "description": team.description,
                    "escalation_team": team.escalation_team_id,
                    "sees_triage": team.sees_triage,
                    "active": team.active,
                },
            )
        else:
            kw.setdefault("initial", {"assignment_strategy": AssignmentStrategy.MANUAL})
        super().__init__(*args, **kw)
        for agent in agents:
            self.fields[f"member_{agent.pk}"] = forms.BooleanField(
                label=agent.display_name, required=False, initial=agent.pk in memberships
            )
            self.fields[f"lead_{agent.pk}"] = forms.BooleanField(
                label=_("Lead"), required=False, initial=memberships.get(agent.pk, False)
            )

    def member_rows(self) -> list[tuple[User, forms.BoundField, forms.BoundField]]:
        return [(a, self[f"member_{a.pk}"], self[f"lead_{a.pk}"]) for a in self.agents]

    def spec(self) -> TeamSpec:
        data = self.cleaned_data
        members = {
            a.pk: bool(data.get(f"lead_{a.pk}")) for a in self.agents if data.get(f"member_{a.pk}")
        }
        return TeamSpec(
            name=data["name"],
            assignment_strategy=data["assignment_strategy"],
            email=data["email"],
            description=data["description"],
            escalation_team=data["escalation_team"],
            sees_triage=data["sees_triage"],
            active=data["active"],
            members=members,
        )


class RoutingProfileForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=0,
        max_value=10000,
        initial=0,
        help_text=_("Most open tickets routed to this agent; 0 means no limit."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A category also matches its subcategories."),
    )
    types = forms.MultipleChoiceField(
        label=_("Ticket types"), required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        categories = Category.objects.filter(active=True).order_by("path")
        self.fields["categories"].choices = [  # type: ignore[attr-defined]
            (c.path, c.localized_path()) for c in categories
        ]
        self.fields["types"].choices = [  # type: ignore[attr-defined]
            (t.key, t.translated()) for t in TicketType.objects.filter(active=True)
        ]
        self.fields["languages"].choices = site_languages()  # type: ignore[attr-defined]

    def skills(self) -> set[tuple[str, str]]:
        data = self.cleaned_data
        return (
            {("category", v) for v in data["categories"]}
            | {("type", v) for v in data["types"]}
            | {("language", v) for v in data["languages"]}
        )
