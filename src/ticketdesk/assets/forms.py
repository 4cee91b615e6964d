"""Forms of the item pages: an item (with its type's attributes), a relationship, an
import file, the list's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Contact, Organization
from ticketdesk.core.errors import DomainError

from . import attributes
from .actions import ItemInput
from .models import AttributeKind, Item, ItemStatus, ItemType, RelationKind

ATTRIBUTE_PREFIX = "attr_"


class ItemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    item_type = forms.ModelChoiceField(
        label=_("Type"), queryset=ItemType.objects.filter(active=True)
    )
    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices)
    identifier = forms.CharField(
        label=_("Identifier"),
        max_length=80,
        required=False,
        help_text=_("Asset tag, serial number or product code; unique when given."),
    )
    version = forms.CharField(label=_("Version"), max_length=40, required=False)
    owner_email = forms.EmailField(label=_("Owner (contact's email)"), required=False)
    owner_organization = forms.ModelChoiceField(
        label=_("Owner (organization)"),
        queryset=Organization.objects.order_by("name"),
        required=False,
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)

    def __init__(self, *args: Any, item_type: ItemType | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chosen_type = item_type
        for definition in attributes.definitions(item_type) if item_type else []:
            name = ATTRIBUTE_PREFIX + definition["key"]
            label = definition["label"]
            field: forms.Field
            if definition["kind"] == AttributeKind.CHOICE:
                field = forms.ChoiceField(
                    label=label,
                    choices=[("", "—"), *((c, c) for c in definition["choices"])],
                    required=False,
                )
            elif definition["kind"] == AttributeKind.DATE:
                field = forms.CharField(
                    label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
                )
            else:
                field = forms.CharField(label=label, required=False)
            field.widget.attrs["data-required"] = "1" if definition["required"] else ""
            self.fields[name] = field

    @staticmethod
    def initial_for(item: Item) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": item.name,
            "item_type": item.item_type_id,
            "status": item.status,
            "identifier": item.identifier,
            "version": item.version,
            "owner_email": item.owner_contact.email if item.owner_contact else "",
            "owner_organization": item.owner_organization_id,
            "description": item.description,
        }
        for key, value in (item.attributes or {}).items():
            initial[ATTRIBUTE_PREFIX + key] = value
        return initial

    def clean_owner_email(self) -> Contact | None:
        email = self.cleaned_data.get("owner_email") or ""
        if not email:
            return None
        contact = Contact.objects.filter(email__iexact=email).first()
        if contact is None:
            raise forms.ValidationError(_("No contact has this email."))
        return contact

    def to_input(self) -> ItemInput:
        data = self.cleaned_data
        return ItemInput(
            name=data["name"],
            item_type=data["item_type"],
            status=data["status"],
            identifier=data.get("identifier") or "",
            version=data.get("version") or "",
            owner_contact=data.get("owner_email"),
            owner_organization=data.get("owner_organization"),
            description=data.get("description") or "",
            attributes={
                name[len(ATTRIBUTE_PREFIX) :]: value
                for name, value in data.items()
                if name.startswith(ATTRIBUTE_PREFIX) and value not in (None, "")
            },
        )

    def apply_error(self, error: DomainError) -> None:
        """Each field error of the action next to its field."""
        placed = False
        for name, messages in error.fields.items():
            field = ATTRIBUTE_PREFIX + name.split(".", 1)[1] if "." in name else name
            if field == "owner":
                field = "owner_organization"
            if field in self.fields:
                for message in messages:
                    self.add_error(field, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("This item"), choices=RelationKind.choices)
    target = forms.CharField(
        label=_("Item"), max_length=150, help_text=_("Its identifier or its exact name.")
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    MAX_BYTES = 10 * 1024 * 1024

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return bytes(upload.read())
