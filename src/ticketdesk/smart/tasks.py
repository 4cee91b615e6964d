from __future__ import annotations

from django_tasks import task

from . import training

RETRAIN_EVERY_SECONDS = 24 * 3600


@task(queue_name="default")
def train_models() -> int:
    """Learn from the desk's history (registered with the scheduler daily; the admin page's
    "Train now" enqueues it too). Returns the new model's version (0: nothing to learn)."""
    model = training.train()
    return model.version if model is not None else 0
