"""Status colours: a fixed palette, chosen in the workflow editor, shown by the badges on the
ticket list, the ticket page and in the diagram."""

import pytest
from django.urls import reverse

from tests.factories import make_ticket
from ticketdesk.tickets.models import Status
from ticketdesk.tickets.models.configuration import StatusColour

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(as_role):
    return as_role("admin")


def test_shipped_statuses_get_a_colour_each():
    colours = dict(Status.objects.values_list("key", "colour"))
    assert colours["new"] == "amber"
    assert colours["in-progress"] == "teal"
    assert colours["resolved"] == "green"
    assert colours["closed"] == "slate"
    assert set(colours.values()) <= set(StatusColour.values)


def test_the_admin_picks_a_colour_and_the_badges_use_it(admin, team):
    pending = Status.objects.get(key="pending")
    response = admin.get(reverse("workspace:settings:status_edit", args=[pending.pk]))
    assert 'class="status status--pink"' in response.content.decode()
    response = admin.post(
        reverse("workspace:settings:status_edit", args=[pending.pk]),
        {"name": pending.name, "key": pending.key, "category": "pending", "colour": "pink"},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.colour == "pink"

    ticket = make_ticket(team=team)
    new = Status.objects.get(key="new")
    new.colour = "red"
    new.save()
    listing = admin.get("/?view=everything").content.decode()
    assert "status--red" in listing
    page = admin.get(reverse("workspace:ticket", args=[ticket.number])).content.decode()
    assert "status-new status--red" in page
    editor = admin.get(reverse("workspace:settings:workflow")).content.decode()
    assert "node--pink" in editor and "status--pink" in editor


def test_only_palette_colours_are_accepted(admin):
    pending = Status.objects.get(key="pending")
    response = admin.post(
        reverse("workspace:settings:status_edit", args=[pending.pk]),
        {"name": pending.name, "key": pending.key, "category": "pending", "colour": "#ff00ff"},
    )
    assert response.status_code == 400
    assert "colour" in response.context["form"].errors


def test_a_new_status_without_a_colour_takes_its_category_colour(admin):
    response = admin.post(
        reverse("workspace:settings:status_new"),
        {"name": "Waiting on vendor", "category": "pending", "active": "on", "colour": ""},
    )
    assert response.status_code == 302
    assert Status.objects.get(key="waiting_on_vendor").colour == "purple"


def test_every_palette_colour_has_a_light_and_a_dark_style():
    from pathlib import Path

    import ticketdesk

    css = (Path(ticketdesk.__file__).parent / "static/ticketdesk/app.css").read_text()
    dark = css[css.rindex("prefers-color-scheme: dark") :]
    for colour in StatusColour.values:
        assert css.count(f".status--{colour} ") == 2  # once for light, once for dark
        assert f".status--{colour} " in dark
