"""Honest evaluation: learn from the older 80 % of tickets, ask about the newer 20 %.

Per field: accuracy and top-3 accuracy against the most frequent class of the training part
(the baseline any model must beat). For similar tickets, precision@5: of the five nearest
older tickets, the share with the same category and type as the newer ticket (the desk has
no labelled duplicates, so "the same kind of problem" is the relevance we can measure)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import learning, training
from .training import Dataset, Progress


@dataclass
class FieldScore:
    field: str
    tested: int
    accuracy: float
    top3: float
    baseline: float


@dataclass
class Evaluation:
    trained_on: int
    tested_on: int
    fields: list[FieldScore] = field(default_factory=list)
    precision_at_5: float | None = None
    seconds: float = 0.0


def split(data: Dataset, share: float = 0.8) -> tuple[Dataset, Dataset]:
    """Older part first (ids grow with time)."""
    cut = int(len(data) * share)
    return data.slice(0, cut), data.slice(cut)


def _score_field(
    learner: learning.Learner, name: str, train: Dataset, test: Dataset, vectors: Any
) -> FieldScore | None:
    classifier = learner.classifiers.get(name)
    known = [i for i, v in enumerate(test.labels[name]) if v is not None]
    seen = [str(v) for v in train.labels[name] if v is not None]
    if classifier is None or not known or not seen:
        return None
    truth = np.asarray([str(test.labels[name][i]) for i in known])
    probabilities = classifier.predict_proba(vectors[known])
    order = np.argsort(-probabilities, axis=1)[:, :3]
    classes = classifier.classes_
    best = classes[order[:, 0]]
    top3 = (classes[order] == truth[:, None]).any(axis=1)
    frequent = Counter(seen).most_common(1)[0][0]
    return FieldScore(
        field=name,
        tested=len(known),
        accuracy=float((best == truth).mean()),
        top3=float(top3.mean()),
        baseline=float((truth == frequent).mean()),
    )


def _precision_at_5(
    learner: learning.Learner, train: Dataset, test: Dataset, vectors: Any
) -> float:
    kinds = {
        pk: (train.labels["category"][i], train.labels["ticket_type"][i])
        for i, pk in enumerate(train.ids)
    }
    hits = total = 0
    for row in range(len(test)):
        wanted = (test.labels["category"][row], test.labels["ticket_type"][row])
        if wanted[0] is None:
            continue
        for pk, _score in learning.nearest(learner, vectors[row], 5):
            total += 1
            hits += kinds.get(pk) == wanted
    return hits / total if total else 0.0


def evaluate(*, limit: int = training.MAX_TICKETS, progress: Progress | None = None) -> Evaluation:
    started = time.monotonic()
    data = training.load_dataset(limit=limit, progress=progress)
    train, test = split(data)
    result = Evaluation(trained_on=len(train), tested_on=len(test))
    if len(train) < 2 or not len(test):
        return result
    learner = learning.fit(
        train.texts,
        train.labels,
        train.ids,
        index_size=len(train),
        progress=(lambda done, total: progress(done, total, "steps")) if progress else None,
    )
    vectors = learner.vectors(test.texts)
    for name in learning.FIELDS:
        score = _score_field(learner, name, train, test, vectors)
        if score is not None:
            result.fields.append(score)
    result.precision_at_5 = _precision_at_5(learner, train, test, vectors)
    result.seconds = round(time.monotonic() - started, 2)
    return result


def report(result: Evaluation) -> list[str]:
    lines = [
        f"trained on {result.trained_on} older tickets, tested on {result.tested_on} newer ones"
        f" ({result.seconds} s)",
        f"{'field':<12} {'tested':>7} {'accuracy':>9} {'top-3':>7} {'baseline':>9}",
    ]
    for score in result.fields:
        lines.append(
            f"{score.field:<12} {score.tested:>7} {score.accuracy:>9.1%} {score.top3:>7.1%}"
            f" {score.baseline:>9.1%}"
        )
    if result.precision_at_5 is not None:
        lines.append(
            f"similar tickets precision@5 (same category and type): {result.precision_at_5:.1%}"
        )
    return lines
