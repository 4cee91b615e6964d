"""Training on the installation's own history: read the tickets (oldest first, in chunks),
fit the baseline (learning.py), store it as the next TrainedModel version. The worker runs
it on a schedule (tasks.py); `ticketdesk smart train` runs it by hand with a progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet

from ticketdesk.core import clock
from ticketdesk.tickets.models import Ticket

from . import learning
from .models import TrainedModel

CHUNK = 2000
INDEX_SIZE = 50_000  # the newest tickets kept for "similar tickets"
# Learning reads the newest tickets only: what a desk asks changes over the years, and the
# baseline's fit grows with the rows (at 1M tickets: ~50 minutes and 10.5 GB on the 2-core
# machine, bench/RESULTS.md). TICKETDESK_SMART_MAX_TICKETS sets it.
MAX_TICKETS = int(settings.TICKETDESK_SMART_MAX_TICKETS)
COLUMNS = (
    "id",
    "subject",
    "description",
    *[f"{f}_id" for f in ("ticket_type", "category", "team")],
)
COLUMNS = (*COLUMNS, "urgency", "impact")

Progress = Callable[[int, int, str], None]


@dataclass
class Dataset:
    ids: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: dict[str, list[Any]] = field(default_factory=lambda: {f: [] for f in learning.FIELDS})

    def __len__(self) -> int:
        return len(self.ids)

    def slice(self, start: int, stop: int | None = None) -> Dataset:
        return Dataset(
            ids=self.ids[start:stop],
            texts=self.texts[start:stop],
            labels={name: values[start:stop] for name, values in self.labels.items()},
        )


def history() -> QuerySet[Ticket]:
    """The tickets to learn from: every ticket that was not merged away (a duplicate's words
    live on in the ticket it was merged into)."""
    return Ticket.objects.filter(merged_into__isnull=True)


def read_rows(queryset: QuerySet[Ticket], *, limit: int = MAX_TICKETS) -> Iterator[tuple]:
    """The learning columns of the newest `limit` tickets of `queryset`, oldest first, by
    keyset pages (no OFFSET, never all rows at once)."""
    # where the newest `limit` begin: one walk down the primary key's index
    newest = queryset.order_by("-id").values_list("id", flat=True)[max(limit, 1) - 1 :][:1]
    first = next(iter(newest), None)
    last_id = first - 1 if first is not None else 0
    read = 0
    while read < limit:
        page = list(
            queryset.filter(id__gt=last_id)
            .order_by("id")
            .values_list(*COLUMNS)[: min(CHUNK, limit - read)]
        )
        if not page:
            return
        yield from page
        last_id = page[-1][0]
        read += len(page)


def load_dataset(
    queryset: QuerySet[Ticket] | None = None,
    *,
    limit: int = MAX_TICKETS,
    progress: Progress | None = None,
) -> Dataset:
    """Tickets in id order (the order they were opened in)."""
    queryset = history() if queryset is None else queryset
    total = min(queryset.count(), limit)
    data = Dataset()
    for row in read_rows(queryset, limit=limit):
        pk, subject, description, type_id, category_id, team_id, urgency, impact = row
        data.ids.append(pk)
        data.texts.append(learning.ticket_text(subject, description))
        for name, value in zip(
            learning.FIELDS, (type_id, category_id, team_id, urgency, impact), strict=True
        ):
            data.labels[name].append(value)
        if progress and (len(data) % CHUNK == 0 or len(data) == total):
            progress(len(data), total, "tickets")
    return data


def train(*, limit: int = MAX_TICKETS, progress: Progress | None = None) -> TrainedModel | None:
    """Learn from the history and store the next version (None: nothing to learn from)."""
    started = time.monotonic()
    data = load_dataset(limit=limit, progress=progress)
    if len(data) < 2:
        return None
    learner = learning.fit(
        data.texts,
        data.labels,
        data.ids,
        index_size=INDEX_SIZE,
        progress=(lambda done, total: progress(done, total, "steps")) if progress else None,
    )
    blob = learner.dumps()
    with transaction.atomic():
        version = (TrainedModel.objects.select_for_update().aggregate(m=Max("version"))["m"]) or 0
        model = TrainedModel.objects.create(
            version=version + 1,
            trained_at=clock.now(),
            ticket_count=len(data),
            seconds=round(time.monotonic() - started, 2),
            summary={
                "fields": sorted(learner.classifiers),
                "features": int(learner.feature_names.size)
                if learner.feature_names is not None
                else 0,
                "indexed": len(learner.index_ids) if learner.index_ids is not None else 0,
                "bytes": len(blob),
            },
            blob=blob,
        )
        # keep the current and the previous version only
        TrainedModel.objects.filter(version__lt=model.version - 1).delete()
    return model


_cache: dict[str, Any] = {"version": None, "learner": None}


def current() -> tuple[int, learning.Learner] | None:
    """The newest trained model, loaded once per process and version."""
    version = TrainedModel.objects.aggregate(m=Max("version"))["m"]
    if version is None:
        return None
    if _cache["version"] != version:
        blob = TrainedModel.objects.filter(version=version).values_list("blob", flat=True).first()
        if blob is None:
            return None
        _cache["learner"] = learning.Learner.loads(bytes(blob))
        _cache["version"] = version
    return version, _cache["learner"]


def forget_cache() -> None:
    _cache["version"] = _cache["learner"] = None
