"""A one-line progress bar for long commands (`ticketdesk reindex`, `ticketdesk backup`,
`ticketdesk demo --tickets N`)."""

from __future__ import annotations

import time
from typing import Any


class Progress:
    def __init__(self, out: Any, total: int, label: str = "", width: int = 30) -> None:
        self.out, self.total, self.label, self.width = out, total, label, width
        self.started = time.monotonic()
        self.done = 0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def line(self) -> str:
        fraction = self.done / self.total if self.total else 1.0
        filled = int(self.width * min(fraction, 1.0))
        rate = self.done / self.elapsed if self.elapsed > 0 else 0.0
        bar = "#" * filled + "." * (self.width - filled)
        prefix = f"{self.label} " if self.label else ""
        return f"{prefix}[{bar}] {self.done:,}/{self.total:,} {fraction:6.1%} {rate:,.0f}/s"

    def advance(self, count: int) -> None:
        self.done += count
        self._write("\r" + self.line())

    def finish(self) -> None:
        self._write("\n")

    def _write(self, text: str) -> None:
        if self.out is None:
            return
        try:
            self.out.write(text, ending="")  # Django's OutputWrapper adds "\n" otherwise
        except TypeError:
            self.out.write(text)
        if hasattr(self.out, "flush"):
            self.out.flush()
