"""Issue 4: a stored backlog drains with no loss after the worker is killed halfway and
restarted (small version of `bench/email_ingest.py --backlog`): mail only stored (`received`),
the real `ticketdesk db_worker` running `email.poll_mailboxes` (→ `ingest.retry_stuck`),
SIGKILL when about half is done, a second worker, then nothing lost and nothing doubled."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import time

import pytest

from ticketdesk.channels.email import tasks
from ticketdesk.channels.email.ingest import store
from ticketdesk.channels.email.models import InboundEmail, Source
from ticketdesk.core import clock

from .conftest import make_mail
from .test_channels import TICKETDESK, SubprocessDatabase

TOTAL = 150


def backlog_mail(i: int) -> bytes:
    if i % 3 == 2:  # a reply threading onto the mail just before
        return make_mail(
            sender=f"customer{i - 1}@example.org",
            subject=f"Re: Problem {i - 1}",
            message_id=f"<bl{i}@example.org>",
            headers={"In-Reply-To": f"<bl{i - 1}@example.org>"},
        )
    return make_mail(
        sender=f"customer{i}@example.org",
        subject=f"Problem {i}",
        message_id=f"<bl{i}@example.org>",
        html=f"<p>Problem <b>{i}</b></p>" if i % 2 else None,
    )


def worker(database, tmp_path, log):
    command = [*TICKETDESK, "db_worker", "--queue-name", "mail", "--batch", "--no-startup-delay"]
    return subprocess.Popen(
        command, env=database.env(tmp_path), stdout=log, stderr=subprocess.STDOUT
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backlog_drains_without_loss_after_the_worker_is_killed(tmp_path, mailbox):
    for i in range(TOTAL):
        store(backlog_mail(i), mailbox=mailbox, source=Source.PIPE)
    # retry_stuck takes mail left `received` for five minutes: make the backlog that old.
    InboundEmail.objects.update(received_at=clock.now() - dt.timedelta(hours=1))
    for _i in range(5):  # 100 messages per task
        tasks.poll_mailboxes.enqueue()
    database = SubprocessDatabase(tmp_path)  # after the writes: SQLite is copied to a file

    def done():
        return database.query(
            "SELECT COUNT(*) FROM email_channel_inboundemail WHERE state != 'received'"
        )[0][0]

    with (tmp_path / "worker.log").open("wb") as log:
        first = worker(database, tmp_path, log)
        deadline = time.monotonic() + 60
        while first.poll() is None and done() < TOTAL // 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = done()
        second = worker(database, tmp_path, log)
        second.wait(timeout=90)
    output = (tmp_path / "worker.log").read_text(errors="replace")
    assert first.returncode == -signal.SIGKILL, output
    assert TOTAL // 2 <= killed_at < TOTAL, output  # killed halfway, with work left
    assert second.returncode == 0, output

    states = dict(
        database.query(
            "SELECT state, COUNT(*) FROM email_channel_inboundemail GROUP BY state ORDER BY state"
        )
    )
    assert states == {"processed": TOTAL}, output
    doubled = database.query(
        "SELECT external_message_id FROM tickets_message WHERE external_message_id LIKE 'bl%' "
        "GROUP BY external_message_id HAVING COUNT(*) > 1"
    )
    assert doubled == []
    on_messages = database.query(
        "SELECT COUNT(DISTINCT external_message_id) FROM tickets_message "
        "WHERE external_message_id LIKE 'bl%'"
    )
    assert on_messages == [(TOTAL,)]
    replies = sum(1 for i in range(TOTAL) if i % 3 == 2)
    assert database.query("SELECT COUNT(*) FROM tickets_ticket") == [(TOTAL - replies,)]
    threaded = database.query(
        "SELECT COUNT(*) FROM email_channel_inboundemail WHERE thread_reason = 'header'"
    )
    assert threaded == [(replies,)]
