"""A small trend chart as inline SVG: share of obligations met over time (pure: no I/O, no clock).

No JavaScript and no chart library: a line over a 0-100 % grid, a dot per check when there are few,
date labels at both ends and in the middle. Labels are escaped; the caller passes them already in the
report's language and time zone.

Examples:
    >>> import datetime as dt
    >>> end = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    >>> pts = [(end - dt.timedelta(days=2), 50.0), (end - dt.timedelta(days=1), 75.0), (end, 100.0)]
    >>> svg = trend_svg(pts, start=end - dt.timedelta(days=30), end=end, label=lambda t: str(t.day))
    >>> svg.startswith("<svg") and 'data-points="3"' in svg and "<script" not in svg
    True
    >>> [percent_at(y) for _, y in polyline_points(svg)]
    [50.0, 75.0, 100.0]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from html import escape

WIDTH, HEIGHT = 420, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 14, 12, 28
LINE = "#0d3b66"
GRID = "#d9dce0"
MAX_DOTS = 62


def _x(time: dt.datetime, start: dt.datetime, end: dt.datetime, width: int) -> float:
    span = (end - start).total_seconds() or 1.0
    ratio = min(max((time - start).total_seconds() / span, 0.0), 1.0)
    return round(LEFT + ratio * (width - LEFT - RIGHT), 1)


def _y(percent: float, height: int) -> float:
    ratio = min(max(percent, 0.0), 100.0) / 100.0
    return round(height - BOTTOM - ratio * (height - TOP - BOTTOM), 1)


def trend_svg(
    points: Sequence[tuple[dt.datetime, float]],
    *,
    start: dt.datetime,
    end: dt.datetime,
    label: Callable[[dt.datetime], str],
    title: str = "",
    empty: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """An SVG line chart of ``(time, percent)`` points between ``start`` and ``end`` (oldest first).

    >>> import datetime as dt
    >>> t = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    >>> "no data" in trend_svg([], start=t - dt.timedelta(days=7), end=t, label=str, empty="no data")
    True
    """
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"'
        f' data-points="{len(points)}">',
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for pct in (0, 25, 50, 75, 100):
        y = _y(pct, height)
        parts.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{width - RIGHT}" y2="{y}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4}" font-size="11" text-anchor="end" fill="#5f6368">{pct}%</text>'
        )
    middle = start + (end - start) / 2
    for when, anchor in ((start, "start"), (middle, "middle"), (end, "end")):
        parts.append(
            f'<text x="{_x(when, start, end, width)}" y="{height - 8}" font-size="11"'
            f' text-anchor="{anchor}" fill="#5f6368">{escape(label(when))}</text>'
        )
    if not points:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" font-size="13" text-anchor="middle"'
            f' fill="#5f6368">{escape(empty)}</text>'
        )
    else:
        coords = [(_x(t, start, end, width), _y(p, height)) for t, p in points]
        line = " ".join(f"{x},{y}" for x, y in coords)
        parts.append(f'<polyline fill="none" stroke="{LINE}" stroke-width="2" points="{line}"/>')
        if len(points) <= MAX_DOTS:
            for (when, share), (x, y) in zip(points, coords, strict=True):
                parts.append(
                    f'<circle cx="{x}" cy="{y}" r="3" fill="{LINE}">'
                    f"<title>{escape(label(when))}: {share:.0f}%</title></circle>"
                )
    parts.append("</svg>")
    return "".join(parts)


_POINTS = re.compile(r'<polyline[^>]* points="([^"]*)"')


def polyline_points(svg: str) -> list[tuple[float, float]]:
    """The chart's line as ``(x, y)`` pairs (what tests and readers of the SVG can check).

    >>> polyline_points('<svg><polyline points="1,2 3,4"/></svg>')
    [(1.0, 2.0), (3.0, 4.0)]
    """
    found = _POINTS.search(svg)
    if not found:
        return []
    return [(float(x), float(y)) for x, y in (p.split(",") for p in found.group(1).split())]


def percent_at(y: float, height: int = HEIGHT) -> float:
    """The percentage a y coordinate of the chart stands for (inverse of the drawing).

    >>> percent_at(_y(75.0, HEIGHT))
    75.0
    """
    return round((height - BOTTOM - y) / (height - TOP - BOTTOM) * 100.0, 1)
