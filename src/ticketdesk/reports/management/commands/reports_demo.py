"""`ticketdesk reports_demo`: give the demo something to report on (run by `ticketdesk demo`
after the tickets; idempotent):

- customers rate most solved tickets (CSAT), mostly well;
- last Tuesday, a firewall change broke the VPN: a morning burst of incidents in three
  languages, grouped under a problem record whose trigger event, root cause, workaround and
  fix are filled in, then resolved together with one message.

A lead can then find the spike on the dashboard, follow it to that day's trends and tickets,
and read what caused it on the problem page.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ticketdesk.accounts.models import Contact, Team, User
from ticketdesk.core import clock
from ticketdesk.core.errors import DomainError
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Category, Channel, StatusCategory, Ticket, TicketType

PROBLEM_SUBJECT = "VPN outage after firewall change FW-2231"
INCIDENTS = {
    "en": [
        "VPN down after the firewall change",
        "Cannot connect to the VPN since this morning",
        "VPN connects then drops immediately",
        "GlobalProtect says the gateway is unreachable",
        "Remote desktop unreachable over VPN",
    ],
    "pt-br": [
        "VPN fora do ar desde hoje cedo",
        "Não consigo conectar na VPN",
        "A VPN conecta e cai na hora",
    ],
    "it": [
        "VPN non raggiungibile da stamattina",
        "Impossibile collegarsi alla VPN",
        "La VPN si connette e cade subito",
    ],
}
RESOLUTION = {
    "en": "The firewall change that blocked the VPN was rolled back at 11:40. "
    "Please reconnect; reply if it still fails.",
}
SCORES = (5, 5, 5, 5, 4, 4, 4, 3, 2, 1)


def last_tuesday(today: dt.date) -> dt.date:
    """The most recent Tuesday at least two days ago (a finished day with a week behind)."""
    day = today - dt.timedelta(days=2)
    return day - dt.timedelta(days=(day.weekday() - 1) % 7)


class Command(BaseCommand):
    help = "Demo CSAT ratings and a VPN outage story for the reports (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])
        story = self.vpn_outage(rng)
        rated = self.rate_solved(rng)
        self.stdout.write(f"Reports demo: {rated} CSAT ratings; {story}")

    def rate_solved(self, rng: random.Random) -> int:
        from ticketdesk.portal.actions import record_csat

        solved = (
            Ticket.objects.filter(
                status_category__in=[StatusCategory.RESOLVED, StatusCategory.CLOSED],
                satisfaction_rating__isnull=True,
            )
            .exclude(ticket_type__key="problem")
            .select_related("requester")
        )
        rated = 0
        for ticket in solved.order_by("pk"):
            if rng.random() > 0.6 or ticket.resolved_at is None:
                continue
            when = ticket.resolved_at + dt.timedelta(hours=rng.randint(1, 30))
            if when > clock.now():
                continue
            with clock.frozen(when):
                try:
                    record_csat(ticket, score=rng.choice(SCORES), contact=ticket.requester)
                except DomainError:
                    continue
            rated += 1
        return rated

    def vpn_outage(self, rng: random.Random) -> str:
        from ticketdesk.reports import problems

        if Ticket.objects.filter(subject=PROBLEM_SUBJECT).exists():
            return "the VPN outage is already there."
        team = Team.objects.filter(name="IT Support").first()
        lead = User.objects.filter(username="ana").first()
        category = Category.objects.filter(name="VPN", parent__name="Software").first()
        contacts = list(Contact.objects.filter(user__isnull=True).order_by("pk")[:40])
        if team is None or lead is None or category is None or not contacts:
            return "skipped the VPN outage (run `ticketdesk demo` first)."
        zone = timezone.get_default_timezone()
        today = timezone.localtime(clock.now(), zone).date()
        day = last_tuesday(today)
        start = dt.datetime.combine(day, dt.time(8, 45), tzinfo=zone)
        incidents = []
        for index in range(14):
            contact = contacts[index * 7 % len(contacts)]
            language = contact.language if contact.language in INCIDENTS else "en"
            subject = rng.choice(INCIDENTS[language])
            at = start + dt.timedelta(minutes=index * 11 + rng.randint(0, 8))
            with transaction.atomic(), clock.frozen(at):
                ticket = actions.open_ticket(
                    requester=contact,
                    subject=subject,
                    body=f"{subject}.",
                    channel=rng.choice([Channel.EMAIL, Channel.PORTAL, Channel.PHONE]),
                    actor=None,
                    team=team,
                    ticket_type=TicketType.objects.filter(key="incident").first(),
                    category=category,
                    urgency=3,
                    impact=3,
                    tags=["vpn"],
                )
            incidents.append(ticket)
        with clock.frozen(start + dt.timedelta(hours=1)):
            for ticket in incidents[:6]:  # the first ones were picked up before the pattern
                actions.assign(ticket, assignee=lead, actor=lead)
                actions.reply(ticket, actor=lead, body="We are looking into it.")
        last = max(t.created_at for t in incidents)
        with clock.frozen(last + dt.timedelta(minutes=6)):
            problem = problems.create_problem(
                actor=lead,
                subject=PROBLEM_SUBJECT,
                incident_numbers=[t.number for t in incidents],
            )
            problems.save_record(
                problem,
                actor=lead,
                trigger_event="Firewall rule change FW-2231, deployed at 08:40, replaced the "
                "VPN gateway's allow rule and blocked UDP 4501.",
                root_cause="The change was reviewed against the old gateway address; the "
                "new gateway (since last month) was not in the review checklist.",
                workaround="Connect through the backup gateway vpn2.example.com.",
                fix="FW-2231 rolled back at 11:40; the gateway address added to the "
                "firewall review checklist.",
                impact="14 customers in three countries could not work remotely for up to "
                "three hours.",
                actions="Add the VPN gateways to the change checklist (owner: Ana); alert "
                "on VPN login failures above 20 a minute.",
            )
        with clock.frozen(dt.datetime.combine(day, dt.time(11, 50), tzinfo=zone)):
            problems.resolve_all(problem, actor=lead, body=RESOLUTION["en"])
        return f"a VPN outage on {day.isoformat()} with {len(incidents)} incidents."
