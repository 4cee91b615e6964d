"""The System page: admins see each consumer's backlog and dead letters and can replay them;
nobody else can."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_agent, make_ticket
from ticketdesk.core import outbox
from ticketdesk.core.models import OutboxDelivery

pytestmark = pytest.mark.django_db


def test_admins_see_dead_letters_and_replay_them(admin_user, agent, team):
    make_ticket(team=team)
    delivery = OutboxDelivery.objects.filter(consumer="search").first()
    OutboxDelivery.objects.filter(pk=delivery.pk).update(
        dead_at=delivery.available_at, attempts=8, last_error="RuntimeError: index is down"
    )
    browser = Client()
    browser.force_login(admin_user)
    page = browser.get("/system/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "RuntimeError: index is down" in body and 'data-consumer="search"' in body
    response = browser.post("/system/replay/", {"delivery": str(delivery.pk)})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.dead_at is None and delivery.attempts == 0
    outbox.process_pending()
    assert not OutboxDelivery.objects.filter(pk=delivery.pk).exists()


def test_only_admins_see_the_background_work(agent, team):
    lead = make_agent(team, username="lead")
    for user in (agent, lead):
        browser = Client()
        browser.force_login(user)
        assert browser.get("/system/").status_code == 403
        assert browser.post("/system/replay/", {"consumer": "search"}).status_code == 403
    assert Client().get("/system/").status_code == 302  # to the login page
