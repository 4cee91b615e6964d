"""A small desk history in three languages for the smart-support tests: VPN tickets go to
the Network team, printer tickets to IT Support, invoices to Billing; most are solved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.factories import TeamFactory, make_agent, make_ticket, resolution, status
from ticketdesk.accounts.models import Team, User
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Category, Ticket, TicketType

KINDS = {
    "vpn": (
        [
            "VPN disconnects every few minutes",
            "Cannot connect to the VPN from home",
            "A VPN cai a cada poucos minutos",
            "Não consigo conectar na VPN",
            "La VPN si disconnette spesso",
            "VPN tunnel drops when on wifi",
        ],
        "Reinstalled the VPN client profile; the tunnel stays up.",
        "Please update the VPN client to 5.2, that fixes the disconnects.",
    ),
    "printer": (
        [
            "Cannot print to the 3rd floor printer",
            "Printer jams on every page",
            "Não consigo imprimir",
            "La stampante non funziona",
            "Printer shows offline",
        ],
        "Cleared the print queue and replaced the toner.",
        "The printer queue is cleared, please try printing again.",
    ),
    "invoice": (
        [
            "Invoice shows the wrong VAT number",
            "Nota fiscal com CNPJ errado",
            "Fattura con partita IVA errata",
            "Invoice total is wrong",
        ],
        "Issued a corrected invoice.",
        "We have issued a corrected invoice, you will find it attached.",
    ),
}


@dataclass
class Desk:
    teams: dict[str, Team]
    categories: dict[str, Category]
    agent: User
    tickets: list[Ticket]


def build_desk(rounds: int = 3, solve: bool = True) -> Desk:
    teams = {
        "vpn": TeamFactory(name="Network", slug="network"),
        "printer": Team.objects.filter(slug="it-support").first()
        or TeamFactory(name="IT Support", slug="it-support"),
        "invoice": TeamFactory(name="Billing", slug="billing"),
    }
    categories = {
        "vpn": Category.objects.create(name="VPN"),
        "printer": Category.objects.create(name="Printer"),
        "invoice": Category.objects.create(name="Invoice"),
    }
    types = {t.key: t for t in TicketType.objects.all()}
    type_of = {"vpn": "incident", "printer": "incident", "invoice": "question"}
    agent = make_agent(None, role="admin", username="desk-admin")
    tickets = []
    for round_number in range(rounds):
        for kind, (subjects, summary, reply) in KINDS.items():
            for subject in subjects:
                ticket = make_ticket(
                    subject=subject,
                    body=f"{subject}. It started this morning (#{round_number}).",
                    team=teams[kind],
                    category=categories[kind],
                    ticket_type=types.get(type_of[kind]),
                    urgency=3 if kind == "vpn" else 2,
                )
                if solve:
                    solve_ticket(ticket, agent, reply, summary)
                tickets.append(ticket)
    return Desk(teams=teams, categories=categories, agent=agent, tickets=tickets)


def solve_ticket(ticket: Ticket, agent: User, reply: str, summary: str) -> None:
    actions.reply(ticket, actor=agent, body=reply)
    ticket.refresh_from_db()
    actions.change_status(
        ticket, status("resolved"), actor=agent, resolution=resolution(ticket, summary)
    )


def suggestions_by_field(ticket: Ticket) -> dict[str, Any]:
    return {s.field: s for s in ticket.smart_suggestions.all()}
