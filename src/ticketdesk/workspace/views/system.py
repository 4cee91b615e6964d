"""The background work, for admins: each event consumer's backlog, lag and dead letters
(with replay), the living outbox workers, the scheduler, the mail queue."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ticketdesk.accounts import policy
from ticketdesk.core import mail, outbox, scheduler
from ticketdesk.core.errors import PermissionDenied
from ticketdesk.core.models import MailStatus, OutboxDelivery, OutgoingMail, PeriodicJobState
from ticketdesk.core.outbox import health
from ticketdesk.core.views import render_domain_error
from ticketdesk.smart import queries as smart_queries

from .common import staff_required

DEAD_LETTERS_SHOWN = 50


def _admin_only(request: HttpRequest) -> HttpResponse | None:
    if not policy.can(request.user, policy.ADMINISTER):
        return render_domain_error(
            request, PermissionDenied(_("Only administrators see the background work."))
        )
    return None


@staff_required
@require_GET
def system(request: HttpRequest) -> HttpResponse:
    denied = _admin_only(request)
    if denied is not None:
        return denied
    dead = list(
        OutboxDelivery.objects.filter(dead_at__isnull=False)
        .select_related("event")
        .order_by("-dead_at", "-id")[:DEAD_LETTERS_SHOWN]
    )
    holder, until = scheduler.current_holder()
    return render(
        request,
        "workspace/system.html",
        {
            "page_nav": "system",
            "lags": health.consumer_lag(),
            "workers": health.live_workers(),
            "dead": dead,
            "mail_queue": health.mail_queue(),
            "failed_mail": list(
                OutgoingMail.objects.filter(status=MailStatus.FAILED).order_by("-id")[:20]
            ),
            "scheduler_holder": holder,
            "scheduler_until": until,
            "jobs": list(PeriodicJobState.objects.order_by("name")),
            "smart_rates": smart_queries.acceptance_rates(),
            "smart_models": smart_queries.models_kept()[:1],
        },
    )


@staff_required
@require_POST
def replay(request: HttpRequest) -> HttpResponse:
    denied = _admin_only(request)
    if denied is not None:
        return denied
    delivery = request.POST.get("delivery")
    consumer = request.POST.get("consumer") or None
    ids = [int(delivery)] if delivery and delivery.isdigit() and len(delivery) < 19 else None
    count = outbox.replay(consumer=consumer, delivery_ids=ids)
    messages.success(
        request,
        _("%(n)s events will be handled again.") % {"n": count},
    )
    return redirect("workspace:system")


@staff_required
@require_POST
def retry_mail(request: HttpRequest, pk: int) -> HttpResponse:
    denied = _admin_only(request)
    if denied is not None:
        return denied
    queued = OutgoingMail.objects.filter(pk=pk, status=MailStatus.FAILED).first()
    if queued is not None:
        mail.retry_failed(queued)
        messages.success(request, _("The mail will be sent again."))
    return redirect("workspace:system")
