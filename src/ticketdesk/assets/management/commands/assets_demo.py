"""`ticketdesk assets_demo`: a few items the demo's tickets are about — laptops, the VPN
gateway and the mail service with what they run on — and the VPN tickets linked to the gateway.
Run inside the demo's history (nothing is notified). Does nothing when items exist."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ticketdesk.accounts.models import Contact
from ticketdesk.assets import actions
from ticketdesk.assets.actions import ItemInput
from ticketdesk.assets.models import Item, ItemType, RelationKind
from ticketdesk.tickets.models import Ticket

TYPES = [
    ("laptop", "Laptop", [{"key": "ram_gb", "label": "RAM (GB)", "kind": "number"}]),
    ("server", "Server", [{"key": "location", "label": "Location", "kind": "text"}]),
    ("service", "Service", []),
]


class Command(BaseCommand):
    help = "Demo items (assets and services) and their tickets."

    def handle(self, *args: Any, **options: Any) -> None:
        if Item.objects.exists():
            return
        types = {}
        for order, (key, name, attributes) in enumerate(TYPES):
            types[key], _created = ItemType.objects.get_or_create(
                key=key, defaults={"name": name, "attributes": attributes, "order": order}
            )
        maria = Contact.objects.filter(email__iexact="maria@estrela.example").first()
        laptop = actions.create_item(
            ItemInput(
                name="ThinkPad T14 (Maria)",
                item_type=types["laptop"],
                identifier="LT-0142",
                owner_contact=maria,
                attributes={"ram_gb": 16},
            ),
            actor=None,
        )
        host = actions.create_item(
            ItemInput(
                name="srv-edge-01",
                item_type=types["server"],
                identifier="SRV-001",
                attributes={"location": "Lisbon"},
            ),
            actor=None,
        )
        vpn = actions.create_item(
            ItemInput(name="VPN gateway", item_type=types["service"], version="7.2"), actor=None
        )
        mail = actions.create_item(
            ItemInput(name="Email service", item_type=types["service"]), actor=None
        )
        actions.relate(vpn, host, RelationKind.RUNS_ON, actor=None)
        actions.relate(mail, host, RelationKind.DEPENDS_ON, actor=None)
        for ticket in Ticket.objects.filter(subject__icontains="vpn").order_by("-number")[:5]:
            actions.link_ticket(ticket, vpn, actor=None)
        if maria is not None:
            for ticket in Ticket.objects.filter(
                requester=maria, subject__icontains="laptop"
            ).order_by("-number")[:2]:
                actions.link_ticket(ticket, laptop, actor=None)
        self.stdout.write(f"{Item.objects.count()} demo items")
