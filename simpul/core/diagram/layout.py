"""Geometry on a draw.io page: which text labels an unlabelled device icon, which box is an area.

Public templates draw a device as an icon without a label and a separate text next to it (or on it),
and draw buildings, floors and VLAN areas as big boxes behind the devices. Both are told by geometry,
the way a reader sees the page:

- a text labels the icon it is unambiguously nearest to (overlapping, or within
  :func:`reach` of it), and that icon must have it as its unambiguously nearest text; a text as near
  to two icons (or an icon with two texts as near) is ambiguous, and named as a problem; a text as
  near to three or more, or spanning far wider than an icon, is a caption and names none;
- a box that holds another device shape entirely is an area.

Examples:
    >>> icons = {"r": Box(100, 100, 50, 50), "s": Box(300, 100, 50, 50)}
    >>> texts = {"t1": Box(95, 155, 60, 20), "t2": Box(295, 155, 60, 20)}
    >>> match_labels(icons, texts, {})
    LabelMatch(pairs={'r': 't1', 's': 't2'}, ambiguous_icons={}, ambiguous_texts={})
    >>> match_labels(icons, {"mid": Box(165, 115, 120, 20)}, {}).ambiguous_texts
    {'mid': ['r', 's']}
    >>> areas({"gedung": Box(0, 0, 500, 300), "r": Box(100, 100, 50, 50)})
    {'gedung': 'r'}
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Box:
    """A vertex's rectangle in page coordinates."""

    x: float
    y: float
    w: float
    h: float

    @property
    def area(self) -> float:
        return self.w * self.h

    def contains(self, other: Box) -> bool:
        """``other`` lies entirely inside this box, and this box is the bigger one.

        >>> Box(0, 0, 100, 100).contains(Box(10, 10, 20, 20)), Box(0, 0, 10, 10).contains(Box(0, 0, 10, 10))
        (True, False)
        """
        return (
            self.area > other.area
            and self.x <= other.x
            and self.y <= other.y
            and other.x + other.w <= self.x + self.w
            and other.y + other.h <= self.y + self.h
        )

    def gap(self, other: Box) -> float:
        """Shortest distance between the two rectangles; 0 when they touch or overlap.

        >>> Box(0, 0, 10, 10).gap(Box(13, 14, 5, 5)), Box(0, 0, 10, 10).gap(Box(5, 5, 10, 10))
        (5.0, 0.0)
        """
        dx = max(other.x - (self.x + self.w), self.x - (other.x + other.w), 0.0)
        dy = max(other.y - (self.y + self.h), self.y - (other.y + other.h), 0.0)
        return math.hypot(dx, dy)

    def centre_distance(self, other: Box) -> float:
        return math.hypot(
            (self.x + self.w / 2) - (other.x + other.w / 2), (self.y + self.h / 2) - (other.y + other.h / 2)
        )


def reach(icon: Box) -> float:
    """How far from an icon its label may sit: 60% of its larger side, at least 20 px.

    >>> reach(Box(0, 0, 50, 50)), reach(Box(0, 0, 10, 10))
    (30.0, 20.0)
    """
    return max(20.0, 0.6 * max(icon.w, icon.h))


def _may_name(shape: Box, text: Box) -> bool:
    """A text within reach of a shape, and not a caption spanning far wider than it.

    >>> icon = Box(0, 0, 50, 50)
    >>> _may_name(icon, Box(0, 52, 60, 20)), _may_name(icon, Box(-500, 52, 1200, 40))
    (True, False)
    """
    return shape.gap(text) <= reach(shape) and text.w <= 4 * max(shape.w, shape.h, 40)


def _score(a: Box, b: Box) -> tuple[float, float]:
    return (a.gap(b), a.centre_distance(b))


def _clearly_nearer(best: tuple[float, float], second: tuple[float, float]) -> bool:
    """The best candidate is nearer by a margin a reader would see (not a tie)."""
    if best[0] == 0 and second[0] == 0:  # both overlap: the centres tell
        return second[1] > best[1] * 1.25 + 1
    return second[0] > best[0] * 1.5 + 4


def _nearest(scores: dict[str, tuple[float, float]]) -> tuple[str | None, list[str]]:
    """(the clearly nearest id, []) or (None, the ids tied for nearest); (None, []) when none."""
    if not scores:
        return None, []
    ranked = sorted(scores, key=lambda k: scores[k])
    if len(ranked) == 1 or _clearly_nearer(scores[ranked[0]], scores[ranked[1]]):
        return ranked[0], []
    tied = [k for k in ranked if not _clearly_nearer(scores[ranked[0]], scores[k])]
    return None, sorted(tied)


@dataclass(frozen=True)
class LabelMatch:
    pairs: dict[str, str] = field(default_factory=dict)  # icon id -> text id
    ambiguous_icons: dict[str, list[str]] = field(default_factory=dict)  # icon id -> tied text ids
    ambiguous_texts: dict[str, list[str]] = field(default_factory=dict)  # text id -> tied icon ids


def match_labels(icons: dict[str, Box], texts: dict[str, Box], labelled: dict[str, Box]) -> LabelMatch:
    """Pair unlabelled icons with the texts next to them, nearest pairs first, refusing ties.

    A text already taken by a nearer icon is out of the running (a name over one icon and touching its
    neighbour names the one it covers best). ``labelled``: devices that already carry their name; a
    text nearest to one of them is a note about it and labels no icon.

    >>> match_labels({"r": Box(0, 0, 50, 50)}, {"t": Box(0, 52, 50, 20)}, {"x": Box(0, 74, 50, 50)})
    LabelMatch(pairs={}, ambiguous_icons={}, ambiguous_texts={})
    """
    near_icon: dict[str, dict[str, tuple[float, float]]] = {icon_id: {} for icon_id in icons}
    near_text: dict[str, dict[str, tuple[float, float]]] = {text_id: {} for text_id in texts}
    by_x = sorted(texts, key=lambda t: texts[t].x)
    xs = [texts[t].x for t in by_x]
    widest = max((b.w for b in texts.values()), default=0.0)
    for shape_id, shape in {**labelled, **icons}.items():
        # only the texts whose left edge can lie within reach: a page of hundreds of devices stays fast
        lo = bisect.bisect_left(xs, shape.x - reach(shape) - widest)
        hi = bisect.bisect_right(xs, shape.x + shape.w + reach(shape))
        for text_id in by_x[lo:hi]:
            if _may_name(shape, texts[text_id]):
                score = _score(shape, texts[text_id])
                near_text[text_id][shape_id] = score
                if shape_id in icons:
                    near_icon[shape_id][text_id] = score
    # a text nearest to a device that carries its own name is a note about it: it names no icon
    notes = {t for t, sc in near_text.items() if sc and min(sc, key=lambda k: sc[k]) in labelled}
    candidates = sorted(
        (score, icon_id, text_id)
        for icon_id, scores in near_icon.items()
        for text_id, score in scores.items()
        if text_id not in notes
    )
    pairs: dict[str, str] = {}
    ambiguous_icons: dict[str, list[str]] = {}
    ambiguous_texts: dict[str, list[str]] = {}
    spent: set[str] = set()  # texts that named an icon, or name none (ambiguous, captions)
    for score, icon_id, text_id in candidates:  # nearest pairs first
        if icon_id in pairs or icon_id in ambiguous_icons or text_id in spent:
            continue
        rival_icons = [
            i
            for i, sc in near_text[text_id].items()
            if i != icon_id and i in icons and i not in pairs and not _clearly_nearer(score, sc)
        ]
        if rival_icons:  # as near to another free icon: ambiguous; to three or more: a caption
            if len(rival_icons) == 1:
                ambiguous_texts[text_id] = sorted([icon_id, *rival_icons])
            spent.add(text_id)
            continue
        rival_texts = [
            t
            for t, sc in near_icon[icon_id].items()
            if t != text_id and t not in spent and t not in notes and not _clearly_nearer(score, sc)
        ]
        if rival_texts:
            ambiguous_icons[icon_id] = sorted([text_id, *rival_texts])
            continue
        pairs[icon_id] = text_id
        spent.add(text_id)
    return LabelMatch(pairs=pairs, ambiguous_icons=ambiguous_icons, ambiguous_texts=ambiguous_texts)


Point = tuple[float, float]


def along(point: Point, a: Point, b: Point) -> tuple[float, float]:
    """(distance of ``point`` from the segment a-b, its position along it: 0 at a, 1 at b).

    >>> along((5, 1), (0, 0), (10, 0))
    (1.0, 0.5)
    """
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else ((point[0] - a[0]) * dx + (point[1] - a[1]) * dy) / length2
    t = min(1.0, max(0.0, t))
    return math.hypot(point[0] - (a[0] + t * dx), point[1] - (a[1] + t * dy)), t


def areas(boxes: dict[str, Box]) -> dict[str, str]:
    """Shapes that hold another shape entirely (buildings, floors, VLAN areas): id -> one id inside.

    >>> areas({"a": Box(0, 0, 10, 10), "b": Box(20, 0, 10, 10)})
    {}
    """
    out: dict[str, str] = {}
    for outer_id, outer in boxes.items():
        for inner_id, inner in boxes.items():
            if inner_id != outer_id and outer.contains(inner):
                out[outer_id] = inner_id
                break
    return out
