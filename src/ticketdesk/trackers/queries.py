"""Reads of tracker connections and links."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import TrackerConnection, TrackerLink


def active_connections() -> QuerySet[TrackerConnection]:
    return TrackerConnection.objects.filter(active=True).order_by("name", "id")


def links_for(ticket_id: int) -> QuerySet[TrackerLink]:
    return (
        TrackerLink.objects.filter(ticket_id=ticket_id).select_related("connection").order_by("id")
    )
