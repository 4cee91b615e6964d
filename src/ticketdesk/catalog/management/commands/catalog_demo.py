"""`ticketdesk catalog_demo`: two catalog entries ("New laptop": the manager approves;
"Access to the finance share": the manager, then a Billing lead), Maria's manager, and one
request of Maria's waiting for approval. Run inside the demo's history (no mail is sent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ticketdesk.accounts.actions import get_or_create_contact
from ticketdesk.accounts.models import Team, User
from ticketdesk.catalog import actions
from ticketdesk.catalog.models import (
    ApprovalStep,
    ApproverKind,
    FieldKind,
    RequestField,
    RequestType,
    ServiceRequest,
)
from ticketdesk.tickets.models import TicketType


def _texts(pt: str, it: str, field: str = "name") -> dict[str, dict[str, str]]:
    return {"pt-br": {field: pt}, "it": {field: it}}


def _laptop(team: Team | None, service: TicketType | None) -> RequestType:
    laptop, created = RequestType.objects.get_or_create(
        key="new-laptop",
        defaults={
            "name": "New laptop",
            "description": "A laptop for you or a new colleague; your manager approves it.",
            "translations": {
                "pt-br": {
                    "name": "Novo notebook",
                    "description": "Um notebook para você ou um novo colega; seu gestor aprova.",
                },
                "it": {
                    "name": "Nuovo portatile",
                    "description": (
                        "Un portatile per te o un nuovo collega; lo approva il tuo responsabile."
                    ),
                },
            },
            "team": team,
            "ticket_type": service,
            "order": 1,
        },
    )
    if created:
        RequestField.objects.create(
            request_type=laptop,
            key="model",
            label="Model",
            kind=FieldKind.CHOICE,
            choices=["14-inch standard", "16-inch developer"],
            required=True,
            order=1,
            translations=_texts("Modelo", "Modello", "label"),
        )
        RequestField.objects.create(
            request_type=laptop,
            key="needed_by",
            label="Needed by",
            kind=FieldKind.DATE,
            order=2,
            translations=_texts("Necessário até", "Necessario entro il", "label"),
        )
        ApprovalStep.objects.create(request_type=laptop, order=1, kind=ApproverKind.MANAGER)
    return laptop


def _finance_share(team: Team | None, service: TicketType | None) -> RequestType:
    share, created = RequestType.objects.get_or_create(
        key="finance-share-access",
        defaults={
            "name": "Access to the finance share",
            "description": "Read or write access to the finance folders.",
            "translations": {
                "pt-br": {
                    "name": "Acesso à pasta de finanças",
                    "description": "Acesso de leitura ou escrita às pastas de finanças.",
                },
                "it": {
                    "name": "Accesso alla cartella finanza",
                    "description": "Accesso in lettura o scrittura alle cartelle della finanza.",
                },
            },
            "team": team,
            "ticket_type": service,
            "order": 2,
        },
    )
    if created:
        RequestField.objects.create(
            request_type=share,
            key="access",
            label="Access",
            kind=FieldKind.CHOICE,
            choices=["read", "write"],
            required=True,
            order=1,
            translations=_texts("Acesso", "Accesso", "label"),
        )
        RequestField.objects.create(
            request_type=share,
            key="reason",
            label="Why do you need it?",
            kind=FieldKind.TEXTAREA,
            required=True,
            order=2,
            translations=_texts("Por que você precisa?", "Perché ti serve?", "label"),
        )
        ApprovalStep.objects.create(request_type=share, order=1, kind=ApproverKind.MANAGER)
        step = ApprovalStep.objects.create(request_type=share, order=2, kind=ApproverKind.PEOPLE)
        step.people.set(User.objects.filter(username="luca"))
    return share


class Command(BaseCommand):
    help = "Load the service catalog's demo entries (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(name="IT Support").first()
        service = TicketType.objects.filter(key="service-request").first()
        laptop = _laptop(team, service)
        _finance_share(team, service)
        manager = get_or_create_contact("pedro@estrela.example", "Pedro Costa")
        maria = get_or_create_contact("maria@estrela.example", "Maria Silva")
        if maria.manager_id is None:
            maria.__class__.objects.filter(pk=maria.pk).update(
                manager=manager, department="Operations"
            )
            maria.refresh_from_db()
        if not ServiceRequest.objects.filter(requester=maria).exists():
            actions.submit_request(
                request_type=laptop,
                requester=maria,
                answers={"model": "14-inch standard"},
                actor=None,
            )
        self.stdout.write("Service catalog: 2 request types, 1 request awaiting approval.")
