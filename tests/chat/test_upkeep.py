"""Live chat's upkeep: chats whose visitor has left end by themselves; the chats' streaming
events are forgotten after the retention period while the tickets' messages stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ticketdesk.channels.chat import actions, feed, queries, retention, tasks
from ticketdesk.channels.chat.models import ChatEvent, ChatEventKind, ChatStatus
from ticketdesk.core import clock, scheduler
from ticketdesk.tickets.models import MessageKind

pytestmark = pytest.mark.django_db


def _later(minutes: float) -> dt.datetime:
    return clock.now() + dt.timedelta(minutes=minutes)


def test_chat_tasks_are_scheduled():
    names = {job.name: job for job in scheduler.jobs()}
    assert names["chat.end_abandoned"].task is tasks.end_abandoned_chats
    assert names["chat.prune_events"].task is tasks.prune_chat_events


def test_a_waiting_chat_whose_visitor_left_ends_by_itself(started, online_agent, settings):
    chat, _token = started
    settings.TICKETDESK_CHAT_IDLE_WAITING_MINUTES = 15
    status_before = chat.ticket.status_id
    with clock.frozen(_later(14)):
        assert tasks.end_abandoned_chats.call() == 0
    with clock.frozen(_later(16)):
        assert tasks.end_abandoned_chats.call() == 1
        assert tasks.end_abandoned_chats.call() == 0  # idempotent
    chat.refresh_from_db()
    assert chat.status == ChatStatus.ENDED
    assert list(queries.queue(online_agent)) == []
    chat.ticket.refresh_from_db()
    assert chat.ticket.status_id == status_before  # as when the visitor ends it
    notes = list(chat.ticket.messages.filter(kind=MessageKind.INTERNAL))
    assert len(notes) == 1
    assert "visitor left" in notes[0].body_text and "15 minutes" in notes[0].body_text
    # the widget, if still open, hears why
    ended = queries.visitor_events(chat.pk, 0)[-1]
    assert ended.kind == ChatEventKind.ENDED
    assert feed.as_json(ended)["reason"] == "abandoned"


def test_an_accepted_chat_waits_longer_and_frees_the_agents_slot(started, online_agent, settings):
    chat, _token = started
    settings.TICKETDESK_CHAT_IDLE_ACTIVE_MINUTES = 30
    chat = actions.accept(chat, online_agent)
    assert queries.open_chat_count(online_agent) == 1
    with clock.frozen(_later(20)):
        assert tasks.end_abandoned_chats.call() == 0
    with clock.frozen(_later(31)):
        assert tasks.end_abandoned_chats.call() == 1
    assert queries.open_chat_count(online_agent) == 0
    assert list(queries.my_chats(online_agent)) == []


def test_a_message_or_an_open_widget_keeps_the_chat(started, online_agent):
    chat, _token = started
    chat = actions.accept(chat, online_agent)
    with clock.frozen(_later(25)):
        actions.visitor_says(chat, "still here")
    with clock.frozen(_later(50)):
        assert tasks.end_abandoned_chats.call() == 0
    with clock.frozen(_later(45)):
        actions.visitor_seen(chat.pk)  # what the open event stream does every minute
    with clock.frozen(_later(70)):
        assert tasks.end_abandoned_chats.call() == 0
    with clock.frozen(_later(76)):
        assert tasks.end_abandoned_chats.call() == 1


def test_the_visitors_stream_marks_them_seen(started, client, settings):
    chat, token = started
    settings.TICKETDESK_CHAT_ORIGINS = ["*"]
    with clock.frozen(_later(40)):
        response = client.get(
            f"/chat/w/{chat.pk}/events/",
            {"token": token},
            headers={"Accept": "text/event-stream"},
        )
        assert response.status_code == 200
        next(response.streaming_content)  # the retry line
        next(response.streaming_content)  # the first look: alive, then the events
        chat.refresh_from_db()
        response.close()  # last: it closes the test's database connection
    assert chat.visitor_seen_at > chat.created_at + dt.timedelta(minutes=39)


def test_an_ended_chat_is_not_ended_again(started, online_agent):
    chat, _token = started
    actions.end(chat)
    with clock.frozen(_later(60)):
        assert tasks.end_abandoned_chats.call() == 0
    assert ChatEvent.objects.filter(conversation=chat, kind=ChatEventKind.ENDED).count() == 1


def test_old_chat_events_are_pruned_in_batches_and_messages_stay(started, online_agent):
    chat, _token = started
    chat = actions.accept(chat, online_agent)
    for n in range(5):
        actions.visitor_says(chat, f"line {n}")
    old = ChatEvent.objects.count()
    messages_before = chat.ticket.messages.count()
    with clock.frozen(_later(60 * 24 * 3)):
        actions.agent_says(chat, online_agent, "three days later")
    with clock.frozen(_later(60 * 24 * 8)):
        assert tasks.prune_chat_events.call() == old
        assert tasks.prune_chat_events.call() == 0
    assert ChatEvent.objects.count() == 1
    assert chat.ticket.messages.count() == messages_before + 1


def test_pruning_works_in_batches(started, online_agent):
    chat, _token = started
    for n in range(4):
        actions.visitor_says(chat, f"line {n}")
    total = ChatEvent.objects.count()
    with clock.frozen(_later(60 * 24 * 8)), CaptureQueriesContext(connection) as queries_run:
        assert retention.prune_events(batch=2) == total
    selects = [q for q in queries_run if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(selects) == (total + 1) // 2 + 1
    assert ChatEvent.objects.count() == 0
