"""Public holidays of a country and year (the `holidays` package: data shipped with it, no
network), offered for import into a business calendar: a preview first, then the dates the
admin confirms. Countries are named in the viewer's language by Babel (CLDR's data)."""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass

import holidays
from django.utils import translation
from holidays import registry

MIN_YEAR = 1970
MAX_YEAR = 2100


@dataclass(frozen=True)
class PublicHoliday:
    date: dt.date
    name: str
    present: bool = False  # the calendar already has a holiday on this day


def countries() -> list[tuple[str, str]]:
    """(ISO 3166 alpha-2 code, name) of every country the package knows, named in the
    viewer's language (CLDR's names, from Babel) and ordered by that name."""
    return _countries(translation.to_locale(translation.get_language() or "en"))


@functools.cache
def _codes() -> dict[str, str]:
    """{alpha-2 code: English name from the package's registry}."""
    found = {}
    for key, (_class_name, alpha2, *_rest) in registry.COUNTRIES.items():
        if len(alpha2) == 2:
            found[alpha2] = key.replace("_", " ").title()
    return found


@functools.cache
def _countries(locale_name: str) -> list[tuple[str, str]]:
    # imported here: only this list needs CLDR's data (a desk starts without reading it)
    from babel import Locale, UnknownLocaleError

    try:
        names = Locale.parse(locale_name).territories
    except (UnknownLocaleError, ValueError):
        names = Locale("en").territories
    found = [(code, names.get(code) or english) for code, english in _codes().items()]
    return sorted(found, key=lambda pair: (_sort_key(pair[1]), pair[0]))


def _sort_key(name: str) -> str:
    """A name as a reader looks it up: accents and case aside ("Áustria" among the A)."""
    plain = unicodedata.normalize("NFKD", name)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def is_country(code: str) -> bool:
    return code in _codes()


def _language(supported: tuple[str, ...] | list[str]) -> str | None:
    """The holidays' language for the viewer's, when the country's data has it."""
    current = (translation.get_language() or "en").replace("-", "_")
    wanted = [current, current.split("_")[0]]
    if "_" in current:
        lang, region = current.split("_", 1)
        wanted.insert(0, f"{lang}_{region.upper()}")
    wanted += ["en_US", "en"]
    return next((w for w in wanted if w in supported), None)


def public_holidays(country: str, year: int) -> list[tuple[dt.date, str]]:
    """(date, name) of the public holidays of `country` in `year`, by date; holidays on the
    same day are joined into one name."""
    data = holidays.country_holidays(country, years=year)
    language = _language(getattr(data, "supported_languages", ()))
    if language is not None:
        data = holidays.country_holidays(country, years=year, language=language)
    return sorted((day, str(name)) for day, name in data.items())
