"""The priority matrix editor."""

import pytest
from django.urls import reverse

from ticketdesk.audit.models import AuditEntry
from ticketdesk.tickets import priority
from ticketdesk.tickets.models import Level

pytestmark = pytest.mark.django_db


def _grid(**changes):
    matrix = priority.matrix()
    data = {f"cell_{u}_{i}": str(p) for (u, i), p in matrix.items()}
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("agent", 403), ("light_agent", 403)]
)
def test_page_by_role(as_role, role, expected):
    assert as_role(role).get(reverse("workspace:settings:priorities")).status_code == expected


def test_agent_cannot_post(as_role):
    response = as_role("agent").post(reverse("workspace:settings:priorities"), _grid(cell_1_1="4"))
    assert response.status_code == 403
    assert priority.compute_priority(1, 1) == 1


def test_admin_changes_one_cell(as_role):
    client = as_role("admin")
    response = client.get(reverse("workspace:settings:priorities"))
    assert response.content.decode().count("<select") == len(Level.values) ** 2
    response = client.post(reverse("workspace:settings:priorities"), _grid(cell_1_1="4"))
    assert response.status_code == 302
    assert priority.compute_priority(1, 1) == 4
    assert priority.compute_priority(2, 2) == priority.default_priority(2, 2)
    assert AuditEntry.objects.filter(action__startswith="config.priorityrule.").count() == 1


def test_a_wrong_value_is_refused(as_role):
    client = as_role("admin")
    response = client.post(reverse("workspace:settings:priorities"), _grid(cell_1_1="9"))
    assert response.status_code == 400
    assert priority.compute_priority(1, 1) == 1
