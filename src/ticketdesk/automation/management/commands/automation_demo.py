"""`ticketdesk automation_demo`: the demo's rules, canned responses and macros (idempotent, by
name): a routing rule, automatic escalation on SLA risk, a few shared canned responses, and
macros agents apply from the ticket page (those that post a canned reply are also offered in the
chat console's composer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ticketdesk.accounts.models import Role, User
from ticketdesk.automation import actions
from ticketdesk.automation.models import Macro, Rule
from ticketdesk.tickets.models import CannedResponse

RULES: list[dict[str, Any]] = [
    {
        "name": "VPN requests to IT Support",
        "description": "Whatever the door, VPN trouble goes to IT Support, tagged vpn.",
        "trigger": "ticket_created",
        "conditions": {
            "match": "all",
            "conditions": [
                # new tickets only (not the demo's replayed history)
                {"field": "hours_since_created", "operator": "lt", "value": "24"},
                {
                    "match": "any",
                    "conditions": [
                        {"field": "category", "operator": "contains", "value": "VPN"},
                        {"field": "subject", "operator": "contains", "value": "VPN"},
                    ],
                },
            ],
        },
        "actions": [
            {"type": "set_field", "target": "team", "value": "IT Support"},
            {"type": "add_tag", "value": "vpn"},
        ],
    },
    {
        "name": "Escalate tickets at SLA risk",
        "description": "A first-level ticket whose SLA is at risk goes one level up: to the "
        "team's escalation team, or else to its lead.",
        "trigger": "sla_warning",
        "conditions": {
            "match": "all",
            "conditions": [
                {"field": "escalation_level", "operator": "lt", "value": "1"},
                {"field": "status_category", "operator": "in", "value": "new, open, pending"},
                # a warning of now, not one replayed from history or after an outage
                {"field": "sla_alert_hours", "operator": "lt", "value": "1"},
            ],
        },
        "actions": [
            {
                "type": "escalate",
                "text": "SLA at risk: {{ ticket.number }} is due {{ ticket.due_at }}.",
            }
        ],
    },
]
CANNED: list[dict[str, str]] = [
    {
        "title": "Greeting",
        "body": "Hi {{ requester.first_name }}, this is {{ agent.first_name }}. "
        "Let me look into this for you.",
    },
    {
        "title": "Restart and retry",
        "body": "Could you restart the device and try again? Let me know what you see.",
    },
    {
        "title": "VPN outage",
        "body": "We are aware of a VPN outage and are working on it. "
        "We will update ticket #{{ ticket.number }} as soon as it is fixed.",
    },
]
MACROS: list[dict[str, Any]] = [
    {
        "name": "Waiting for the customer",
        "description": "Pending, with a note for colleagues.",
        "actions": [
            {"type": "set_field", "target": "status", "value": "pending"},
            {"type": "add_note", "text": "Asked the customer for more details; pending."},
        ],
    },
    {
        "name": "Known VPN outage",
        "description": "Tag and note a ticket that belongs to the VPN outage.",
        "actions": [
            {"type": "add_tag", "value": "vpn-outage"},
            {"type": "add_note", "text": "Part of the VPN outage: see the problem ticket."},
        ],
    },
    {
        "name": "Reply: known VPN outage",
        "description": "Tell the customer about the VPN outage and tag the ticket.",
        "actions": [
            {"type": "canned", "value": "VPN outage"},
            {"type": "add_tag", "value": "vpn-outage"},
        ],
    },
]


class Command(BaseCommand):
    help = "Create the demo's automation rules and macros (skips existing names)."

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
        if admin is None:
            self.stdout.write("No administrator: run `ticketdesk demo` first.")
            return
        for data in RULES:
            if not Rule.objects.filter(name=data["name"]).exists():
                actions.save_rule(admin, {**data, "enabled": True})
        for canned in CANNED:
            if not CannedResponse.objects.filter(title=canned["title"]).exists():
                CannedResponse.objects.create(**canned, shared=True)
        for data in MACROS:
            if not Macro.objects.filter(name=data["name"]).exists():
                actions.save_macro(admin, {**data, "visibility": "shared", "active": True})
        self.stdout.write(
            f"Automation: {len(RULES)} rules, {len(CANNED)} canned responses, {len(MACROS)} macros."
        )
