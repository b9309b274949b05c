"""What a diagram reader tells the user about how it read a file (``simpul diagram check``).

Examples:
    >>> r = ParseReport(source="topology/disdik.yaml", format="yaml")
    >>> r = r.model_copy(update={"ignored": (Ignored(ref="line 9", reason="unknown key"),)})
    >>> r.ignored[0].reason
    'unknown key'
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from simpul.core.topology import Topology
from simpul.errors import InputError


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReadItem(_Frozen):
    """One thing the reader took from the file: a device, a link, a VLAN, a date or the SKPD."""

    kind: Literal["device", "link", "vlan", "skpd", "date"]
    ref: str  # where it was read: "line 12" (YAML) or "cell d1" (draw.io)
    page: str | None = None  # draw.io page name
    summary: str  # e.g. "rtr-disdik (10.20.3.1, RB4011)"
    via: str | None = None  # how link ports were found: "label", "child labels", "port_a/port_b"


class Ignored(_Frozen):
    """Something in the file the reader did not use, and why."""

    ref: str
    reason: str
    page: str | None = None
    text: str | None = None  # the label text, shortened


class ParseReport(_Frozen):
    source: str
    format: Literal["yaml", "drawio"]
    compressed_pages: int = 0
    pages: tuple[str, ...] = ()
    read: tuple[ReadItem, ...] = ()
    ignored: tuple[Ignored, ...] = ()
    # what makes the picture wrong although the file reads: ``diagram check`` exits 1 on any
    warnings: tuple[str, ...] = ()


class DiagramResult(_Frozen):
    """A diagram as read: the topology (view=diagram) and the report of how it was read."""

    topology: Topology
    report: ParseReport


class DiagramProblems(InputError):
    """Every problem found in one diagram, reported in one run (the first one is the headline).

    >>> one = InputError("link has a dangling end", source="x.drawio", line=6, field="page 'LAN' cell e1",
    ...                  hint="attach it")
    >>> DiagramProblems.of([one], source="x.drawio") is one
    True
    >>> err = DiagramProblems.of([one, one], source="x.drawio")
    >>> print(err.render().splitlines()[0])
    E2001 x.drawio: 2 problems in the diagram (all listed below); fix them, then check it again
    """

    def __init__(self, problems: list[InputError], *, source: str) -> None:
        super().__init__(
            f"{len(problems)} problems in the diagram (all listed below); fix them, then check it again",
            source=source,
        )
        self.problems = tuple(problems)

    @staticmethod
    def of(problems: list[InputError], *, source: str) -> InputError:
        """The one problem itself, or all of them."""
        return problems[0] if len(problems) == 1 else DiagramProblems(problems, source=source)

    def render(self) -> str:
        return "\n".join([super().render(), *(problem.render() for problem in self.problems)])

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "problems": [p.as_dict() for p in self.problems]}
