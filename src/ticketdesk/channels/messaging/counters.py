"""Prometheus counters of the messaging channel (exported with core.metrics' registry)."""

from prometheus_client import Counter

RECEIVED = Counter(
    "ticketdesk_messaging_received",
    "Messaging-app messages taken in, by provider and outcome.",
    ["provider", "outcome"],
)
SENT = Counter(
    "ticketdesk_messaging_sent",
    "Messaging-app sends attempted, by provider and outcome.",
    ["provider", "outcome"],
)
