"""Live chat's periodic jobs (registered with the scheduler in apps.py; both idempotent)."""

from __future__ import annotations

import logging

from django_tasks import task

from . import actions, queries, retention

logger = logging.getLogger(__name__)

END_ABANDONED_EVERY_SECONDS = 60
PRUNE_EVENTS_EVERY_SECONDS = 24 * 3600


@task(queue_name="default")
def end_abandoned_chats() -> int:
    """End the live chats whose visitor has left; a chat that ended or whose visitor came
    back meanwhile is left alone."""
    ended = sum(actions.end_abandoned(chat_id) for chat_id in queries.abandoned_chat_ids())
    if ended:
        logger.info("chat: ended %s abandoned chats", ended)
    return ended


@task(queue_name="default")
def prune_chat_events() -> int:
    deleted = retention.prune_events()
    logger.info("chat: pruned %s chat events", deleted)
    return deleted
