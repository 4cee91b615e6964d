"""Digest emails: one summary per hour or per day instead of one email per event — for users
whose `notification_preferences["digest"]` is "hourly" or "daily", and in the hourly run for
those on "auto" whose notifications were held back because they came too fast."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ticketdesk.accounts.models import User
from ticketdesk.core import clock, mail

from .inapp import describe, digest_frequency
from .models import Notification

MAX_ITEMS = 100


def users_with_digest(frequency: str) -> list[User]:
    pending = Notification.objects.filter(emailed_at__isnull=True).values("recipient_id")
    wanted = Q(notification_preferences__digest=frequency)
    if frequency == "hourly":  # "auto" (also when never chosen) summarises hourly
        wanted |= Q(notification_preferences__digest="auto") | ~Q(
            notification_preferences__has_key="digest"
        )
    users = User.objects.filter(wanted, pk__in=pending, is_active=True).exclude(email="")
    return [u for u in users if digest_frequency(u) in (frequency, "auto")]


def send_digest(user: User) -> bool:
    """Queue the summary of `user`'s notifications not yet mailed (sent after commit)."""
    now = clock.now()
    items = list(
        Notification.objects.filter(recipient=user, emailed_at__isnull=True, created_at__lte=now)
        .select_related("ticket", "ticket__requester", "actor")
        .order_by("created_at", "id")[: MAX_ITEMS + 1]
    )
    if not items:
        return False
    shown = items[:MAX_ITEMS]
    with translation.override(user.language or settings.LANGUAGE_CODE):
        lines = [
            {
                "text": describe(n),
                "url": f"{settings.SITE_URL}/t/{n.ticket.number}/" if n.ticket else "",
                "at": n.created_at,
            }
            for n in shown
        ]
        subject = _("[%(brand)s] %(n)s updates for you") % {
            "brand": settings.TICKETDESK["BRAND_NAME"],
            "n": len(shown),
        }
        body = render_to_string(
            "notifications/email/digest.txt",
            {"user": user, "lines": lines, "more": len(items) > MAX_ITEMS},
        )
    with transaction.atomic():
        _queue(user, shown, subject, body)
    return True


def _queue(user: User, shown: list[Notification], subject: str, body: str) -> None:
    mail.queue_mail(
        dedupe_key=f"digest:{user.pk}:{shown[0].pk}:{shown[-1].pk}",
        to=[user.email],
        subject=subject,
        body=body,
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        purpose="digest",
    )
    Notification.objects.filter(pk__in=[n.pk for n in shown]).update(emailed_at=clock.now())


def send_due_digests(frequency: str | None) -> int:
    frequencies = [frequency] if frequency else ["hourly", "daily"]
    sent = 0
    for freq in frequencies:
        for user in users_with_digest(freq):
            sent += int(send_digest(user))
    return sent
