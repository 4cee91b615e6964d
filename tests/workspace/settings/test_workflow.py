"""The workflow editor: statuses, the matrix of allowed moves, the diagram."""

import pytest
from django.urls import reverse

from ticketdesk.audit.models import AuditEntry
from ticketdesk.tickets import workflow
from ticketdesk.tickets.models import Status, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(as_role):
    return as_role("admin")


def test_page_shows_matrix_and_diagram(admin, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin.get(reverse("workspace:settings:workflow"))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('type="checkbox" name="move"') == Status.objects.count() * (
        Status.objects.count() - 1
    )
    assert "<svg" in text
    assert text.count('class="arrow"') == Transition.objects.count()


def test_saving_the_matrix_sets_exactly_the_ticked_moves(admin):
    new, open_ = Status.objects.get(key="new"), Status.objects.get(key="open")
    response = admin.post(
        reverse("workspace:settings:transitions"),
        {"move": [f"{new.pk}-{open_.pk}", f"{open_.pk}-{new.pk}", f"{new.pk}-{new.pk}", "x-1"]},
    )
    assert response.status_code == 302
    pairs = set(Transition.objects.values_list("from_status_id", "to_status_id"))
    assert pairs == {(new.pk, open_.pk), (open_.pk, new.pk)}
    assert workflow.is_allowed(open_, new)
    assert AuditEntry.objects.filter(action="config.transition.deleted").exists()


def test_add_a_status_with_translations(admin):
    response = admin.post(
        reverse("workspace:settings:status_new"),
        {
            "name": "Verification",
            "category": "open",
            "active": "on",
            "name__pt-br": "Verificação",
            "name__it": "Verifica",
        },
    )
    assert response.status_code == 302
    status = Status.objects.get(key="verification")
    assert status.translations == {"pt-br": {"name": "Verificação"}, "it": {"name": "Verifica"}}
    assert Status.objects.order_by("-order", "-id").first() == status  # last in the workflow
    assert AuditEntry.objects.filter(action="config.status.created").exists()


def test_a_wrong_status_says_which_field(admin):
    response = admin.post(
        reverse("workspace:settings:status_new"),
        {"name": "Dup", "key": "open", "category": "open", "active": "on"},
    )
    assert response.status_code == 400
    assert "key" in response.context["form"].errors


def test_the_default_status_stays_on(admin):
    default = Status.objects.get(is_default=True)
    response = admin.post(
        reverse("workspace:settings:status_edit", args=[default.pk]),
        {"name": default.name, "key": default.key, "category": default.category},
    )
    assert response.status_code == 400
    assert "active" in response.context["form"].errors
    default.refresh_from_db()
    assert default.active
