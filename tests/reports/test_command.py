from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.factories import make_ticket
from ticketdesk.reports.models import TicketFact

pytestmark = pytest.mark.django_db


def test_rebuild_command_recomputes_facts_and_refreshes_statistics(team):
    make_ticket(team=team)
    make_ticket(team=team)
    TicketFact.objects.all().delete()
    out = io.StringIO()
    call_command("reports", "rebuild", stdout=out)
    assert "rebuilt report facts for 2 tickets" in out.getvalue()
    assert TicketFact.objects.count() == 2
