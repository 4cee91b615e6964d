"""Public holidays of a country and year (the `holidays` package: data shipped with it, no
network), offered for import into a business calendar: a preview first, then the dates the
admin confirms."""

from __future__ import annotations

import datetime as dt
import functools
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


@functools.cache
def countries() -> list[tuple[str, str]]:
    """(ISO 3166 alpha-2 code, English name) of every country the package knows, by name."""
    found = []
    for key, (_class_name, alpha2, *_rest) in registry.COUNTRIES.items():
        if len(alpha2) == 2:
            found.append((alpha2, key.replace("_", " ").title()))
    return sorted(found, key=lambda pair: pair[1])


def is_country(code: str) -> bool:
    return code in dict(countries())


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
