"""Charts drawn on the server as SVG: no script, they print, and screen readers get a title and a
description (the data table beside each chart carries the numbers)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 220, 44, 28, 12
COLOURS = ("#1f5fa8", "#c2571a", "#2c8a4b", "#7a3fa0")
_ids = itertools.count(1)


def _frame(
    title: str, desc: str, inner: str, *, width: int = WIDTH, height: int = HEIGHT, css: str = "chart"
) -> Markup:
    n = next(_ids)
    return Markup(  # noqa: S704 (labels and titles escaped above; the rest is numbers)
        f'<svg class="{css}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-t{n} chart-d{n}" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-t{n}">{escape(title)}</title><desc id="chart-d{n}">{escape(desc)}</desc>{inner}</svg>'
    )


def _ceiling(value: float) -> float:
    """A round top for the axis: 1, 2, 5 x 10^n."""
    if value <= 0:
        return 1.0
    scale = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * scale:
            return float(step * scale)
    return float(10 * scale)


def line_chart(title: str, desc: str, days: Sequence[dt.date], series: Sequence[tuple[str, Sequence[float]]]) -> Markup:
    """One line per series over the days, a legend, and the top value on the axis."""
    if not days:
        return Markup("")
    top = _ceiling(max((max(values, default=0) for _, values in series), default=0))
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(days) - 1, 1)
    parts = [
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 8}" y2="{PAD_TOP + plot_h}" stroke="#888"/>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 8}" text-anchor="end" font-size="11">{top:g}</text>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + plot_h}" text-anchor="end" font-size="11">0</text>',
        f'<text x="{PAD_LEFT}" y="{HEIGHT - 8}" font-size="11">{escape(days[0].isoformat())}</text>',
        f'<text x="{WIDTH - 8}" y="{HEIGHT - 8}" text-anchor="end" font-size="11">'
        f"{escape(days[-1].isoformat())}</text>",
    ]
    for n, (label, values) in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        points = " ".join(
            f"{PAD_LEFT + i * step:.1f},{PAD_TOP + plot_h - (v / top) * plot_h:.1f}" for i, v in enumerate(values)
        )
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        x = PAD_LEFT + 8 + n * 150
        parts.append(f'<rect x="{x}" y="0" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="9" font-size="11">{escape(label)}</text>')
    return _frame(title, desc, "".join(parts))


def bar_chart(title: str, desc: str, bars: Sequence[tuple[str, float]]) -> Markup:
    """Horizontal bars, one per label, longest first as given."""
    if not bars:
        return Markup("")
    top = _ceiling(max(value for _, value in bars))
    row, label_w = 24, 150
    height = row * len(bars) + 8
    parts = []
    for n, (label, value) in enumerate(bars):
        y = 4 + n * row
        width = (WIDTH - label_w - 60) * (value / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{escape(label[:22])}</text>'
        )
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="16" fill="{COLOURS[0]}"/>')
        parts.append(f'<text x="{label_w + width + 4:.1f}" y="{y + 15}" font-size="12">{value:g}</text>')
    return _frame(title, desc, "".join(parts), height=height)


def sparkline(title: str, desc: str, values: Sequence[float]) -> Markup:
    """A small line without axes (the score over 90 days)."""
    width, height = 180, 36
    top = max(max(values, default=0.0), 1.0)
    step = width / max(len(values) - 1, 1)
    points = " ".join(f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(values))
    inner = f'<polyline fill="none" stroke="{COLOURS[0]}" stroke-width="2" points="{points}"/>'
    return _frame(title, desc, inner, width=width, height=height, css="sparkline")
