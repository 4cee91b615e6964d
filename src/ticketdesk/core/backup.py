"""`ticketdesk backup` and `ticketdesk restore`: the database and every stored file in one
archive, restorable into a fresh installation.

The archive is a plain tar file:

    manifest.json        format, when, which database, the migrations it was taken at, counts
    database.sqlite3     SQLite: an online copy by SQLite's backup API (consistent, no lock held)
    database.pgdump      PostgreSQL: `pg_dump --format=custom` (one consistent snapshot)
    files/<name>         every file of the default storage (attachments, ...), local or S3

Consistency: the database is copied first, the files after. Files are written before the rows
that name them (`tickets.actions.attachments.files_stored_first`) and never changed, so every
file the copied database names is already in storage when the files are read. A file deleted
in between (a retention job) is reported, not fatal.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from .progress import Progress

FORMAT = 1
MANIFEST = "manifest.json"
FILES_PREFIX = "files/"
DB_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Report:
    path: Path
    files: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)
    skipped: int = 0


# --- helpers --------------------------------------------------------------------------------


def walk_storage(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in the storage, depth first (works for the file system and S3)."""
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from walk_storage(storage, f"{folder}/{sub}" if folder else sub)


def _pg_env_and_target() -> tuple[dict[str, str], str]:
    params = connection.get_connection_params()
    env = dict(os.environ)
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    conninfo = " ".join(
        f"{key}={params[name]}"
        for key, name in (
            ("host", "host"),
            ("port", "port"),
            ("user", "user"),
            ("dbname", "dbname"),
        )
        if params.get(name)
    )
    return env, conninfo


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed: install the PostgreSQL client of the server's "
            "version (Debian: postgresql-client)."
        ) from exc
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _applied_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _ticket_count() -> int:
    from django.apps import apps

    if "tickets_ticket" not in connection.introspection.table_names():
        return 0
    return int(apps.get_model("tickets", "Ticket").objects.count())


def _secure_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)


# --- backup ---------------------------------------------------------------------------------


def create_backup(path: Path, *, out: Any = None) -> Report:
    vendor = connection.vendor
    if vendor not in DB_MEMBERS:
        raise BackupError(f"Backups of a {vendor} database are not supported.")
    report = Report(path=path)
    _secure_file(path)  # 0600 before any byte of the database is written into it
    with tempfile.TemporaryDirectory(prefix="ticketdesk-backup-") as tmp:
        dump = Path(tmp) / DB_MEMBERS[vendor]
        if out is not None:
            out.write(f"Copying the {vendor} database ...")
        if vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            env, conninfo = _pg_env_and_target()
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={dump}",
                    f"--dbname={conninfo}",
                ],
                env,
            )
        names = list(walk_storage(default_storage))
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": vendor,
            "migrations": _applied_migrations(),
            "tickets": _ticket_count(),
            "files": len(names),
        }
        with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=DB_MEMBERS[vendor])
            progress = Progress(out, len(names), "files") if out is not None else None
            for name in names:
                try:
                    size = default_storage.size(name)
                    with default_storage.open(name, "rb") as handle:
                        info = tarfile.TarInfo(FILES_PREFIX + name)
                        info.size = size
                        info.mode = 0o600
                        tar.addfile(info, handle)
                except FileNotFoundError:
                    report.missing.append(name)  # deleted since it was listed
                else:
                    report.files += 1
                    report.bytes += size
                if progress is not None:
                    progress.advance(1)
            if progress is not None:
                progress.finish()
    return report


# --- restore --------------------------------------------------------------------------------


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
    except KeyError:
        member = None
    if member is None:
        raise BackupError("This is not a Ticketdesk backup (no manifest.json).")
    manifest: dict[str, Any] = json.load(member)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def _safe_file_name(member: tarfile.TarInfo) -> str | None:
    if not member.isfile() or not member.name.startswith(FILES_PREFIX):
        return None
    name = member.name[len(FILES_PREFIX) :]
    parts = name.split("/")
    if not name or name.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise BackupError(f"Refusing a file with an unsafe name in the backup: {member.name!r}")
    return name


def restore_backup(path: Path, *, force: bool = False, out: Any = None) -> Report:
    vendor = connection.vendor
    report = Report(path=path)
    with tarfile.open(path, "r") as tar:
        manifest = read_manifest(tar)
        if manifest["database"] != vendor:
            raise BackupError(
                f"This backup holds a {manifest['database']} database and this installation "
                f"uses {vendor}: restore it into an installation of the same kind."
            )
        if not force and _ticket_count() > 0:
            raise BackupError(
                "This installation already has tickets. Restore into a fresh installation, "
                "or pass --force to replace everything in it."
            )
        member = tar.extractfile(DB_MEMBERS[vendor])
        if member is None:
            raise BackupError("The backup has no database.")
        with tempfile.TemporaryDirectory(prefix="ticketdesk-restore-") as tmp:
            dump = Path(tmp) / DB_MEMBERS[vendor]
            with open(dump, "wb") as handle:
                shutil.copyfileobj(member, handle)
            if out is not None:
                out.write(f"Restoring the {vendor} database ...")
            if vendor == "sqlite":
                connection.ensure_connection()
                source = sqlite3.connect(dump)
                try:
                    source.backup(connection.connection)
                finally:
                    source.close()
                connection.close()
            else:
                connection.close()
                env, conninfo = _pg_env_and_target()
                _run(
                    [
                        "pg_restore",
                        "--clean",
                        "--if-exists",
                        "--no-owner",
                        "--no-privileges",
                        "--single-transaction",
                        f"--dbname={conninfo}",
                        str(dump),
                    ],
                    env,
                )
        members = [m for m in tar.getmembers() if _safe_file_name(m) is not None]
        progress = Progress(out, len(members), "files") if out is not None else None
        for item in members:
            name = _safe_file_name(item)
            assert name is not None
            if default_storage.exists(name) and default_storage.size(name) == item.size:
                report.skipped += 1
            else:
                content = tar.extractfile(item)
                assert content is not None
                if default_storage.exists(name):
                    default_storage.delete(name)
                saved = default_storage.save(name, File(content, name=name))
                if saved != name:
                    raise BackupError(f"The storage renamed {name!r} to {saved!r}.")
                report.files += 1
                report.bytes += item.size
            if progress is not None:
                progress.advance(1)
        if progress is not None:
            progress.finish()
    return report


def default_backup_path() -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"ticketdesk-{stamp}.tar"
