"""Smart support (issue 18): suggestion latency for a ticket, on an existing database.

    TICKETDESK_VAR_DIR=var/demo python bench/smart_latency.py      # after `ticketdesk demo`
    python bench/smart_latency.py --synthetic 100000               # + training time on N
                                                                   #   generated tickets

Trains the baseline if no model exists, then over the newest `--repeats` tickets times:
`triage` (the five field suggestions with their reasons: TF-IDF of the ticket, five linear
models, nearest tickets in the index), `retrieve` (similar open/solved tickets filtered by
the policy, problem records, past replies, KB articles) and the whole panel request through
Django (`GET /smart/t/<n>/`, test client, suggestions already recorded). p50 / p95 in ms.
Goal: suggestion ≤ 50 ms p95 (baseline).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(function, *args) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    function(*args)
    return (time.perf_counter() - started) * 1000


def synthetic_training(count: int) -> None:
    from ticketdesk.demo.texts import SUBJECTS
    from ticketdesk.smart import learning

    rng = random.Random(18)
    pool = [item for items in SUBJECTS.values() for item in items]
    filler = ["please", "urgent", "since", "yesterday", "again", "office", "home", "laptop"]
    filler += ["users", "team", "morning"]
    texts, labels, ids = [], {name: [] for name in learning.FIELDS}, []
    for number in range(count):
        subject, category, type_key = rng.choice(pool)
        words = " ".join(rng.sample(filler, 4))
        texts.append(learning.ticket_text(f"{subject} {number % 97}", f"{subject}. {words}"))
        labels["category"].append(category)
        labels["ticket_type"].append(type_key)
        labels["team"].append(category.split(" / ")[0])
        labels["urgency"].append(rng.choice([1, 2, 3, 4]))
        labels["impact"].append(rng.choice([1, 2, 3]))
        ids.append(number + 1)
    started = time.perf_counter()
    learner = learning.fit(texts, labels, ids, index_size=50_000)
    seconds = time.perf_counter() - started
    vector = learner.vectors([texts[-1]])
    samples = [timed(learning.guess, learner, vector, "category") for _ in range(50)]
    nearest = [timed(learning.nearest, learner, vector, 40) for _ in range(50)]
    prediction_cpu(learner, vector)
    megabytes = len(learner.dumps()) / 1e6
    print(f"| synthetic fit, {count:,} tickets | {seconds:.1f} s | blob {megabytes:.1f} MB |")
    for name, values in (("guess one field", samples), ("nearest in a 50k index", nearest)):
        p50, p95 = percentiles(values)
        print(f"| {name} (p50/p95 ms) | {p50:.2f} / {p95:.2f} |")


def prediction_cpu(learner, vector, repeats: int = 200) -> None:  # type: ignore[no-untyped-def]
    """CPU time (time.process_time: the machine may be shared) of the five fields'
    probabilities, `repeats` times: scikit-learn's predict_proba against
    learning.probabilities_of (the row's non-zero features only), and their largest
    difference; then the function calls cProfile counts for one triage's guesses."""
    import cProfile
    import pstats

    import numpy as np

    from ticketdesk.smart import learning

    classifiers = list(learner.classifiers.values())

    def cpu(function) -> float:  # type: ignore[no-untyped-def]
        started = time.process_time()
        for _ in range(repeats):
            for classifier in classifiers:
                function(classifier, vector)
        return (time.process_time() - started) * 1000

    def sklearn_way(classifier, row):  # type: ignore[no-untyped-def]
        return classifier.predict_proba(row)[0]

    before, after = cpu(sklearn_way), cpu(learning.probabilities_of)
    difference = max(
        float(np.max(np.abs(sklearn_way(c, vector) - learning.probabilities_of(c, vector))))
        for c in classifiers
    )
    features = learner.feature_names.size if learner.feature_names is not None else 0
    print(f"{features:,} features, {vector.nnz} non-zero in the ticket, {repeats} x 5 fields")
    print(f"| predict_proba | {before:.0f} ms CPU | {before / repeats:.3f} ms per triage |")
    print(f"| probabilities_of | {after:.0f} ms CPU | {after / repeats:.3f} ms per triage |")
    print(f"largest difference {difference:.2e}")
    for name, function in (
        ("predict_proba", sklearn_way),
        ("probabilities_of", learning.probabilities_of),
    ):
        profile = cProfile.Profile()
        profile.enable()
        for classifier in classifiers:
            function(classifier, vector)
        profile.disable()
        calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
        print(f"| {name}: function calls for 5 fields | {calls} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--synthetic", type=int, default=0)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from ticketdesk.accounts.models import User
    from ticketdesk.smart import actions, prediction, retrieval, training
    from ticketdesk.tickets.models import Ticket

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if training.current() is None:
        started = time.perf_counter()
        training.train()
        print(f"trained in {time.perf_counter() - started:.1f} s")
    admin = User.objects.filter(role="admin").order_by("pk").first()
    tickets = list(Ticket.objects.order_by("-id")[: options.repeats])
    training.current()  # loaded once per process, as in a server
    prediction.triage(tickets[0])
    triage = [timed(prediction.triage, t) for t in tickets]
    retrieve = [timed(retrieval.retrieve, admin, t) for t in tickets]
    client = Client()
    client.force_login(admin)
    for ticket in tickets:
        actions.record_suggestions(ticket)
    panel = [timed(client.get, f"/smart/t/{t.number}/") for t in tickets]
    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{Ticket.objects.count():,} tickets, {vendor}, {len(tickets)} tickets timed")
    print("| what | p50 ms | p95 ms |\n|---|---|---|")
    for name, samples in (
        ("triage (5 fields + reasons)", triage),
        ("retrieve (similar, problems, answers)", retrieve),
        ("GET /smart/t/<n>/ (whole panel)", panel),
    ):
        p50, p95 = percentiles(samples)
        print(f"| {name} | {p50:.1f} | {p95:.1f} |")
    if options.synthetic:
        synthetic_training(options.synthetic)


if __name__ == "__main__":
    main()
