"""Editing the translations of configuration rows in the Django admin: one input per
translatable field and language ("Name (Brazilian Portuguese)"), in a “Translations”
section; choice labels as “value = label” lines."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .translatable import Translatable, clean_translations, other_languages

PREFIX = "translation__"


def field_name(language: str, field: str) -> str:
    return f"{PREFIX}{language.replace('-', '_')}__{field}"


def _choice_values(raw: Any) -> list[str]:
    values = []
    for choice in raw or []:
        values.append(str(choice.get("value", "")) if isinstance(choice, dict) else str(choice))
    return values


class TranslationsForm(forms.ModelForm):
    """The model's own fields plus one per (language, translatable field)."""

    translatable: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.translations if isinstance(self.instance.translations, dict) else {}
        for language, _name in other_languages():
            texts = stored.get(language) or {}
            for field in self.translatable:
                value = texts.get(field)
                if field == "choices":
                    value = "\n".join(f"{k} = {v}" for k, v in (value or {}).items())
                self.initial.setdefault(field_name(language, field), value or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        known = _choice_values(data.get("choices", getattr(self.instance, "choices", None)))
        translations: dict[str, dict[str, Any]] = {}
        for language, _name in other_languages():
            texts: dict[str, Any] = {}
            for field in self.translatable:
                name = field_name(language, field)
                raw = (data.get(name) or "").strip()
                if not raw:
                    continue
                if field == "choices":
                    labels = self._choice_labels(name, raw, known)
                    if labels:
                        texts[field] = labels
                else:
                    texts[field] = raw
            if texts:
                translations[language] = texts
        try:
            self.instance.translations = clean_translations(translations, self.translatable)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return data

    def _choice_labels(self, name: str, raw: str, known: list[str]) -> dict[str, str]:
        labels = {}
        for line in raw.splitlines():
            if not line.strip():
                continue
            value, separator, label = line.partition("=")
            value, label = value.strip(), label.strip()
            if not separator or not value or not label:
                self.add_error(name, _("Write one choice per line: value = label."))
                return {}
            if value not in known:
                self.add_error(
                    name, _("“%(value)s” is not one of the field's choices.") % {"value": value}
                )
                return {}
            labels[value] = label
        return labels


def translation_fields(model: type[Translatable]) -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for language, language_name in other_languages():
        for field in model.translatable_fields:
            verbose = capfirst(getattr(model._meta.get_field(field), "verbose_name", field))
            label = f"{verbose} ({language_name})"
            if field == "choices":
                fields[field_name(language, field)] = forms.CharField(
                    label=label,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=_("One choice per line: value = label."),
                )
            else:
                max_length = getattr(model._meta.get_field(field), "max_length", None) or 2000
                fields[field_name(language, field)] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=max_length,
                    widget=forms.TextInput(attrs={"class": "vTextField"}),
                )
    return fields


class TranslatableAdmin(admin.ModelAdmin):
    """A ModelAdmin for a Translatable model: its translations in their own section."""

    form = TranslationsForm

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        extra = translation_fields(self.model)
        form_class = type(
            f"{self.model.__name__}TranslationsForm",
            (self.form,),
            {**extra, "translatable": self.model.translatable_fields},
        )
        kwargs["form"] = form_class
        return super().get_form(request, obj, change=change, **kwargs)

    def get_exclude(self, request: Any, obj: Any = None) -> Any:
        # the JSON column is edited through the per-language inputs
        return [*(super().get_exclude(request, obj) or ()), "translations"]

    def get_fieldsets(self, request: Any, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        names = set(translation_fields(self.model))
        kept = [
            (title, {**options, "fields": [f for f in options["fields"] if f not in names]})
            for title, options in fieldsets
        ]
        return [*kept, (_("Translations"), {"fields": list(translation_fields(self.model))})]
