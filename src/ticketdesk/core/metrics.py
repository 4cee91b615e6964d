"""Prometheus metrics at /metrics.

Counted in each process (requests and their latency, mail received and sent, SLA breaches);
with several processes on a machine `PROMETHEUS_MULTIPROC_DIR` (set by `ticketdesk run`, and
in the compose file) lets any web process answer for all of them. Read from the database at
scrape time, so every machine reports the same: each consumer's backlog, lag and dead letters,
the living outbox workers, and the outgoing mail queue (small tables, grouped queries).

Access: with `TICKETDESK_METRICS_TOKEN` set, a scraper sends `Authorization: Bearer <token>`;
without it only loopback clients that did not come through a proxy are answered
(docs/production.md).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

REQUESTS = Counter(
    "ticketdesk_http_requests",
    "HTTP requests answered, by method, view and status code.",
    ["method", "view", "status"],
)
LATENCY = Histogram(
    "ticketdesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
MAIL_RECEIVED = Counter(
    "ticketdesk_mail_received", "Inbound mail messages taken in, by outcome.", ["state"]
)
MAIL_SENT = Counter(
    "ticketdesk_mail_sent", "Outgoing mail messages handed over, by outcome.", ["outcome"]
)
SLA_BREACHES = Counter("ticketdesk_sla_breaches", "SLA targets breached, by metric.", ["metric"])


class DatabaseCollector(Collector):
    """Gauges read from the database when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from .outbox import health

        pending = GaugeMetricFamily(
            "ticketdesk_outbox_pending", "Events waiting for a consumer.", labels=["consumer"]
        )
        lag = GaugeMetricFamily(
            "ticketdesk_outbox_lag_seconds",
            "Age of the oldest event waiting for a consumer.",
            labels=["consumer"],
        )
        dead = GaugeMetricFamily(
            "ticketdesk_outbox_dead_letters",
            "Events a consumer gave up on (an admin can replay them).",
            labels=["consumer"],
        )
        for item in health.consumer_lag():
            pending.add_metric([item.name], item.pending)
            lag.add_metric([item.name], item.lag_seconds)
            dead.add_metric([item.name], item.dead)
        yield pending
        yield lag
        yield dead
        yield GaugeMetricFamily(
            "ticketdesk_outbox_workers",
            "Outbox workers that said they are alive in the last 30 seconds.",
            value=len(health.live_workers()),
        )
        queue = GaugeMetricFamily(
            "ticketdesk_mail_queue", "Outgoing mail by state.", labels=["state"]
        )
        for state, count in health.mail_queue().items():
            queue.add_metric([state], count)
        yield queue


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(DatabaseCollector())
    return registry


def _allowed(request: HttpRequest) -> bool:
    token = os.environ.get("TICKETDESK_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    # loopback, and not relayed by a proxy on this machine (nginx sets X-Forwarded-For)
    return request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1") and not request.headers.get(
        "X-Forwarded-For"
    )


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts every request by its URL pattern's name (never the raw path: bounded labels)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match is not None else "") or "unmatched"
        if view != "metrics":
            LATENCY.labels(view).observe(time.perf_counter() - started)
            REQUESTS.labels(request.method or "", view, str(response.status_code)).inc()
        return response
