"""The integrations section: chat channels and webhooks, switched on and off, and a test
delivery to a real HTTP receiver whose status code the page shows."""

import pytest
from django.urls import reverse

from ticketdesk.audit.models import AuditEntry
from ticketdesk.core import clock
from ticketdesk.notifications import webhooks
from ticketdesk.notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def _endpoint(url, endpoint_format="json", **values):
    return WebhookEndpoint.objects.create(
        name=values.pop("name", "Receiver"),
        url=url,
        format=endpoint_format,
        secret="s3cret-signing" if endpoint_format == "json" else "",
        allow_private=True,
        created_at=clock.now(),
        **values,
    )


@pytest.mark.parametrize("name", ["integrations", "endpoint_new"])
@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("agent", 403), ("light_agent", 403)]
)
def test_pages_by_role(as_role, name, role, expected):
    assert as_role(role).get(reverse(f"workspace:settings:{name}")).status_code == expected


def test_empty_states(admin):
    page = admin.get(reverse("workspace:settings:integrations")).content.decode()
    assert "No chat channels yet" in page
    assert "No webhooks yet" in page


def test_admin_adds_a_slack_channel(admin, receiver):
    response = admin.post(
        reverse("workspace:settings:endpoint_new"),
        {
            "name": "#support",
            "format": "slack",
            "url": receiver.url,
            "events": ["ticket.created", "sla.breached"],
            "active": "on",
            "allow_private": "on",
        },
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get(name="#support")
    assert (endpoint.format, endpoint.events, endpoint.secret) == (
        "slack",
        ["ticket.created", "sla.breached"],
        "",
    )
    assert AuditEntry.objects.get(action="config.webhookendpoint.created").details["via"] == (
        "settings"
    )
    page = admin.get(reverse("workspace:settings:integrations")).content.decode()
    assert "#support" in page
    assert "No chat channels yet" not in page


def test_a_new_webhook_shows_its_secret_once(admin, receiver):
    response = admin.post(
        reverse("workspace:settings:endpoint_new"),
        {
            "name": "ERP",
            "format": "json",
            "url": receiver.url,
            "active": "on",
            "allow_private": "on",
        },
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get(name="ERP")
    assert len(endpoint.secret) == 48
    assert endpoint.secret in response.content.decode()
    again = admin.get(reverse("workspace:settings:endpoint_edit", args=[endpoint.pk]))
    assert endpoint.secret not in again.content.decode()


def test_a_private_address_is_refused_unless_allowed(admin, receiver):
    response = admin.post(
        reverse("workspace:settings:endpoint_new"),
        {"name": "Local", "format": "json", "url": receiver.url, "active": "on"},
    )
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.filter(name="Local").exists()


def test_switch_off_and_on(admin, receiver):
    endpoint = _endpoint(receiver.url, failure_count=15, active=False)
    url = reverse("workspace:settings:endpoint_active", args=[endpoint.pk])
    assert admin.post(url, {"active": "1"}).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.failure_count) == (True, 0)
    admin.post(url, {"active": "0"})
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert AuditEntry.objects.filter(action="config.webhookendpoint.updated").exists()


def test_test_delivery_shows_the_status_code(admin, receiver):
    endpoint = _endpoint(receiver.url)
    response = admin.post(
        reverse("workspace:settings:endpoint_test", args=[endpoint.pk]), HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The test was delivered." in page
    assert "status 200" in page
    [request] = receiver.requests
    assert request.headers["x-ticketdesk-event"] == "webhook.test"
    assert webhooks.verify(
        "s3cret-signing", request.headers["x-ticketdesk-signature"], request.body
    )
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.response_status) == (DeliveryStatus.SUCCEEDED, 200)


def test_a_failed_test_shows_the_code_and_does_not_switch_the_endpoint_off(
    admin, receiver, settings
):
    settings.TICKETDESK = {**settings.TICKETDESK, "WEBHOOK_DISABLE_AFTER": 1}
    endpoint = _endpoint(receiver.url)
    receiver.script = [503]
    page = admin.post(
        reverse("workspace:settings:endpoint_test", args=[endpoint.pk])
    ).content.decode()
    assert "The test was not delivered." in page
    assert "status 503" in page
    assert 'name="url"' in page  # without htmx: the whole page, with the delivery log
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.failure_count) == (True, 0)


def test_a_chat_channel_gets_a_readable_test_message(admin, receiver):
    endpoint = _endpoint(receiver.url, endpoint_format="slack", name="#desk")
    admin.post(reverse("workspace:settings:endpoint_test", args=[endpoint.pk]))
    [request] = receiver.requests
    assert request.json["text"] == "Test message from Ticketdesk"
    assert "x-ticketdesk-signature" not in request.headers


def test_agent_cannot_send_a_test_or_switch_off(as_role, receiver):
    endpoint = _endpoint(receiver.url)
    client = as_role("agent")
    assert (
        client.post(reverse("workspace:settings:endpoint_test", args=[endpoint.pk])).status_code
        == 403
    )
    assert (
        client.post(
            reverse("workspace:settings:endpoint_active", args=[endpoint.pk]), {"active": "0"}
        ).status_code
        == 403
    )
    assert receiver.requests == []
    endpoint.refresh_from_db()
    assert endpoint.active is True


def test_the_integrations_page_reads_a_bounded_number_of_rows(admin, team, assert_bounded_reads):
    def add(n):
        for i in range(n):
            _endpoint(f"https://hooks.example.com/{n}/{i}", name=f"Hook {n}-{i}", team=team)
            _endpoint(f"https://chat.example.com/{n}/{i}", "slack", name=f"Chat {n}-{i}", team=team)

    assert_bounded_reads(admin, reverse("workspace:settings:integrations"), add)


def test_a_refused_test_says_why_in_plain_words(admin):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = _endpoint(f"http://127.0.0.1:{port}/hook")
    page = admin.post(
        reverse("workspace:settings:endpoint_test", args=[endpoint.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "The test was not delivered." in page
    assert "The receiver refused the connection" in page
    assert "ConnectionRefusedError" not in page and "Errno" not in page


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("ConnectionRefusedError: [Errno 111] Connection refused", "recusou a conexão"),
        ("TimeoutError: timed out", "não respondeu a tempo"),
        ("SSLCertVerificationError: certificate verify failed", "TLS"),
        ("gaierror: [Errno -2] Name or service not known", "DNS"),
        ("RemoteDisconnected: Remote end closed connection", "falhou"),
    ],
)
def test_failure_reasons_are_translated(error, expected):
    from django.utils import translation

    from ticketdesk.notifications.outgoing import plain_failure

    with translation.override("pt-br"):
        assert expected in plain_failure(error)
    assert plain_failure("Redirects are not followed (to /x).") == (
        "Redirects are not followed (to /x)."
    )
