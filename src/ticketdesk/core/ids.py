"""Integers from untrusted text (query strings, form fields, search terms): ids, numbers and
versions are positive and fit a 64-bit column. `str.isdigit()` is not enough: it accepts
"²" and "٣" (which int() refuses or reads) and numbers past 2**63, which the database
refuses with an error instead of finding nothing (issue 19)."""

from __future__ import annotations

import re
from typing import Any

MAX_ID = 2**63 - 1  # the largest value of a signed 64-bit column (BigAutoField)
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(raw: Any) -> int | None:
    """The positive 64-bit integer `raw` spells in ASCII digits, else None."""
    text = str(raw).strip() if raw is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def is_id(raw: Any) -> bool:
    return parse_id(raw) is not None
