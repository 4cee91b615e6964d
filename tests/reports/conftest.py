"""Fixtures of the reports tests: a hand-computed history under fixed clocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests.factories import make_ticket, resolution, status
from ticketdesk.accounts.models import TeamMembership
from ticketdesk.core import clock, outbox
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Ticket

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are made in most tests here; the default hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def lead(team, agent):
    """The `agent` fixture, made lead of their team (who may see reports)."""
    TeamMembership.objects.filter(team=team, user=agent).update(is_lead=True)
    return agent


def at(**delta: float) -> dt.datetime:
    return T0 + dt.timedelta(**delta)


def drain() -> None:
    while outbox.process_pending():
        pass


@dataclass
class History:
    a: Ticket
    b: Ticket
    c: Ticket


@pytest.fixture
def history(team, agent, settings) -> History:
    """A: answered after 1 h, pending 3 h, resolved at 6 h (one-touch so far), reopened by the
    customer after a day, answered and resolved again at 1 d 2 h: resolution 23 h, 2 replies.
    B: merged into A (a duplicate: counts nowhere). C: created on day 2, still open."""
    settings.TIME_ZONE = "UTC"
    with clock.frozen(T0):
        a = make_ticket(team=team, subject="VPN drops every hour")
        contact = a.requester
    with clock.frozen(at(minutes=30)):
        b = make_ticket(team=team, subject="VPN keeps dropping", requester=contact)
    with clock.frozen(at(minutes=40)):
        actions.merge(b, a, actor=agent)
    with clock.frozen(at(hours=1)):
        actions.reply(a, actor=agent, body="Looking into it")
    with clock.frozen(at(hours=2)):
        actions.change_status(a, status("pending"), actor=agent)
    with clock.frozen(at(hours=5)):
        actions.reply(a, actor=None, author_contact=contact, body="Still broken")
    with clock.frozen(at(hours=6)):
        actions.change_status(a, status("resolved"), actor=agent, resolution=resolution(a))
    with clock.frozen(at(days=1)):
        actions.reply(a, actor=None, author_contact=contact, body="It is back")
        c = make_ticket(team=team, subject="Printer jams", channel="portal")
    with clock.frozen(at(days=1, hours=1)):
        actions.reply(a, actor=agent, body="Fixed the tunnel")
    with clock.frozen(at(days=1, hours=2)):
        actions.change_status(a, status("resolved"), actor=agent, resolution=resolution(a))
        drain()
    return History(a=a, b=b, c=c)
