"""The Settings overview: each section with what it holds now."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ticketdesk.accounts.models import STAFF_ROLES, Team, User
from ticketdesk.channels.email.models import Mailbox
from ticketdesk.channels.messaging.models import ChannelAccount
from ticketdesk.notifications.models import WebhookEndpoint
from ticketdesk.sla.models import BusinessCalendar, SLAPolicy
from ticketdesk.tickets.models import (
    Category,
    CustomFieldDefinition,
    Status,
    TicketType,
    Transition,
)

from .common import render_settings, settings_required


@settings_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    counts = {
        "fields": CustomFieldDefinition.objects.filter(active=True).count(),
        "types": TicketType.objects.filter(active=True).count(),
        "statuses": Status.objects.filter(active=True).count(),
        "transitions": Transition.objects.count(),
        "policies": SLAPolicy.objects.filter(active=True).count(),
        "calendars": BusinessCalendar.objects.count(),
        "teams": Team.objects.filter(active=True).count(),
        "mailboxes": Mailbox.objects.filter(active=True).count(),
        "messaging": ChannelAccount.objects.filter(active=True).count(),
        "integrations": WebhookEndpoint.objects.filter(active=True).count(),
        "agents": User.objects.filter(is_active=True, role__in=STAFF_ROLES).count(),
        "categories": Category.objects.filter(active=True).count(),
    }
    return render_settings(
        request, "workspace/settings/index.html", {"counts": counts}, section="index"
    )
