"""The Bug type's fields (seeded by a data migration) and what a duplicate's reporter gets."""

import pytest
from django.utils import translation

from tests.factories import ContactFactory, make_ticket
from ticketdesk.assets import bug_fields
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import CustomFieldDefinition, TicketType

pytestmark = pytest.mark.django_db


def test_the_bug_type_has_its_fields_in_three_languages():
    bug = TicketType.objects.get(key="bug")
    keys = list(bug.custom_fields.order_by("order").values_list("key", flat=True))
    assert keys == [f[0] for f in bug_fields.FIELDS]
    severity = CustomFieldDefinition.objects.get(key="bug_severity")
    assert not severity.visible_to_customers
    with translation.override("pt-br"):
        assert severity.translated("label") == "Gravidade"
        assert severity.choice_label("blocker") == "Impeditivo"
    with translation.override("it"):
        assert CustomFieldDefinition.objects.get(key="bug_steps").translated("label") == (
            "Passi per riprodurre"
        )
    incident = TicketType.objects.get(key="incident")
    assert not incident.custom_fields.filter(key__startswith="bug_").exists()


def test_seeding_again_creates_nothing():
    from django.apps import apps

    assert bug_fields.seed(apps) == 0


def test_a_bug_ticket_takes_and_checks_its_fields(team, agent):
    bug = TicketType.objects.get(key="bug")
    ticket = make_ticket(team=team, ticket_type=bug)
    values = {
        "bug_affected_item": "CRM",
        "bug_affected_version": "4.2",
        "bug_environment": "Firefox 140, Debian",
        "bug_steps": "1. Open a contact 2. Click Save",
        "bug_expected": "Saved",
        "bug_actual": "Error 500",
        "bug_severity": "major",
        "bug_found_in": "production",
    }
    actions.set_fields(ticket, actor=agent, custom_fields=values)
    ticket.refresh_from_db()
    assert ticket.custom_fields["bug_severity"] == "major"
    with pytest.raises(ValidationFailed) as caught:
        actions.set_fields(ticket, actor=agent, custom_fields={"bug_severity": "apocalyptic"})
    assert "custom_fields.bug_severity" in caught.value.fields
    actions.set_fields(ticket, actor=agent, custom_fields={"bug_fixed_in": "4.3"})
    ticket.refresh_from_db()
    assert ticket.custom_fields["bug_fixed_in"] == "4.3"


def test_a_duplicates_reporter_is_copied_on_the_ticket_that_stays(team, agent):
    """Marking a bug as a duplicate (merge) copies its reporter on the ticket that stays, so
    they read its replies in the portal and get them by mail."""
    first = ContactFactory(email="first@example.org")
    second = ContactFactory(email="second@example.org")
    original = make_ticket(team=team, requester=first, subject="Save fails")
    duplicate = make_ticket(team=team, requester=second, subject="Cannot save")
    actions.merge(duplicate, original, actor=agent)
    assert second in original.cc.all()  # and tests/email/test_duplicate_reporter.py
