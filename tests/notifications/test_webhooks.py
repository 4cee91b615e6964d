"""Webhook deliveries: signed, in order, retried with backoff, disabled after failures,
redelivered; the SSRF guard; chat channels."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_ticket
from ticketdesk.core import clock, outbox
from ticketdesk.notifications import webhooks
from ticketdesk.notifications.chat import ADAPTERS
from ticketdesk.notifications.models import DeliveryStatus, WebhookDelivery
from ticketdesk.notifications.outgoing import UnsafeDestination, post
from ticketdesk.tickets import actions

pytestmark = pytest.mark.django_db


def _endpoint(admin, url, **kw):
    return webhooks.create_endpoint(actor=admin, name="Receiver", url=url, allow_private=True, **kw)


def _queue() -> None:
    """Run the consumers only: deliveries are queued, nothing is sent yet."""
    outbox.run_round(run_senders=False)


def _run_later(minutes: float) -> int:
    """Run the delivery worker as if `minutes` had passed."""
    with clock.frozen(clock.now() + dt.timedelta(minutes=minutes)):
        return webhooks.deliver_pending()


def test_signed_events_arrive_in_order_with_retries(admin_user, agent, team, receiver):
    endpoint = _endpoint(admin_user, receiver.url)
    ticket = make_ticket(team=team)
    actions.reply(ticket, actor=agent, body="Looking into it")  # message.created + ticket.updated
    actions.set_fields(ticket, actor=agent, urgency=4)  # ticket.updated
    _queue()
    deliveries = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id"))
    topics = [d.topic for d in deliveries]
    assert topics == ["ticket.created", "message.created", "ticket.updated", "ticket.updated"]

    receiver.script = [500, 503]  # the first two attempts fail
    assert webhooks.deliver_pending() == 1  # head failed: later events wait
    assert len(receiver.requests) == 1
    assert webhooks.deliver_pending() == 0  # not due yet
    first = WebhookDelivery.objects.get(pk=deliveries[0].pk)
    assert first.status == DeliveryStatus.PENDING and first.response_status == 500
    assert first.next_retry_at is not None and first.attempt == 1
    _run_later(1)  # second failure, backoff doubles
    assert len(receiver.requests) == 2
    assert _run_later(1.5) == 0  # 60 s backoff not yet over
    _run_later(3)
    assert [r.json["topic"] for r in receiver.requests[2:]] == topics
    # the same event is retried with the same id
    assert len({r.json["id"] for r in receiver.requests[:3]}) == 1
    for request in receiver.requests:
        header = request.headers["x-ticketdesk-signature"]
        assert webhooks.verify(endpoint.secret, header, request.body)
        assert not webhooks.verify("wrong", header, request.body)
        assert request.headers["x-ticketdesk-event"] == request.json["topic"]
    payload = receiver.requests[-1].json
    assert payload["data"]["ticket"]["number"] == ticket.number
    log = WebhookDelivery.objects.get(pk=deliveries[0].pk)
    assert log.status == DeliveryStatus.SUCCEEDED and log.attempt == 3
    assert log.response_status == 200 and log.response_excerpt == "ok"
    assert log.duration_ms is not None
    endpoint.refresh_from_db()
    assert endpoint.failure_count == 0


def test_event_filter_and_idempotent_queueing(admin_user, team, receiver):
    endpoint = _endpoint(admin_user, receiver.url, events=["ticket.created"])
    make_ticket(team=team)
    message = outbox.OutboxMessage.objects.get(topic="ticket.created")
    webhooks.queue_deliveries([message])
    webhooks.queue_deliveries([message])  # the consumer handling the event again
    _queue()
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1


def test_endpoint_is_disabled_after_repeated_failures(admin_user, team, receiver, settings):
    settings.TICKETDESK = {**settings.TICKETDESK, "WEBHOOK_DISABLE_AFTER": 3}
    endpoint = _endpoint(admin_user, receiver.url)
    make_ticket(team=team)
    _queue()
    receiver.script = [500] * 10
    for minutes in (0, 1, 3, 10):
        _run_later(minutes)
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.failure_count == 3
    assert "3" in endpoint.disabled_reason
    assert len(receiver.requests) == 3  # nothing more once disabled
    webhooks.reactivate(endpoint, actor=admin_user)
    receiver.script = []
    _run_later(60)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_redeliver_sends_the_same_event_again(admin_user, team, receiver):
    _endpoint(admin_user, receiver.url)
    make_ticket(team=team)
    outbox.process_pending()
    webhooks.deliver_pending()
    original = WebhookDelivery.objects.get()
    copy = webhooks.redeliver(original, actor=admin_user)
    webhooks.deliver_pending()
    assert copy.pk != original.pk
    assert [r.json["id"] for r in receiver.requests] == [original.payload["id"]] * 2
    assert (
        receiver.requests[0].headers["x-ticketdesk-delivery"]
        != (receiver.requests[1].headers["x-ticketdesk-delivery"])
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://10.0.0.7/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/hook",
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://0.0.0.0:{port}/hook",
        "http://224.0.0.1/hook",
        "file:///etc/passwd",
    ],
)
def test_ssrf_guard_refuses_private_destinations(receiver, url):
    port = receiver.url.split(":")[2].split("/")[0]
    target = url.format(port=port)
    result = webhooks.deliver_url(target, {"x": 1})
    assert result.refused and not result.ok
    assert receiver.requests == []
    with pytest.raises(UnsafeDestination):
        webhooks.create_endpoint(actor=None, name="x", url=target)


def test_redirects_are_not_followed_and_responses_are_capped(receiver):
    receiver.script = [302]
    receiver.location = "http://169.254.169.254/latest/meta-data/"
    result = webhooks.deliver_url(receiver.url, {"x": 1}, allow_private=True)
    assert not result.ok and result.status_code == 302 and "169.254" in result.error
    assert len(receiver.requests) == 1
    receiver.location = ""
    receiver.response_body = b"x" * 500_000
    result = webhooks.deliver_url(receiver.url, {"x": 1}, allow_private=True)
    assert result.ok and len(result.body_excerpt) == 2000


def test_timeout(receiver):
    receiver.delay = 1.5
    result = post(receiver.url, b"{}", allow_private=True, timeout=0.3)
    assert not result.ok and "timed out" in result.error.lower()


def test_automation_deliver_url_signs_when_given_a_secret(receiver):
    result = webhooks.deliver_url(
        receiver.url, {"rule": "escalate"}, secret="s3cret", allow_private=True
    )
    assert result.ok
    request = receiver.requests[0]
    assert request.json == {"rule": "escalate"}
    assert webhooks.verify("s3cret", request.headers["x-ticketdesk-signature"], request.body)
    with pytest.raises(RuntimeError):
        webhooks.deliver_url("http://10.0.0.1/", {}, raise_on_error=True)


def test_team_channel_hears_about_an_sla_breach(admin_user, team, receiver):
    """Done-when: a team channel receives a message when a ticket breaches its SLA."""
    from tests.factories import TeamFactory

    webhooks.create_endpoint(
        actor=admin_user,
        name="#it-support",
        url=receiver.url,
        endpoint_format="slack",
        events=["sla.breached"],
        team=team,
        allow_private=True,
    )
    other_team_ticket = make_ticket(team=TeamFactory())
    ticket = make_ticket(team=team, subject="Mail server down")
    for t in (ticket, other_team_ticket):
        outbox.publish(
            "sla.breached",
            {"ticket_id": t.pk, "ticket_number": t.number, "metric": "first_response"},
            ticket_id=t.pk,
        )
    outbox.process_pending()
    webhooks.deliver_pending()
    assert len(receiver.requests) == 1
    body = receiver.requests[0].json
    assert "SLA breached" in body["text"] and ticket.display_number in body["text"]
    assert "Mail server down" in body["blocks"][0]["text"]["text"]
    assert "x-ticketdesk-signature" not in receiver.requests[0].headers


def test_chat_adapters_share_one_interface():
    event = {
        "topic": "sla.breached",
        "data": {
            "metric": "resolution",
            "ticket": {
                "display_number": "#1042",
                "subject": "VPN down",
                "status": "open",
                "team": "IT",
                "assignee": None,
                "url": "https://desk.example.org/t/1042/",
            },
        },
    }
    slack = ADAPTERS["slack"].render(event)
    assert "#1042" in slack["text"] and "<https://desk.example.org/t/1042/|" in str(slack)
    teams = ADAPTERS["teams"].render(event)
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["actions"][0]["url"].endswith("/t/1042/")
    mattermost = ADAPTERS["mattermost"].render(event)
    assert mattermost["text"].startswith("**[SLA breached on #1042")
    rocket = ADAPTERS["rocketchat"].render(event)
    assert rocket["attachments"][0]["title_link"].endswith("/t/1042/")


def test_real_sla_breach_reaches_the_team_channel_and_the_assignee(
    admin_user, agent, team, receiver
):
    """The SLA app's own clock breaches a ticket; the Mattermost channel of its team and the
    assignee's bell hear about it."""
    from tests.sla.helpers import at, make_policy, office_calendar
    from ticketdesk.notifications.models import Notification
    from ticketdesk.sla import tracking

    office_calendar()
    make_policy("Standard", order=20)
    webhooks.create_endpoint(
        actor=admin_user,
        name="~it-support",
        url=receiver.url,
        endpoint_format="mattermost",
        events=["sla.breached"],
        team=team,
        allow_private=True,
    )
    with clock.frozen(at(2025, 6, 9, 9)):
        ticket = make_ticket(team=team, subject="Mail server down", assignee=agent)
        outbox.process_pending()
    with clock.frozen(at(2025, 6, 9, 13, 5)):  # past the 4 business hours first response
        tracking.check_due()
        tracking.check_due()
        outbox.process_pending()
        webhooks.deliver_pending()
    texts = [r.json["text"] for r in receiver.requests]
    assert len(texts) == 1
    assert texts[0].startswith(f"**[SLA breached on {ticket.display_number}")
    assert "first response" in texts[0]
    assert Notification.objects.filter(recipient=agent, verb="sla_breached").exists()
