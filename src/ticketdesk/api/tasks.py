from __future__ import annotations

from django_tasks import task


@task(queue_name="default")
def purge_idempotency_keys() -> int:
    """Forget Idempotency-Keys older than a day."""
    from .idempotency import purge_expired

    return purge_expired()
