"""Build the page census's database: migrate, load the demo, add a plain agent, and print the
demo objects the census fills URL arguments with, as JSON on the last line.

Run in a subprocess by tests/web/test_page_census.py with TICKETDESK_VAR_DIR pointing at a
folder of its own (never the developer's var/): `python -m tests.web.census_setup`.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

PLAIN_AGENT = "kim"  # every demo agent leads a team; the census needs one who does not
PASSWORD = "ticketdesk"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("demo", stdout=io.StringIO())
    # this morning's notifications reach the bell and the list (no mail is sent)
    call_command("outbox", "work", "--once", "--no-senders", stdout=io.StringIO())
    print(json.dumps(samples()))


def samples() -> dict[str, object]:
    from ticketdesk.accounts.actions import create_user
    from ticketdesk.accounts.models import Contact, Role, Team, User
    from ticketdesk.automation.models import Macro, Rule
    from ticketdesk.channels.email.models import InboundEmail
    from ticketdesk.core.models import OutgoingMail
    from ticketdesk.kb.models import Article, ArticleVersion, KbCategory
    from ticketdesk.notifications.models import Notification
    from ticketdesk.reports.models import ProblemRecord
    from ticketdesk.tickets.models import (
        Attachment,
        CannedResponse,
        Message,
        TicketLink,
        TicketType,
    )
    from ticketdesk.tickets.models.ticket import Ticket
    from ticketdesk.workspace.models import SavedView

    it_support = Team.objects.get(name="IT Support")
    if not User.objects.filter(username=PLAIN_AGENT).exists():
        create_user(
            username=PLAIN_AGENT,
            email=f"{PLAIN_AGENT}@example.com",
            password=PASSWORD,
            role=Role.AGENT,
            first_name="Kim",
            last_name="Lee",
            teams=[it_support],
        )
    maria = Contact.objects.get(email__iexact="maria@estrela.example")
    # one ticket every role may open: Maria's, in IT Support
    ticket = Ticket.objects.filter(requester=maria, team=it_support).order_by("-number").first()
    assert ticket is not None, "the demo has no ticket of Maria's in IT Support"
    message = Message.objects.filter(ticket=ticket).order_by("pk").first()
    article = Article.objects.order_by("pk").first()
    values: dict[str, object] = {
        "ticket": ticket.number,
        "ticket_pk": ticket.pk,
        "message": message.pk if message else None,
        "problem": getattr(ProblemRecord.objects.select_related("ticket").first(), "ticket", None),
        "rule": Rule.objects.order_by("pk").values_list("pk", flat=True).first(),
        "macro": Macro.objects.order_by("pk").values_list("pk", flat=True).first(),
        "inbound": InboundEmail.objects.order_by("pk").values_list("pk", flat=True).first(),
        "outgoing_mail": OutgoingMail.objects.order_by("pk").values_list("pk", flat=True).first(),
        "contact": maria.pk,
        "organization": maria.organizations.values_list("pk", flat=True).first(),
        "notification": Notification.objects.order_by("pk").values_list("pk", flat=True).first(),
        "kb_category": KbCategory.objects.order_by("pk").values_list("slug", flat=True).first(),
        "article_slug": article.slug if article else None,
        "article": article.pk if article else None,
        "version": ArticleVersion.objects.order_by("pk").values_list("pk", flat=True).first(),
        "ticket_type": TicketType.objects.order_by("pk").values_list("key", flat=True).first(),
        "attachment": Attachment.objects.order_by("pk").values_list("pk", flat=True).first(),
        "saved_view": SavedView.objects.order_by("pk").values_list("pk", flat=True).first(),
        "link": TicketLink.objects.order_by("pk").values_list("pk", flat=True).first(),
        "user": User.objects.get(username=PLAIN_AGENT).pk,
        "canned": CannedResponse.objects.order_by("pk").values_list("pk", flat=True).first(),
    }
    values.update(_wave_two_samples())
    problem = values["problem"]
    values["problem"] = problem.number if problem is not None else None
    return values


def _first_pk(model: Any) -> object:
    return model.objects.order_by("pk").values_list("pk", flat=True).first()


def _wave_two_samples() -> dict[str, object]:
    """Objects of the service desk, settings and catalog pages."""
    from ticketdesk.accounts.models import Team
    from ticketdesk.assets.models import Item, ItemRelation
    from ticketdesk.catalog.models import Approval, RequestType
    from ticketdesk.channels.email.models import Mailbox
    from ticketdesk.channels.messaging.models import ChannelAccount
    from ticketdesk.notifications.models import WebhookEndpoint
    from ticketdesk.sla.models import BusinessCalendar, SLAPolicy
    from ticketdesk.tickets.models import CustomFieldDefinition, Status, Transition
    from ticketdesk.timetracking.models import TimeEntry
    from ticketdesk.trackers.models import TrackerConnection

    return {
        "item": _first_pk(Item),
        "item_relation": _first_pk(ItemRelation),
        "time_entry": _first_pk(TimeEntry),
        "approval": _first_pk(Approval),
        "request_type": RequestType.objects.order_by("pk").values_list("key", flat=True).first(),
        "tracker_connection": _first_pk(TrackerConnection),
        "custom_field": _first_pk(CustomFieldDefinition),
        "team": _first_pk(Team),
        "calendar": _first_pk(BusinessCalendar),
        "sla_policy": _first_pk(SLAPolicy),
        "status": _first_pk(Status),
        "mailbox": _first_pk(Mailbox),
        "messaging_account": _first_pk(ChannelAccount),
        "webhook_endpoint": _first_pk(WebhookEndpoint),
        "transition": _first_pk(Transition),
        **_classification_samples(),
    }


def _classification_samples() -> dict[str, object]:
    """Objects of Settings → Classification."""
    from ticketdesk.tickets.models import BusinessArea, Category, Tag, TicketType

    return {
        "ticket_type_pk": _first_pk(TicketType),
        "category": _first_pk(Category),
        "business_area": _first_pk(BusinessArea),
        "tag": _first_pk(Tag),
    }


if __name__ == "__main__":
    main()
