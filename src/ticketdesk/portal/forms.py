"""Forms of the portal. Validation of ticket content stays in tickets.actions (one path):
these forms parse input, the action's ValidationFailed is mapped back onto the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ticketdesk.core.errors import DomainError
from ticketdesk.tickets import custom_fields
from ticketdesk.tickets.actions import AttachmentInput
from ticketdesk.tickets.models import (
    AGENT_ONLY_TYPES,
    Category,
    CustomFieldDefinition,
    FieldType,
    Level,
)

from . import consent
from .models import CsatScale

# Plain-word questions mapped onto the urgency × impact matrix.
IMPACT_CHOICES = [
    (str(Level.LOW), _("Just me")),
    (str(Level.MEDIUM), _("A few people or my team")),
    (str(Level.HIGH), _("A whole department or many customers")),
    (str(Level.CRITICAL), _("Everyone: the whole company")),
]
URGENCY_CHOICES = [
    (str(Level.LOW), _("No rush: I can keep working")),
    (str(Level.MEDIUM), _("It slows me down")),
    (str(Level.HIGH), _("I cannot do an important part of my work")),
    (str(Level.CRITICAL), _("Work has stopped")),
]
CUSTOM_PREFIX = "cf_"
HONEYPOT = "website"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the view reads request.FILES.getlist)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return single(data, initial)


class HoneypotMixin(forms.Form):
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_spam(self) -> bool:
        return bool((self.data.get(HONEYPOT) or "").strip())


def apply_domain_error(form: forms.Form, error: DomainError) -> None:
    """Put each field error of a domain error next to its form field."""
    placed = False
    for name, messages in error.fields.items():
        field = name
        if name.startswith("custom_fields."):
            field = CUSTOM_PREFIX + name.split(".", 1)[1]
        elif name == "body":
            field = "description" if "description" in form.fields else "body"
        if field in form.fields:
            for message in messages:
                form.add_error(field, message)
            placed = True
    if not placed or not error.fields:
        form.add_error(None, error.message)


def custom_field(definition: CustomFieldDefinition) -> forms.Field:
    common: dict[str, Any] = {
        "label": definition.translated("label"),
        "help_text": definition.translated("help_text"),
        "required": definition.required,  # and checked again by the ticket action
    }
    kind = definition.field_type
    choices = definition.choice_options()
    if kind == FieldType.NUMBER:
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if kind == FieldType.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if kind == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == FieldType.CHECKBOX:
        return forms.BooleanField(**common)
    if kind == FieldType.FILE:
        accept = ",".join(custom_fields.file_type_rules(definition.allowed_file_types))
        attrs = {"accept": accept} if accept else {}
        return forms.FileField(widget=forms.FileInput(attrs=attrs), **common)
    return forms.CharField(max_length=2000, **common)


class TicketForm(HoneypotMixin):
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Your email"), required=False)
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(active=True),
        required=False,
        label=_("Category"),
        empty_label=_("I'm not sure"),
    )
    # required here too, so that one submit names every missing field (the ticket action
    # checks the same again)
    subject = forms.CharField(
        label=_("Subject"),
        max_length=250,
        help_text=_("A short summary, e.g. “Cannot print from my laptop”."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            "What happened, what you expected, and what you already tried. Markdown works."
        ),
    )
    impact = forms.ChoiceField(
        label=_("How many people are affected?"),
        choices=IMPACT_CHOICES,
        initial=str(Level.LOW),
        widget=forms.RadioSelect,
    )
    urgency = forms.ChoiceField(
        label=_("How much does it block your work?"),
        choices=URGENCY_CHOICES,
        initial=str(Level.MEDIUM),
        widget=forms.RadioSelect,
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(
        self,
        *args: Any,
        definitions: list[CustomFieldDefinition] | None = None,
        guest: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.guest = guest
        self.definitions = [
            d
            for d in (definitions or [])
            if d.visible_to_customers and d.field_type not in AGENT_ONLY_TYPES
        ]
        if guest:
            self.fields["name"].required = True
            self.fields["email"].required = True
        else:
            del self.fields["name"]
            del self.fields["email"]
        for definition in self.definitions:
            field = custom_field(definition)
            if definition.show_when_category_id is not None:
                # asked only for some categories: the ticket action checks it with the category
                field.required = False
                field.widget.attrs.update(custom_fields.condition_attrs(definition))
            if definition.required:
                field.widget.attrs["aria-required"] = "true"
            setattr(field, "portal_required", definition.required)  # noqa: B010
            self.fields[CUSTOM_PREFIX + definition.key] = field
        self.fields["subject"].widget.attrs.update({"autocomplete": "off"})
        consent.add_field(self)

    def custom_fields(self) -> list[forms.BoundField]:
        return [self[CUSTOM_PREFIX + d.key] for d in self.definitions]

    def custom_field_groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """(section or None, its fields) in the order the form draws them."""
        return [
            (section, [self[CUSTOM_PREFIX + d.key] for d in inside])
            for section, inside in custom_fields.group_by_section(self.definitions)
        ]

    def required_custom_keys(self) -> set[str]:
        return {CUSTOM_PREFIX + d.key for d in self.definitions if d.required}

    def custom_values(self) -> dict[str, Any]:
        values = {}
        for definition in self.definitions:
            value = self.cleaned_data.get(CUSTOM_PREFIX + definition.key)
            if definition.field_type == FieldType.FILE and value:
                value = AttachmentInput.from_upload(value)  # checked and stored by the action
            if value not in (None, "", [], False):
                values[definition.key] = value
        return values


class EmbedForm(HoneypotMixin):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your email"))
    subject = forms.CharField(label=_("Subject"), max_length=250)
    description = forms.CharField(
        label=_("How can we help?"), widget=forms.Textarea(attrs={"rows": 5})
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)


class SignupForm(HoneypotMixin):
    name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not a common password."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        consent.add_field(self)


class LoginLinkForm(forms.Form):
    email = forms.EmailField(label=_("Email"))


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(coerce=int, label=_("Your rating"), widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Anything you'd like to tell us? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, scale: str = CsatScale.FIVE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        score = self.fields["score"]
        assert isinstance(score, forms.ChoiceField)
        if scale == CsatScale.BINARY:
            score.choices = [
                ("5", _("Good, I'm satisfied")),
                ("1", _("Bad, I'm not satisfied")),
            ]
        else:
            score.choices = [
                ("1", _("1 – Very poor")),
                ("2", _("2 – Poor")),
                ("3", _("3 – OK")),
                ("4", _("4 – Good")),
                ("5", _("5 – Excellent")),
            ]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
