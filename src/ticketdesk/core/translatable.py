"""Configuration rows named in several languages.

A translatable row keeps its texts in the site's language (`settings.LANGUAGE_CODE`) in its
ordinary columns (`name`, `label`, ...) and the other languages in one JSON column:

    translations = {"pt-br": {"name": "Novo"}, "it": {"name": "Nuovo"}}

Why a JSON column and not django-modeltranslation (a column per field and language): the
rows are few and cached per process, so nothing needs to filter or sort by a translated text
in SQL; adding a language needs no schema migration; our query-shaping code (`only()`,
`values_list()`, bulk writers) keeps seeing plain columns instead of patched descriptors;
custom field choices (a JSON list) can be translated the same way; and the API returns the
same map it stores. Lookups are in Python: the viewer's language, then its generic language
("pt" for "pt-br"), then the base column.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def normalise_language(code: str | None) -> str:
    """Django's form of a language code: "pt_BR" and "PT-br" become "pt-br"."""
    return (code or "").strip().replace("_", "-").lower()


def base_language() -> str:
    return normalise_language(settings.LANGUAGE_CODE)


def site_languages() -> list[tuple[str, str]]:
    """(code, name) of every language of the site, the base language first."""
    base = base_language()
    languages = [(normalise_language(code), str(name)) for code, name in settings.LANGUAGES]
    return sorted(languages, key=lambda item: item[0] != base)


def other_languages() -> list[tuple[str, str]]:
    """The languages a translation can be given in (all but the base language)."""
    base = base_language()
    return [(code, name) for code, name in site_languages() if code != base]


def pick(translations: Any, field: str, base: str, language: str | None = None) -> str:
    """`field` in `language` (default: the active one) from a translations map, else `base`."""
    code = normalise_language(language or translation.get_language() or base_language())
    if isinstance(translations, dict) and translations:
        for candidate in (code, code.split("-")[0]):
            texts = translations.get(candidate)
            if isinstance(texts, dict):
                text = texts.get(field)
                if isinstance(text, str) and text.strip():
                    return text
    return base


def clean_translations(value: Any, fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """A tidy translations map: known languages only, normalised codes, known fields, no
    empty texts. Raises ValueError with a user message for a wrong shape."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValueError(_("Give the translations as an object keyed by language."))
    known = {code for code, _name in site_languages()}
    out: dict[str, dict[str, Any]] = {}
    for raw_code, texts in value.items():
        code = normalise_language(str(raw_code))
        if code not in known:
            raise ValueError(_("“%(code)s” is not a language of this site.") % {"code": raw_code})
        if not isinstance(texts, dict):
            raise ValueError(_("Give the texts of each language as an object."))
        kept: dict[str, Any] = {}
        for field, text in texts.items():
            if field not in fields:
                raise ValueError(_("“%(field)s” cannot be translated.") % {"field": field})
            if isinstance(text, dict):  # choice labels: {value: label}
                labels = {str(k): str(v).strip() for k, v in text.items() if str(v).strip()}
                if labels:
                    kept[field] = labels
            elif text is not None and str(text).strip():
                kept[field] = str(text).strip()
        if kept:
            out[code] = kept
    return out


class Translatable(models.Model):
    """A configuration row with texts in several languages (see the module docstring)."""

    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_('The texts in other languages, for example {"pt-br": {"name": "Novo"}}.'),
    )

    # the columns that have translations; the first one names the row
    translatable_fields: ClassVar[tuple[str, ...]] = ("name",)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.translated()

    def translated(self, field: str | None = None, language: str | None = None) -> str:
        field = field or self.translatable_fields[0]
        return pick(self.translations, field, str(getattr(self, field) or ""), language)

    def texts(self, field: str | None = None) -> dict[str, str]:
        """`field` in every language of the site: {"en": "New", "pt-br": "Novo", ...}."""
        field = field or self.translatable_fields[0]
        return {code: self.translated(field, code) for code, _name in site_languages()}

    def all_texts(self) -> dict[str, dict[str, str]]:
        """Every translatable text in every language of the site, for the API:
        {"en": {"name": "New"}, "pt-br": {"name": "Novo"}, "it": {"name": "Nuovo"}}."""
        return {
            code: {
                field: self.translated(field, code)
                for field in self.translatable_fields
                if isinstance(getattr(self, field), str)
            }
            for code, _name in site_languages()
        }

    def untranslated(self) -> str:
        """The name in the base language: what the event log stores next to the id."""
        return str(getattr(self, self.translatable_fields[0]) or "")
