"""Rule webhooks reach a real HTTP server through the notifications app's SSRF-safe client."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.factories import make_ticket
from ticketdesk.automation.models import Trigger
from ticketdesk.core.models import OutboxDelivery
from ticketdesk.notifications import webhooks
from ticketdesk.notifications.models import DeliveryStatus, WebhookDelivery

from .helpers import drain, make_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            received.append(
                {"headers": dict(self.headers), "body": json.loads(self.rfile.read(length))}
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def test_webhook_is_posted_and_signed(admin_user, team, settings, receiver):
    url, received = receiver
    settings.TICKETDESK = {
        **settings.TICKETDESK,
        "AUTOMATION_WEBHOOKS_ALLOW_PRIVATE": True,
        "AUTOMATION_WEBHOOK_SECRET": "s3cret",
    }
    make_rule(Trigger.TICKET_CREATED, [], [{"type": "webhook", "value": url, "text": "hi"}])
    ticket = make_ticket(team=team, subject="Hook me")
    drain()
    [request] = received
    assert request["body"]["ticket"]["number"] == ticket.number
    assert request["body"]["message"] == "hi"
    assert request["headers"]["X-Ticketdesk-Event"] == "automation.webhook"
    raw = json.dumps(request["body"], separators=(",", ":"), sort_keys=True).encode()
    assert webhooks.verify("s3cret", request["headers"]["X-Ticketdesk-Signature"], raw)


def test_private_destination_is_refused_by_default(admin_user, team, receiver):
    url, received = receiver
    make_rule(Trigger.TICKET_CREATED, [], [{"type": "webhook", "value": url}])
    make_ticket(team=team)
    drain()
    assert received == []
    assert not OutboxDelivery.objects.exists()  # every consumer is done
    refused = WebhookDelivery.objects.get(topic="automation.webhook")
    assert refused.status == DeliveryStatus.FAILED and "private" in refused.error
