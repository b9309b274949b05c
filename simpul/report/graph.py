"""Run graphviz (``dot -Tsvg``) on DOT text: the only I/O of the LAN picture.

The SVG comes back ready to inline into an HTML page: no XML prolog, no DOCTYPE (it names a URL),
no comments, and a ``class="lan-picture"`` on the root so the page's CSS can size it.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from simpul.errors import ReportError

log = logging.getLogger(__name__)

DOT_TIMEOUT_S = 60


def find_dot(binary: str = "dot") -> str:
    """The path of graphviz's ``dot``, or a clear error saying how to install it."""
    path = shutil.which(binary)
    if path is None:
        raise ReportError(
            f"graphviz is not installed: {binary!r} was not found on PATH (the LAN pictures need it)",
            hint="install it: apt-get install graphviz (Debian/Ubuntu) or dnf install graphviz",
        )
    return path


_PROLOG = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->", re.DOTALL)


def clean_svg(svg: str) -> str:
    """Strip what does not belong inline in HTML and tag the root element.

    >>> clean_svg('<?xml version="1.0"?>\\n<!DOCTYPE svg PUBLIC "x" "http://e/x.dtd">\\n<!-- n -->'
    ...           '<svg width="10pt"><g/></svg>\\n')
    '<svg class="lan-picture" width="10pt"><g/></svg>'
    """
    body = _PROLOG.sub("", svg).strip()
    start = body.find("<svg")
    if start < 0 or not body.endswith("</svg>"):
        raise ReportError("graphviz returned no SVG document", hint="check the graphviz installation: dot -V")
    return '<svg class="lan-picture"' + body[start + len("<svg") :]


def render_svg(dot_text: str, *, binary: str = "dot", timeout: float = DOT_TIMEOUT_S) -> str:
    """Lay out DOT text with ``dot -Tsvg`` and return the inline-ready SVG."""
    path = find_dot(binary)
    try:
        done = subprocess.run(
            [path, "-Tsvg"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise ReportError(
            f"graphviz took longer than {timeout:g} s to draw a LAN picture",
            hint="the LAN may be very large; report it with the SKPD's diagram",
        ) from err
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip()
        raise ReportError(f"graphviz failed to draw a LAN picture: {stderr}", hint="check: dot -V")
    return clean_svg(done.stdout.decode("utf-8"))


def render_many(dot_texts: Sequence[str], *, binary: str = "dot", workers: int = 4) -> list[str]:
    """Render several pictures, a few ``dot`` processes at a time; results keep the input order."""
    find_dot(binary)  # fail once, clearly, before starting any thread
    if len(dot_texts) <= 1:
        return [render_svg(text, binary=binary) for text in dot_texts]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda text: render_svg(text, binary=binary), dot_texts))
