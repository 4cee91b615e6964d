"""The SLA section: calendars with intervals and holidays, policies with targets, the due
date preview."""

import datetime as dt

import pytest
from django.urls import reverse

from ticketdesk.audit.models import AuditEntry
from ticketdesk.sla.models import BusinessCalendar, SLAPolicy

pytestmark = pytest.mark.django_db

WEEK = {f"day_{d}": "09:00-12:00, 13:00-17:00" for d in range(5)}


@pytest.fixture
def admin(as_role):
    return as_role("admin")


@pytest.mark.parametrize("name", ["sla", "calendar_new", "policy_new", "due_preview"])
@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("agent", 403), ("light_agent", 403)]
)
def test_pages_by_role(as_role, name, role, expected):
    assert as_role(role).get(reverse(f"workspace:settings:{name}")).status_code == expected


def test_agent_cannot_save(as_role):
    response = as_role("agent").post(
        reverse("workspace:settings:calendar_new"), {"name": "Office", "time_zone": "UTC"}
    )
    assert response.status_code == 403
    assert not BusinessCalendar.objects.exists()


def test_calendar_with_intervals_and_holidays(admin):
    response = admin.post(
        reverse("workspace:settings:calendar_new"),
        {
            "name": "Rome office",
            "time_zone": "Europe/Rome",
            "is_default": "on",
            "yearly_holidays": "12-25 Natale\n01-01 Capodanno",
            "holidays": "2026-04-06 Pasquetta",
            **WEEK,
        },
    )
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Rome office")
    assert calendar.working_hours.count() == 10
    assert {(h.date, h.yearly) for h in calendar.holidays.all()} == {
        (dt.date(2000, 12, 25), True),
        (dt.date(2000, 1, 1), True),
        (dt.date(2026, 4, 6), False),
    }
    assert AuditEntry.objects.filter(action="config.holiday.created").count() == 3
    # saved again unchanged: nothing is rewritten
    before = AuditEntry.objects.count()
    page = admin.get(reverse("workspace:settings:calendar_edit", args=[calendar.pk]))
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data["is_default"] = "on"
    admin.post(reverse("workspace:settings:calendar_edit", args=[calendar.pk]), data)
    assert AuditEntry.objects.count() == before


def test_wrong_hours_say_which_day(admin):
    response = admin.post(
        reverse("workspace:settings:calendar_new"),
        {"name": "X", "time_zone": "Mars/Base", "day_0": "9 to 5", "day_1": "17:00-09:00"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "day_0" in errors and "time_zone" in errors and "day_1" in errors


def test_due_date_preview_skips_nights_weekends_and_holidays(admin):
    admin.post(
        reverse("workspace:settings:calendar_new"),
        {"name": "Office", "time_zone": "UTC", "holidays": "2026-12-07 Closed", **WEEK},
    )
    calendar = BusinessCalendar.objects.get(name="Office")
    # Friday 2026-12-04 16:00 + 4 working hours: 1 h on Friday, Monday 7th is a holiday,
    # Tuesday 09:00-12:00 → due Tuesday 12:00
    response = admin.get(
        reverse("workspace:settings:due_preview"),
        {"calendar": calendar.pk, "start": "2026-12-04T16:00", "minutes": "240"},
    )
    assert response.status_code == 200
    assert response.context["due"]["due"] == dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.UTC)


def test_policy_with_targets(admin):
    response = admin.post(
        reverse("workspace:settings:policy_new"),
        {
            "name": "Critical",
            "order": "0",
            "active": "on",
            "priorities": ["4"],
            "first_response_minutes": "30",
            "first_response_warn": "50",
            "first_response_business": "",
            "resolution_minutes": "240",
            "resolution_warn": "80",
            "resolution_business": "on",
        },
    )
    assert response.status_code == 302
    policy = SLAPolicy.objects.get(name="Critical")
    assert policy.priorities == [4]
    targets = {
        t.metric: (t.minutes, t.business_hours, t.warn_at_percent) for t in policy.targets.all()
    }
    assert targets == {"first_response": (30, False, 50), "resolution": (240, True, 80)}
    page = admin.get(reverse("workspace:settings:sla")).content.decode()
    assert "Critical" in page


def test_policy_needs_a_target(admin):
    response = admin.post(reverse("workspace:settings:policy_new"), {"name": "Empty", "order": "0"})
    assert response.status_code == 400
    assert "first_response_minutes" in response.context["form"].errors


def test_sla_page_bounded_queries(admin, django_assert_max_num_queries):
    for i in range(5):
        admin.post(
            reverse("workspace:settings:policy_new"),
            {"name": f"P{i}", "order": str(i), "first_response_minutes": "60"},
        )
    with django_assert_max_num_queries(20):
        response = admin.get(reverse("workspace:settings:sla"))
    assert response.status_code == 200


def test_the_sla_page_reads_like_a_person_wrote_it(admin):
    """The walk saw "Priorities: 4", "Resolution: 2400 min" and a preview with no calendar
    chosen although there was only one."""
    from ticketdesk.sla.models import SLATarget

    admin.post(
        reverse("workspace:settings:calendar_new"),
        {"name": "Office", "time_zone": "UTC", "holidays": "", **WEEK},
    )
    policy = SLAPolicy.objects.create(name="Urgent", order=0, priorities=[4])
    SLATarget.objects.create(policy=policy, metric="resolution", minutes=2400)
    SLATarget.objects.create(policy=policy, metric="first_response", minutes=90)
    response = admin.get(reverse("workspace:settings:sla"))
    page = response.content.decode()
    assert "Priorities: Critical" in page
    assert "40 h" in page and "1 h 30 min" in page and "2400 min" not in page
    office = BusinessCalendar.objects.get(name="Office")
    assert response.context["due"]["form"]["calendar"].value() == office.pk
