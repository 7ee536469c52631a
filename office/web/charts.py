"""Bar charts drawn on the server as inline SVG: no chart library, no script, no request.

A chart is an image with a title and a one-sentence description (``role="img"``,
``aria-labelledby``); the page puts the same figures in a table beside it and points the
chart at that table (``aria-describedby``), so a screen reader reads the numbers, not the
bars. Each bar also carries a ``<title>`` (a tooltip with its exact value).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 240
#: Room for the value axis on the left and the labels below.
LEFT, BOTTOM, TOP, RIGHT = 48, 28, 12, 8
#: Most labels under the bars (the others are left out, evenly).
MAX_LABELS = 8


@dataclass(frozen=True)
class Bar:
    """One bar: its full label (tooltip), a short label (under it), its value (None: no
    data, no bar)."""

    label: str
    short_label: str
    value: float | None


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 x 10^n at or above ``value`` (at least 1): the axis' top."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop ends at 10


def bar_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar], *,
              top: float | None = None, shown: Callable[[float], str] = str,
              described_by: str | None = None) -> Markup:
    """An SVG bar chart; ``top`` is the axis' top (default: a round number above the
    largest value); ``shown`` writes a value for the axis and tooltips."""
    values = [bar.value for bar in bars if bar.value is not None]
    axis_top = top if top is not None else nice_ceiling(max(values, default=0.0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(bars), 1)
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc"'
        + (f' aria-describedby="{escape(described_by)}"' if described_by else "")
        + ' xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = TOP + plot_height * (1 - fraction)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{escape(shown(axis_top * fraction))}</text>')
    every = max(1, math.ceil(len(bars) / MAX_LABELS))
    for index, bar in enumerate(bars):
        x = LEFT + index * slot
        if bar.value is not None and axis_top > 0:
            height = plot_height * min(bar.value, axis_top) / axis_top
            parts.append(
                f'<rect class="bar" x="{x + slot * 0.15:.1f}" y="{TOP + plot_height - height:.1f}" '
                f'width="{max(slot * 0.7, 1):.1f}" height="{height:.1f}">'
                f'<title>{escape(bar.label)}: {escape(shown(bar.value))}</title></rect>')
        if index % every == 0:
            parts.append(f'<text class="axis" x="{x + slot / 2:.1f}" y="{HEIGHT - 8}" '
                         f'text-anchor="middle">{escape(bar.short_label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
