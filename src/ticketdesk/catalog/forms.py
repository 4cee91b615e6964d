"""A request type's form, built from its fields, and the approver's decision form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ticketdesk.core.errors import DomainError

from .models import FieldKind, RequestField

PREFIX = "answer_"


def form_field(field: RequestField) -> forms.Field:
    common: dict[str, Any] = {
        "label": field.translated("label"),
        "help_text": field.translated("help_text"),
        "required": field.required,  # and checked again by the action
    }
    if field.kind == FieldKind.TEXTAREA:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, **common)
    if field.kind == FieldKind.NUMBER:
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if field.kind == FieldKind.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if field.kind == FieldKind.CHOICE:
        options = [(str(c), str(c)) for c in field.choices or []]
        return forms.ChoiceField(choices=[("", "—"), *options], **common)
    if field.kind == FieldKind.CHECKBOX:
        return forms.BooleanField(**common)
    return forms.CharField(max_length=2000, **common)


class RequestForm(forms.Form):
    def __init__(self, *args: Any, request_fields: list[RequestField], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_fields = request_fields
        for field in request_fields:
            self.fields[PREFIX + field.key] = form_field(field)

    def answers(self) -> dict[str, Any]:
        return {f.key: self.cleaned_data.get(PREFIX + f.key) for f in self.request_fields}

    def apply_error(self, error: DomainError) -> None:
        """Each wrong answer next to its field; the rest above the form."""
        placed = False
        for name, messages in error.fields.items():
            field = PREFIX + name.split(".", 1)[1] if name.startswith("answers.") else ""
            if field in self.fields:
                for message in messages:
                    self.add_error(field, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
