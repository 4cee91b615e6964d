"""The event outbox: actions publish events in their transaction; consumers (search, SLA,
reports, routing, automation, notifications, email, webhooks, ...) each work through their
own deliveries, in batches, in their own transactions, with retries and dead letters.

    from ticketdesk.core import outbox

    outbox.publish("ticket.updated", {...}, ticket_id=ticket.pk)

    @outbox.consumer("search", topics={"ticket.created", ...})
    def reindex(events): ...

See docs/architecture.md ("Events and consumers").
"""

from ticketdesk.core.models import OutboxDelivery, OutboxMessage

from .publishing import (
    historical,
    is_historical,
    publish,
    publish_many,
    stamped,
    wake_after_commit,
)
from .registry import (
    Consumer,
    batch_cached,
    batch_scope,
    consumer,
    consumers,
    register_sender,
    unregister,
)
from .worker import process_pending, replay, run_round, work_consumer, write_transaction

__all__ = [
    "Consumer",
    "OutboxDelivery",
    "OutboxMessage",
    "batch_cached",
    "batch_scope",
    "consumer",
    "consumers",
    "historical",
    "is_historical",
    "process_pending",
    "publish",
    "publish_many",
    "register_sender",
    "replay",
    "run_round",
    "stamped",
    "unregister",
    "wake_after_commit",
    "work_consumer",
    "write_transaction",
]
