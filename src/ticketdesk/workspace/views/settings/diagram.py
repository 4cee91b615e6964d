"""The workflow drawn as a diagram: statuses as boxes in one column per category (new, open,
pending, resolved, closed), each allowed move as an arrow. Computed here, drawn as SVG by
the template (no script)."""

from __future__ import annotations

from dataclasses import dataclass

from ticketdesk.tickets.models import Status, StatusCategory

BOX_WIDTH = 130
BOX_HEIGHT = 36
COLUMN_GAP = 60
ROW_GAP = 28
MARGIN = 12


@dataclass(frozen=True)
class Box:
    status: Status
    x: int
    y: int

    @property
    def cx(self) -> int:
        return self.x + BOX_WIDTH // 2

    @property
    def cy(self) -> int:
        return self.y + BOX_HEIGHT // 2

    @property
    def text_x(self) -> int:
        return self.x + BOX_WIDTH // 2

    @property
    def text_y(self) -> int:
        return self.y + BOX_HEIGHT // 2 + 4


@dataclass(frozen=True)
class Arrow:
    path: str
    label: str


@dataclass(frozen=True)
class Diagram:
    boxes: list[Box]
    arrows: list[Arrow]
    width: int
    height: int
    box_width: int = BOX_WIDTH
    box_height: int = BOX_HEIGHT


def _arrow(a: Box, b: Box) -> str:
    """A curve from the edge of box `a` to the edge of box `b` (bending away from the
    straight line so that a move and its way back do not overlap)."""
    if a.x == b.x:  # same column: leave and enter on the right side, bulging out
        x = a.x + BOX_WIDTH
        bulge = x + 18 + abs(a.y - b.y) // 6
        return f"M{x},{a.cy - 6} C{bulge},{a.cy - 6} {bulge},{b.cy + 6} {x},{b.cy + 6}"
    forward = b.x > a.x
    start_x = a.x + BOX_WIDTH if forward else a.x
    end_x = b.x if forward else b.x + BOX_WIDTH
    offset = -6 if forward else 6
    mid_x = (start_x + end_x) // 2
    return (
        f"M{start_x},{a.cy + offset} C{mid_x},{a.cy + offset} "
        f"{mid_x},{b.cy + offset} {end_x},{b.cy + offset}"
    )


def layout(statuses: list[Status], pairs: set[tuple[int, int]]) -> Diagram:
    columns = [c for c in StatusCategory.values]
    rows: dict[str, int] = {}
    boxes: dict[int, Box] = {}
    for status in statuses:
        column = columns.index(status.category) if status.category in columns else 0
        row = rows.get(status.category, 0)
        rows[status.category] = row + 1
        boxes[status.pk] = Box(
            status=status,
            x=MARGIN + column * (BOX_WIDTH + COLUMN_GAP),
            y=MARGIN + row * (BOX_HEIGHT + ROW_GAP),
        )
    arrows = [
        Arrow(path=_arrow(boxes[a], boxes[b]), label=f"{boxes[a].status} → {boxes[b].status}")
        for a, b in sorted(pairs)
        if a in boxes and b in boxes
    ]
    used = sorted({columns.index(c) for c in rows if c in columns} or {0})
    width = MARGIN * 2 + (used[-1] + 1) * BOX_WIDTH + used[-1] * COLUMN_GAP + 40
    height = MARGIN * 2 + max(rows.values() or [1]) * (BOX_HEIGHT + ROW_GAP)
    return Diagram(boxes=list(boxes.values()), arrows=arrows, width=width, height=height)
