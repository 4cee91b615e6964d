"""Private files: the data directories are 0700 and their files 0600 (settings set the umask
and the upload modes for new files; this tightens what an older version left world-readable)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from django.conf import settings

PRIVATE_DIRECTORY = 0o700
PRIVATE_FILE = 0o600


def _private_directory(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and path.stat().st_uid == os.getuid():
            path.chmod(PRIVATE_DIRECTORY)


def _private_file(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_file() and path.stat().st_uid == os.getuid():
            path.chmod(PRIVATE_FILE)


def restrict_private_paths() -> None:
    """The var/ directory, media root and mail folder 0700, the SQLite files 0600."""
    var_dir = Path(settings.VAR_DIR)
    for directory in (var_dir, Path(settings.MEDIA_ROOT), Path(settings.EMAIL_FILE_PATH)):
        _private_directory(directory)
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and database.get("NAME"):
        name = str(database["NAME"])
        if name != ":memory:" and not name.startswith("file:"):
            for suffix in ("", "-wal", "-shm"):
                _private_file(Path(name + suffix))
    _private_file(var_dir / "secret_key")
