"""Every translation catalog compiles, with nothing fuzzy or left untranslated. (`make test`
compiles them quietly; a catalog msgfmt refuses would otherwise leave a stale .mo behind.)"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import ticketdesk

CATALOGS = sorted(Path(ticketdesk.__file__).parent.rglob("LC_MESSAGES/django.po"))


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: "/".join(p.parts[-5:-2]))
def test_the_catalog_compiles_complete(catalog, tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", str(tmp_path / "x.mo"), str(catalog)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip().splitlines()[-1]
    assert "fuzzy" not in statistics and "untranslated" not in statistics, statistics


def test_there_are_catalogs_for_both_languages():
    languages = {p.parts[-3] for p in CATALOGS}
    assert languages == {"it", "pt_BR"}
