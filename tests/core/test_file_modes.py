"""Data files are private (issue 19): attachments, the SQLite database with its -wal/-shm and
the outgoing mail folder are 0600 files in 0700 directories, whatever the shell's umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import make_ticket
from ticketdesk.tickets import actions


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_attachments_are_0600_in_0700_directories(agent, team, loose_umask):
    ticket = make_ticket(team=team)
    message = actions.reply(
        ticket,
        actor=agent,
        body="see file",
        attachments=[actions.AttachmentInput(name="a.txt", content=b"secret")],
    )
    path = Path(message.attachments.get().file.path)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_sqlite_database_and_mail_folder_are_private(tmp_path):
    var = tmp_path / "var"
    (var / "mail").mkdir(parents=True, mode=0o755)
    (var / "mail").chmod(0o755)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "TICKETDESK_TEST_DATABASE_URL", "EMAIL_HOST"}
    }
    env.update(TICKETDESK_VAR_DIR=str(var), EMAIL_FILE_PATH=str(var / "mail"))
    cli = [sys.executable, "-m", "ticketdesk.cli"]

    def run(*args: str) -> None:
        subprocess.run(
            [*cli, *args],
            env=env,
            check=True,
            capture_output=True,
            preexec_fn=lambda: os.umask(0o022),
            timeout=300,
        )

    run("migrate", "-v0")
    run("sendtestemail", "someone@example.com")
    database = var / "ticketdesk.sqlite3"
    assert mode(database) == 0o600
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{database}{suffix}")
        if extra.exists():
            assert mode(extra) == 0o600
    assert mode(var) == 0o700
    assert mode(var / "mail") == 0o700  # an older, world-readable folder is tightened
    mails = list((var / "mail").iterdir())
    assert mails
    assert all(mode(mail) == 0o600 for mail in mails)
