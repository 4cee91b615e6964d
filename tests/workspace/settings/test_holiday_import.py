"""Importing public holidays into a business calendar: a preview, then the confirmed days;
days the calendar already has are not added twice."""

import datetime as dt

import pytest
from django.urls import reverse

from ticketdesk.sla.models import BusinessCalendar, Holiday

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar():
    office = BusinessCalendar.objects.create(name="São Paulo office", time_zone="America/Sao_Paulo")
    Holiday.objects.create(calendar=office, date=dt.date(2027, 1, 1), name="New year")
    Holiday.objects.create(calendar=office, date=dt.date(2000, 12, 25), yearly=True, name="Xmas")
    return office


def test_preview_then_import_without_duplicates(as_role, calendar):
    admin = as_role("admin")
    url = reverse("workspace:settings:holiday_import", args=[calendar.pk])
    assert (
        "Import public holidays"
        in admin.get(
            reverse("workspace:settings:calendar_edit", args=[calendar.pk])
        ).content.decode()
    )
    response = admin.get(url, {"country": "BR", "year": 2027})
    assert response.status_code == 200
    preview = response.context["preview"]
    days = {h.date: h for h in preview}
    assert dt.date(2027, 4, 21) in days  # Tiradentes
    assert days[dt.date(2027, 1, 1)].present and days[dt.date(2027, 12, 25)].present
    assert Holiday.objects.filter(calendar=calendar).count() == 2  # a preview writes nothing

    chosen = [d.isoformat() for d in days] + ["nonsense"]
    response = admin.post(url, {"country": "BR", "year": 2027, "date": chosen})
    assert response.status_code == 302
    dates = list(Holiday.objects.filter(calendar=calendar).values_list("date", flat=True))
    assert len(dates) == len(set(dates))
    assert dt.date(2027, 4, 21) in dates
    assert dates.count(dt.date(2027, 1, 1)) == 1
    assert dt.date(2027, 12, 25) not in dates  # the yearly Christmas covers it
    assert len(dates) == 2 + len(days) - 2
    # importing again adds nothing
    admin.post(url, {"country": "BR", "year": 2027, "date": chosen})
    assert Holiday.objects.filter(calendar=calendar).count() == len(dates)


def test_only_ticked_days_are_added(as_role, calendar):
    admin = as_role("admin")
    url = reverse("workspace:settings:holiday_import", args=[calendar.pk])
    admin.post(url, {"country": "IT", "year": 2027, "date": ["2027-06-02"]})
    added = Holiday.objects.filter(calendar=calendar).exclude(name__in=["New year", "Xmas"])
    assert [h.date for h in added] == [dt.date(2027, 6, 2)]  # Republic Day only


def test_an_unknown_country_says_so(as_role, calendar):
    admin = as_role("admin")
    url = reverse("workspace:settings:holiday_import", args=[calendar.pk])
    response = admin.get(url, {"country": "XX", "year": 2027})
    assert response.status_code == 400
    assert "country" in response.context["form"].errors


def test_an_agent_cannot_import(as_role, calendar):
    agent = as_role("agent")
    url = reverse("workspace:settings:holiday_import", args=[calendar.pk])
    response = agent.post(url, {"country": "BR", "year": 2027, "date": ["2027-04-21"]})
    assert response.status_code in (403, 404)
    assert Holiday.objects.filter(calendar=calendar).count() == 2


@pytest.mark.parametrize(
    ("language", "brazil", "germany", "first"),
    [
        ("en", "Brazil", "Germany", "Afghanistan"),
        ("pt-br", "Brasil", "Alemanha", "Afeganistão"),
        ("it", "Brasile", "Germania", "Afghanistan"),
    ],
)
def test_countries_are_named_in_the_readers_language(
    as_role, calendar, language, brazil, germany, first
):
    """Babel's CLDR names, ordered as a reader looks them up (accents aside)."""
    admin = as_role("admin")
    response = admin.get(
        reverse("workspace:settings:holiday_import", args=[calendar.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    choices = dict(response.context["form"].fields["country"].choices)
    assert (choices["BR"], choices["DE"]) == (brazil, germany)
    names = [name for code, name in response.context["form"].fields["country"].choices if code]
    assert names[0] == first
    if language == "pt-br":  # "África do Sul" among the A, not after the Z
        assert names.index("África do Sul") < names.index("Alemanha")
