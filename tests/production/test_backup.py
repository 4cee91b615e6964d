"""`ticketdesk backup` / `ticketdesk restore`: a backup of this database and its attachments
restores into a fresh installation (another database, another media folder, another process)
with nothing lost."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import ContactFactory
from ticketdesk.core import backup
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions.attachments import AttachmentInput

pytestmark = pytest.mark.django_db(transaction=True)


def _ticketdesk(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ticketdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture
def fresh_installation(tmp_path):
    """The environment of a second, empty installation of the same kind of database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TICKETDESK_", "DATABASE"))}
    home = tmp_path / "fresh"
    env.update(
        TICKETDESK_VAR_DIR=str(home / "var"),
        MEDIA_ROOT=str(home / "media"),
        DJANGO_SETTINGS_MODULE="ticketdesk.settings",
    )
    dbname = None
    if connection.vendor == "postgresql":
        params = connection.get_connection_params()
        dbname = f"td_restore_{os.getpid()}"
        admin = psycopg.connect(
            host=params.get("host"),
            port=params.get("port"),
            user=params.get("user"),
            dbname="postgres",
            autocommit=True,
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
        admin.execute(f'CREATE DATABASE "{dbname}"')
        env["DATABASE_URL"] = (
            f"postgres://{params.get('user')}@{params.get('host')}:{params.get('port')}/{dbname}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{home / 'var' / 'ticketdesk.sqlite3'}"
    (home / "var").mkdir(parents=True)
    yield env
    if dbname is not None:
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        admin.close()


def test_a_backup_restores_into_a_fresh_installation(tmp_path, team, fresh_installation):
    ticket = actions.open_ticket(
        requester=ContactFactory(email="ruth@example.org"),
        subject="Scanner jams — ação necessária",
        body="It eats every page.",
        channel="api",
        actor=None,
        team=team,
        attachments=[AttachmentInput(name="jam.bin", content=bytes(range(256)) * 64)],
    )
    archive = tmp_path / "backup.tar"
    out = io.StringIO()
    call_command("backup", output=archive, stdout=out)
    assert "1 files" in out.getvalue()
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"] == connection.vendor and manifest["tickets"] == 1

    env = fresh_installation
    _ticketdesk(env, "migrate", "-v0")  # a fresh installation, as `make run` leaves it
    printed = _ticketdesk(env, "restore", str(archive))
    assert "1 files written" in printed
    check = (
        "import json; from ticketdesk.tickets.models import Ticket, Attachment; "
        "t = Ticket.objects.get(); a = Attachment.objects.get(); "
        "print(json.dumps({'number': t.number, 'subject': t.subject, "
        "'email': t.requester.email, 'data': a.file.open('rb').read().hex()}))"
    )
    restored = json.loads(_ticketdesk(env, "shell", "-c", check).strip().splitlines()[-1])
    assert restored == {
        "number": ticket.number,
        "subject": "Scanner jams — ação necessária",
        "email": "ruth@example.org",
        "data": (bytes(range(256)) * 64).hex(),
    }
    # the files landed in the fresh installation's own media folder
    assert list(Path(env["MEDIA_ROOT"]).rglob("*.bin"))


def test_restore_refuses_an_installation_with_tickets(tmp_path, team):
    actions.open_ticket(
        requester=ContactFactory(), subject="Keep me", channel="api", actor=None, team=team
    )
    archive = tmp_path / "b.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    with pytest.raises(CommandError, match="already has tickets"):
        call_command("restore", str(archive), stdout=io.StringIO())


def test_restore_refuses_unsafe_names_and_foreign_archives(tmp_path):
    bogus = tmp_path / "not-a-backup.tar"
    with tarfile.open(bogus, "w") as tar:
        tar.addfile(tarfile.TarInfo("hello.txt"), io.BytesIO(b""))
    with pytest.raises(CommandError, match="not a Ticketdesk backup"):
        call_command("restore", str(bogus), stdout=io.StringIO())
    evil = tarfile.TarInfo("files/../../etc/passwd")
    with pytest.raises(backup.BackupError, match="unsafe name"):
        backup._safe_file_name(evil)
