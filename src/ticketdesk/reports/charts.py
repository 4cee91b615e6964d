"""A small server-side SVG chart renderer: line, bar and heat map.

Every chart is an accessible image (role="img", <title>, <desc>) and carries its numbers as
a table (headers + rows) that the template shows behind a <details> toggle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 12, 12, 34
COLORS = ("#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed")


@dataclass
class Chart:
    title: str
    svg: SafeString
    headers: list[str]
    rows: list[list[object]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # per row: where its first cell leads
    link_label: str = ""  # what following such a link shows ("What rose that day?")

    @property
    def table_rows(self) -> list[tuple[str, object, list[object]]]:
        """(link or "", first cell, other cells) per row, for the template."""
        links = self.links or [""] * len(self.rows)
        return [(link, row[0], row[1:]) for link, row in zip(links, self.rows, strict=False)]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    magnitude = 10 ** (len(str(int(value))) - 1)
    return float((int(value / magnitude) + 1) * magnitude)


def _frame(
    title: str, desc: str, body: list[str], width: int = WIDTH, height: int = HEIGHT
) -> SafeString:
    # a chart with links to its days is a group of links, not an image (nested controls)
    role = "group" if any("<a " in part for part in body) else "img"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="{role}" '
        f'class="chart" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # every label is escaped


def _axes(top: float, labels: Sequence[str], x_of: object) -> list[str]:
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    out = []
    for i in range(5):
        value = top * i / 4
        y = PAD_TOP + plot_h - plot_h * i / 4
        out.append(
            f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#e5e7eb"/><text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#4b5563">{value:g}</text>'
        )
    step = max(1, -(-len(labels) // 7))
    for i, label in enumerate(labels):
        if i % step:
            continue
        if len(label) == 10 and label[4] == "-" and label[7] == "-":
            label = label[5:]  # ISO dates: the year is in the table
        x = x_of(i)  # type: ignore[operator]
        out.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle" font-size="11" '
            f'fill="#4b5563">{escape(label)}</text>'
        )
    return out


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    links: Sequence[str] = (),
    link_label: str = "",
    highlights: Sequence[int] = (),
    highlight_label: str = "",
) -> Chart:
    """`links`: one URL per label; each point then becomes a link (keyboard reachable).
    `highlights`: positions of the first series to mark (a spike), named `highlight_label`."""
    top = _nice_max(max((max(values, default=0) for _, values in series), default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    n = max(1, len(labels) - 1)

    def x_of(i: int) -> float:
        return PAD_LEFT + plot_w * i / n if len(labels) > 1 else PAD_LEFT + plot_w / 2

    def y_of(v: float) -> float:
        return PAD_TOP + plot_h - plot_h * v / top

    body = _axes(top, labels, x_of)
    for index, (name, values) in enumerate(series):
        color = COLORS[index % len(COLORS)]
        points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(values))
        body.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}">'
            f"<title>{escape(name)}</title></polyline>"
        )
        body.append(
            f'<text x="{PAD_LEFT + 8 + index * 120}" y="{PAD_TOP + 10}" font-size="12" '
            f'fill="{color}">■ {escape(name)}</text>'
        )
    for i in highlights:
        if series and 0 <= i < len(labels):
            value = series[0][1][i]
            body.append(
                f'<circle cx="{x_of(i):.1f}" cy="{y_of(value):.1f}" r="5" fill="none" '
                f'stroke="#dc2626" stroke-width="2" class="chart-highlight">'
                f"<title>{escape(labels[i])}: {escape(highlight_label)} ({value:g})</title>"
                "</circle>"
            )
    step = plot_w / n if len(labels) > 1 else plot_w
    for i, url in enumerate(links):
        # an invisible column over the day: shaded on hover and focus (app.css)
        numbers = ", ".join(f"{name} {values[i]:g}" for name, values in series)
        left = max(PAD_LEFT, x_of(i) - step / 2)
        right = min(WIDTH - PAD_RIGHT, x_of(i) + step / 2)
        body.append(
            f'<a href="{escape(url)}" class="chart-link"><rect x="{left:.1f}" y="{PAD_TOP}" '
            f'width="{max(right - left, 1):.1f}" height="{plot_h}" fill="transparent">'
            f"<title>{escape(labels[i])}: {escape(numbers)}. "
            f"{escape(highlight_label) + '. ' if i in highlights else ''}{escape(link_label)}"
            "</title></rect></a>"
        )
    rows = [[label, *(values[i] for _, values in series)] for i, label in enumerate(labels)]
    desc = ", ".join(f"{name}: {sum(values):g}" for name, values in series)
    return Chart(
        title,
        _frame(title, desc, body),
        ["", *(name for name, _ in series)],
        rows,
        list(links),
        link_label,
    )


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], unit: str = "") -> Chart:
    top = _nice_max(max(values, default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = plot_w / max(1, len(values))

    def x_of(i: int) -> float:
        return PAD_LEFT + slot * i + slot / 2

    body = _axes(top, labels, x_of)
    for i, value in enumerate(values):
        h = plot_h * value / top
        body.append(
            f'<rect x="{PAD_LEFT + slot * i + slot * 0.15:.1f}" y="{PAD_TOP + plot_h - h:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{COLORS[0]}">'
            f"<title>{escape(labels[i])}: {value:g}{escape(unit)}</title></rect>"
        )
    desc = "; ".join(
        f"{label}: {value:g}{unit}" for label, value in zip(labels, values, strict=False)
    )
    return Chart(
        title,
        _frame(title, desc, body),
        ["", title],
        [[label, v] for label, v in zip(labels, values, strict=False)],
    )


def heatmap_chart(
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    grid: Sequence[Sequence[int]],
) -> Chart:
    cell_w, cell_h, left, top_pad = 24, 22, 44, 18
    width = left + cell_w * len(column_labels) + 8
    height = top_pad + cell_h * len(row_labels) + 8
    peak = max((max(row, default=0) for row in grid), default=0) or 1
    body = []
    for c, label in enumerate(column_labels):
        if c % 3 == 0:
            body.append(
                f'<text x="{left + c * cell_w + cell_w / 2}" y="12" text-anchor="middle" '
                f'font-size="10" fill="#4b5563">{escape(label)}</text>'
            )
    for r, label in enumerate(row_labels):
        y = top_pad + r * cell_h
        body.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" font-size="11" '
            f'fill="#4b5563">{escape(label)}</text>'
        )
        for c, value in enumerate(grid[r]):
            opacity = 0.06 + 0.94 * value / peak if value else 0.03
            body.append(
                f'<rect x="{left + c * cell_w}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{COLORS[0]}" fill-opacity="{opacity:.2f}"><title>{escape(label)} '
                f"{escape(column_labels[c])}: {value}</title></rect>"
            )
    total = sum(sum(row) for row in grid)
    desc = f"{total}"
    rows = [[label, *grid[r]] for r, label in enumerate(row_labels)]
    return Chart(title, _frame(title, desc, body, width, height), ["", *column_labels], rows)
