"""Forms of the Settings area: they parse what the admin typed into the specs the
configuration actions take (tickets/actions/configuration.py validates and writes)."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ticketdesk.core.translatable import other_languages
from ticketdesk.tickets import workflow
from ticketdesk.tickets.actions.configuration import FieldSpec, StatusSpec
from ticketdesk.tickets.custom_fields import TYPED_SETTINGS, settings_of_type
from ticketdesk.tickets.models import (
    AGENT_ONLY_TYPES,
    Category,
    CustomFieldDefinition,
    FieldSection,
    FieldType,
    Status,
    StatusCategory,
    StatusColour,
    TicketType,
    Transition,
)

from .forms import ShortChoiceField


class ShortMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ShortChoiceField.iterator


def parse_choices(text: str) -> list[dict[str, str]]:
    """One choice a line: "value" or "value | label"."""
    choices = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        value, _bar, label = line.partition("|")
        value = value.strip()
        choices.append({"value": value, "label": label.strip() or value})
    return choices


def choices_text(choices: Any) -> str:
    lines = []
    for choice in choices or []:
        if isinstance(choice, dict):
            value = str(choice.get("value", ""))
            label = str(choice.get("label") or value)
            lines.append(value if label == value else f"{value} | {label}")
        else:
            lines.append(str(choice))
    return "\n".join(lines)


MEGABYTE = 1024 * 1024


def desk_limit_megabytes() -> Decimal:
    """The desk's attachment limit in MB (two decimals, rounded down)."""
    limit = Decimal(int(settings.TICKETDESK["MAX_ATTACHMENT_BYTES"])) / MEGABYTE
    return limit.quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def typed_inputs(fields: dict[str, forms.Field]) -> dict[str, list[str]]:
    """The inputs of the field form that only some types use, with those types."""
    by_setting = {
        name: [t.value for t in FieldType if name in settings_of_type(t)] for name in TYPED_SETTINGS
    }
    by_setting["max_file_megabytes"] = by_setting.pop("max_file_bytes")
    # agents and assets are never asked in the portal (customers do not know them)
    by_setting["visible_to_customers"] = [t.value for t in FieldType if t not in AGENT_ONLY_TYPES]
    return {
        name: by_setting[name.split("__")[0]]
        for name in fields
        if name.split("__")[0] in by_setting
    }


def _language_field(form: forms.Form, name: str, label: Any, lang: str, **kw: Any) -> None:
    form.fields[f"{name}__{lang}"] = forms.CharField(required=False, label=label, **kw)


class CustomFieldForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100)
    key = forms.CharField(
        label=_("Key"),
        max_length=60,
        required=False,
        help_text=_("How the API and rules name the field. Empty: made from the label."),
    )
    field_type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One choice a line. To store a value other than the label: value | label."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    help_text = forms.CharField(label=_("Help text"), max_length=200, required=False)
    pattern = forms.CharField(
        label=_("Pattern"),
        max_length=200,
        required=False,
        help_text=_("A regular expression text values must match, e.g. [A-Z]{2}-[0-9]{4}."),
    )
    min_value = forms.FloatField(label=_("Minimum"), required=False)
    max_value = forms.FloatField(label=_("Maximum"), required=False)
    min_length = forms.IntegerField(label=_("Minimum length"), required=False, min_value=0)
    max_length = forms.IntegerField(label=_("Maximum length"), required=False, min_value=1)
    allowed_file_types = forms.CharField(
        label=_("Accepted files"),
        max_length=300,
        required=False,
        help_text=_("Extensions or content types, e.g. .pdf, .png, image/*. Empty: any type."),
    )
    max_file_megabytes = forms.DecimalField(
        label=_("Largest file (MB)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=9,
        decimal_places=2,
        help_text=_("Empty: the desk's attachment limit, which is also the most you can set."),
    )
    show_when_category = ShortChoiceField(
        queryset=Category.objects.filter(active=True),
        required=False,
        label=_("Show only when the category is"),
        empty_label=_("Always show"),
        help_text=_("Subcategories count too."),
    )
    visible_to_customers = forms.BooleanField(
        label=_("Asked in the portal"),
        required=False,
        help_text=_(
            "Fields of type “Agent of the desk” or “Asset from the inventory” are never asked "
            "in the portal."
        ),
    )
    section = ShortChoiceField(
        queryset=FieldSection.objects.all(),
        required=False,
        label=_("Section"),
        empty_label=_("No section"),
        help_text=_("The forms group a section's fields under its name."),
    )
    ticket_types = ShortMultipleChoiceField(
        queryset=TicketType.objects.filter(active=True),
        required=False,
        label=_("Ticket types"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the field is on every type's form."),
    )

    def __init__(self, *args: Any, definition: CustomFieldDefinition | None = None, **kw: Any):
        self.definition = definition
        if definition is not None and "initial" not in kw:
            kw["initial"] = self._initial(definition)
        super().__init__(*args, **kw)
        self.ignored: list[str] = []  # what the admin gave that the chosen type does not use
        self.fields["max_file_megabytes"].widget.attrs["max"] = str(desk_limit_megabytes())
        for lang, name in other_languages():
            _language_field(self, "label", _("Label (%(lang)s)") % {"lang": name}, lang)
            _language_field(self, "help_text", _("Help text (%(lang)s)") % {"lang": name}, lang)
            _language_field(
                self,
                "choices",
                _("Choices (%(lang)s)") % {"lang": name},
                lang,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=_("The labels in the same order, one a line."),
            )
        for name, types in typed_inputs(self.fields).items():
            # settings.js hides (and disables) the inputs the chosen type does not use
            self.fields[name].widget.attrs["data-applies-to"] = " ".join(types)

    @staticmethod
    def _initial(definition: CustomFieldDefinition) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(definition, name)
            for name in (
                "label",
                "key",
                "field_type",
                "required",
                "help_text",
                "pattern",
                "min_value",
                "max_value",
                "min_length",
                "max_length",
                "visible_to_customers",
            )
        }
        initial["allowed_file_types"] = definition.allowed_file_types
        if definition.max_file_bytes:
            megabytes = Decimal(definition.max_file_bytes) / MEGABYTE
            initial["max_file_megabytes"] = max(
                megabytes.quantize(Decimal("0.01")), Decimal("0.01")
            )
        initial["choices"] = choices_text(definition.choices)
        initial["show_when_category"] = definition.show_when_category_id
        initial["section"] = definition.section_id
        initial["ticket_types"] = [t.pk for t in definition.ticket_types.all()]
        values = [c["value"] for c in parse_choices(initial["choices"])]
        for lang, texts in (definition.translations or {}).items():
            initial[f"label__{lang}"] = texts.get("label", "")
            initial[f"help_text__{lang}"] = texts.get("help_text", "")
            labels = texts.get("choices") or {}
            initial[f"choices__{lang}"] = "\n".join(labels.get(v, "") for v in values)
        return initial

    def language_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(language name, its fields) for each language other than the base one."""
        return [
            (name, [self[f"{field}__{lang}"] for field in ("label", "help_text", "choices")])
            for lang, name in other_languages()
        ]

    def _translations(self, choices: list[dict[str, str]]) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for lang, _name in other_languages():
            texts: dict[str, Any] = {}
            for name in ("label", "help_text"):
                if data.get(f"{name}__{lang}", "").strip():
                    texts[name] = data[f"{name}__{lang}"].strip()
            lines = (data.get(f"choices__{lang}") or "").splitlines()
            labels = {
                c["value"]: line.strip()
                for c, line in zip(choices, lines, strict=False)
                if line.strip()
            }
            if labels:
                texts["choices"] = labels
            if texts:
                out[lang] = texts
        return out

    def clean(self) -> dict[str, Any]:
        """Drop what the chosen type does not use (the page hides those inputs; without
        JavaScript they show, and what is typed in them is ignored: `ignored` names it)."""
        data = super().clean() or {}
        chosen = data.get("field_type") or ""
        for name, types in typed_inputs(self.fields).items():
            if chosen in types or name not in data:
                continue
            if isinstance(self.fields[name], forms.BooleanField):
                data[name] = False  # "asked in the portal" for an agent field: never
                continue
            if data[name] not in (None, "") and "__" not in name:
                self.ignored.append(str(self.fields[name].label))
            data[name] = "" if isinstance(self.fields[name], forms.CharField) else None
        if "max_file_megabytes" in self.cleaned_data and data.get("max_file_megabytes"):
            if data["max_file_megabytes"] > desk_limit_megabytes():
                self.add_error(
                    "max_file_megabytes",
                    _("At most the desk's attachment limit: %(n)s MB.")
                    % {"n": desk_limit_megabytes()},
                )
        return data

    def _file_bytes(self, megabytes: Decimal | None) -> int | None:
        if not megabytes:
            return None
        kept = self.definition.max_file_bytes if self.definition is not None else None
        if kept and megabytes == self.initial.get("max_file_megabytes"):
            return kept  # unchanged: not rounded to the megabytes shown
        return int(megabytes * MEGABYTE)

    def spec(self) -> FieldSpec:
        data = self.cleaned_data
        choices = parse_choices(data["choices"])
        megabytes = data.get("max_file_megabytes")
        return FieldSpec(
            key=data["key"].strip() or slugify(data["label"]).replace("-", "_")[:60],
            label=data["label"].strip(),
            field_type=data["field_type"],
            choices=choices,
            required=data["required"],
            help_text=data["help_text"].strip(),
            pattern=data["pattern"].strip(),
            min_value=data["min_value"],
            max_value=data["max_value"],
            min_length=data["min_length"],
            max_length=data["max_length"],
            show_when_category=data["show_when_category"],
            visible_to_customers=data["visible_to_customers"],
            ticket_types=list(data["ticket_types"]),
            translations=self._translations(choices),
            section=data["section"],
            allowed_file_types=data["allowed_file_types"].strip(),
            max_file_bytes=self._file_bytes(megabytes),
        )


class FieldSectionForm(forms.Form):
    """A section of the ticket form: its name in the site's language and the others."""

    name = forms.CharField(label=_("Section name"), max_length=80)

    def __init__(self, *args: Any, section: FieldSection | None = None, **kw: Any):
        if section is not None and "initial" not in kw:
            kw["initial"] = {
                "name": section.name,
                **{
                    f"name__{lang}": (texts or {}).get("name", "")
                    for lang, texts in (section.translations or {}).items()
                },
            }
        super().__init__(*args, **kw)
        for lang, name in other_languages():
            _language_field(
                self, "name", _("Name (%(lang)s)") % {"lang": name}, lang, max_length=80
            )

    def language_fields(self) -> list[forms.BoundField]:
        return [self[f"name__{lang}"] for lang, _name in other_languages()]

    def translations(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            lang: {"name": data[f"name__{lang}"].strip()}
            for lang, _name in other_languages()
            if data.get(f"name__{lang}", "").strip()
        }


class StatusForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        required=False,
        help_text=_("How the API and rules name the status. Empty: made from the name."),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=StatusCategory.choices,
        help_text=_("What the status means for reports and SLA clocks."),
    )
    colour = forms.ChoiceField(
        label=_("Colour"),
        choices=[("", _("The colour of the category")), *StatusColour.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=_("The badge on ticket lists and tickets; readable in light and dark mode."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, status: Status | None = None, **kw: Any):
        if status is not None and "initial" not in kw:
            kw["initial"] = {
                "name": status.name,
                "key": status.key,
                "category": status.category,
                "colour": status.colour,
                "active": status.active,
                **{
                    f"name__{lang}": (texts or {}).get("name", "")
                    for lang, texts in (status.translations or {}).items()
                },
            }
        super().__init__(*args, **kw)
        for lang, name in other_languages():
            _language_field(self, "name", _("Name (%(lang)s)") % {"lang": name}, lang)

    def language_fields(self) -> list[forms.BoundField]:
        return [self[f"name__{lang}"] for lang, _name in other_languages()]

    def spec(self) -> StatusSpec:
        data = self.cleaned_data
        translations = {
            lang: {"name": data[f"name__{lang}"].strip()}
            for lang, _name in other_languages()
            if data.get(f"name__{lang}", "").strip()
        }
        return StatusSpec(
            key=data["key"].strip() or slugify(data["name"]).replace("-", "_")[:40],
            name=data["name"],
            category=data["category"],
            active=data["active"],
            translations=translations,
            colour=data["colour"],
        )


class TransitionForm(forms.Form):
    """What a move requires before an agent takes it."""

    required_fields = forms.MultipleChoiceField(
        label=_("Required before the move"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The agent must fill these in before moving a ticket along this transition (in "
            "the workspace, in bulk and through the API). Custom fields that do not apply to "
            "a ticket's type or category are not asked."
        ),
    )

    ticket_types = ShortMultipleChoiceField(
        queryset=TicketType.objects.filter(active=True).order_by("order", "id"),
        label=_("Only for these ticket types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tickets of other types are not offered this move. None ticked: every type."),
    )

    def __init__(self, *args: Any, transition: Transition, **kw: Any):
        kw.setdefault(
            "initial",
            {
                "required_fields": list(transition.required_fields or []),
                "ticket_types": [t.pk for t in transition.ticket_types.all()],
            },
        )
        super().__init__(*args, **kw)
        field = self.fields["required_fields"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = workflow.requirement_choices()
