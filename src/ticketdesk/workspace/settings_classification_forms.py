"""Forms of Settings → Classification and Settings → Agents: they parse what the admin typed
into the specs the actions take (tickets/actions/classification.py, accounts/agent_actions.py
validate and write)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import STAFF_ROLES, Role, Team
from ticketdesk.core.translatable import Translatable, other_languages
from ticketdesk.tickets.actions.classification import (
    BusinessAreaSpec,
    CategorySpec,
    TicketTypeSpec,
    descendant_ids,
)
from ticketdesk.tickets.models import Category, Channel, ChannelDefault, Tag


def _teams() -> Any:
    return Team.objects.filter(active=True).order_by("name")


def _any_team() -> Any:
    """Switched-off teams too: a row keeps the team it has even when that team is off."""
    return Team.objects.order_by("-active", "name")


class NamedForm(forms.Form):
    """A name in the site's language and one field per other language."""

    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args: Any, row: Translatable | None = None, **kw: Any):
        if row is not None and "initial" not in kw:
            kw["initial"] = {
                **self.initial_of(row),
                "name": row.name,  # type: ignore[attr-defined]
                **{
                    f"name__{lang}": (texts or {}).get("name", "")
                    for lang, texts in (row.translations or {}).items()
                    if isinstance(texts, dict)
                },
            }
        super().__init__(*args, **kw)
        for lang, language in other_languages():
            self.fields[f"name__{lang}"] = forms.CharField(
                required=False,
                max_length=100,
                label=_("Name (%(lang)s)") % {"lang": language},
            )

    def initial_of(self, row: Any) -> dict[str, Any]:
        return {"active": row.active}

    def language_fields(self) -> list[forms.BoundField]:
        return [self[f"name__{lang}"] for lang, _name in other_languages()]

    def translations(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            lang: {"name": data[f"name__{lang}"].strip()}
            for lang, _name in other_languages()
            if data.get(f"name__{lang}", "").strip()
        }


class TicketTypeForm(NamedForm):
    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        required=False,
        help_text=_(
            "How the API, the portal's address and rules name the type. Empty: made from the name."
        ),
    )
    order = forms.IntegerField(
        label=_("Order"), min_value=0, max_value=32767, initial=0, help_text=_("Lower comes first.")
    )
    default_team = forms.ModelChoiceField(
        queryset=_any_team(),
        required=False,
        label=_("Default team"),
        empty_label=_("None"),
        help_text=_("New tickets of this type go to this team when nothing more specific says."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def initial_of(self, row: Any) -> dict[str, Any]:
        return {
            "key": row.key,
            "order": row.order,
            "default_team": row.default_team_id,
            "active": row.active,
        }

    def spec(self) -> TicketTypeSpec:
        data = self.cleaned_data
        return TicketTypeSpec(
            key=data["key"].strip() or slugify(data["name"])[:40],
            name=data["name"],
            order=data["order"],
            active=data["active"],
            default_team=data["default_team"],
            translations=self.translations(),
        )


class CategoryForm(NamedForm):
    parent = forms.ModelChoiceField(
        queryset=Category.objects.none(),
        required=False,
        label=_("Under"),
        empty_label=_("Nothing (a top-level category)"),
        help_text=_("Move a category by choosing another place; its subcategories move with it."),
    )
    default_team = forms.ModelChoiceField(
        queryset=_any_team(),
        required=False,
        label=_("Default team"),
        empty_label=_("None"),
        help_text=_("New tickets of this category (and its subcategories) go to this team."),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Switched off: no longer offered; tickets that have it keep it."),
    )

    def __init__(self, *args: Any, row: Category | None = None, **kw: Any):
        super().__init__(*args, row=row, **kw)
        places = Category.objects.order_by("path")
        if row is not None:  # not under itself nor its subcategories
            places = places.exclude(pk__in={row.pk, *descendant_ids(row.pk)})
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = places

    def initial_of(self, row: Any) -> dict[str, Any]:
        return {"parent": row.parent_id, "default_team": row.default_team_id, "active": row.active}

    def spec(self) -> CategorySpec:
        data = self.cleaned_data
        return CategorySpec(
            name=data["name"],
            parent=data["parent"],
            active=data["active"],
            default_team=data["default_team"],
            translations=self.translations(),
        )


class BusinessAreaForm(NamedForm):
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def spec(self) -> BusinessAreaSpec:
        data = self.cleaned_data
        return BusinessAreaSpec(
            name=data["name"], active=data["active"], translations=self.translations()
        )


class ChannelDefaultsForm(forms.Form):
    """One team per channel (or none)."""

    def __init__(self, *args: Any, **kw: Any):
        current = dict(ChannelDefault.objects.values_list("channel", "team_id"))
        super().__init__(*args, **kw)
        for value, label in Channel.choices:
            self.fields[f"channel_{value}"] = forms.ModelChoiceField(
                queryset=_any_team(),
                required=False,
                label=label,
                empty_label=_("No team (triage)"),
                initial=current.get(value),
            )

    def teams(self) -> dict[str, Team | None]:
        return {value: self.cleaned_data[f"channel_{value}"] for value in Channel.values}


class TagRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=60)


class TagMergeForm(forms.Form):
    target = forms.CharField(
        label=_("Merge into the tag"),
        max_length=60,
        help_text=_("Every ticket with this tag gets that one instead; this tag is deleted."),
    )

    SUGGESTIONS = 500  # the browser's list of names to merge into (by name; the input filters)

    def __init__(self, *args: Any, tag: Tag, **kw: Any):
        self.tag = tag
        super().__init__(*args, **kw)
        self.fields["target"].widget.attrs.update(list="merge-targets", autocomplete="off")

    def suggestions(self) -> list[str]:
        """Names of the other tags for the input's <datalist> (no counting: at a million
        tickets the tag links are millions of rows)."""
        return list(
            Tag.objects.exclude(pk=self.tag.pk)
            .order_by("name")
            .values_list("name", flat=True)[: self.SUGGESTIONS]
        )

    def clean_target(self) -> Tag:
        name = " ".join(self.cleaned_data["target"].split())
        target = Tag.objects.filter(name__iexact=name).first()
        if target is None:
            raise forms.ValidationError(_("No tag has this name."))
        if target.pk == self.tag.pk:
            raise forms.ValidationError(_("Choose another tag to merge into."))
        return target


def _role_choices() -> list[tuple[str, Any]]:
    return [(value, label) for value, label in Role.choices if value in STAFF_ROLES]


class InviteForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=_role_choices,
        initial=Role.AGENT,
        widget=forms.RadioSelect,
        help_text=_(
            "Agents work tickets; light agents read their teams' tickets and add notes; "
            "administrators also change the settings."
        ),
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=_teams(),
        required=False,
        label=_("Teams"),
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        required=False,
        choices=lambda: [("", _("The site's language")), *settings.LANGUAGES],
    )


class AgentForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=_role_choices, widget=forms.RadioSelect)
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_(
            "Switched off: they cannot sign in and are not assigned new tickets; their "
            "tickets stay as they are."
        ),
    )
