"""Internet continuity (Kominfo guidance on PM Kominfo 8/2019): is every internet uplink of the regency
answering, and what is left when one of them fails? Pure: the uplinks' states come in as arguments.

An uplink is an internet circuit (NetBox: type ``internet``, its commit rate) cabled to an interface of a
core router; ``up`` is what the router said about that interface (``None``: not read: the router did
not answer, or the circuit is not cabled to an interface simpul can read).

The verdict:

- ``not_met`` when there is no uplink, when one is down, or when there is only one (a single failure
  cuts the whole Pemda off the internet);
- ``unknown`` (the obligation is then *not checked*) when none is down but one could not be read;
- ``met`` otherwise.

Whatever the verdict, :attr:`Continuity.failures` says what happens when each uplink fails: the
capacity left against the CIR the SKPD were promised (their sum).

Examples:
    >>> telkom = Uplink("TLK-SKD-001", "telkom", 300, "core-diskominfo-01", "GigabitEthernet0/1", True)
    >>> lintas = Uplink("LA-SKD-001", "lintasarta", 200, "core-diskominfo-01", "GigabitEthernet0/2", True)
    >>> c = judge((telkom, lintas), committed_cir_mbps=250)
    >>> c.verdict, c.problems
    ('met', ())
    >>> [(f.circuit, f.remaining_mbps, f.covered) for f in c.failures]
    [('LA-SKD-001', 300.0, True), ('TLK-SKD-001', 200.0, False)]
    >>> c.failures[1].describe()
    'if TLK-SKD-001 fails, 200 Mbps remain for 250 Mbps of SKPD CIR (80 %)'
    >>> down = judge((telkom, Uplink("LA-SKD-001", "lintasarta", 200, "core", "Gi0/2", False)), 350)
    >>> down.verdict, down.problems
    ('not_met', ('LA-SKD-001 (core Gi0/2) is down',))
    >>> judge((telkom,), 100).problems
    ('a single uplink (TLK-SKD-001): one failure cuts the Pemda off the internet',)
    >>> judge((telkom, lintas._replace(up=None)), 350).verdict
    'unknown'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

Verdict = Literal["met", "not_met", "unknown"]


class Uplink(NamedTuple):
    """One internet circuit and the state of the core router interface it is cabled to."""

    circuit: str
    provider: str
    commit_mbps: float
    device: str | None
    interface: str | None
    up: bool | None  # None: not read

    @property
    def where(self) -> str:
        return f"{self.device} {self.interface}" if self.device and self.interface else "not cabled"


@dataclass(frozen=True)
class FailureCase:
    """What is left when one uplink fails."""

    circuit: str
    remaining_mbps: float
    committed_cir_mbps: float

    @property
    def covered(self) -> bool:
        """The uplinks left still carry every SKPD's CIR."""
        return self.remaining_mbps >= self.committed_cir_mbps

    @property
    def share(self) -> float:
        """The share of the promised CIR the uplinks left can carry (1.0 when nothing was promised)."""
        if self.committed_cir_mbps <= 0:
            return 1.0
        return min(1.0, self.remaining_mbps / self.committed_cir_mbps)

    def describe(self) -> str:
        return (
            f"if {self.circuit} fails, {self.remaining_mbps:g} Mbps remain for "
            f"{self.committed_cir_mbps:g} Mbps of SKPD CIR ({round(self.share * 100)} %)"
        )


@dataclass(frozen=True)
class Continuity:
    uplinks: tuple[Uplink, ...]
    committed_cir_mbps: float
    verdict: Verdict
    problems: tuple[str, ...]
    failures: tuple[FailureCase, ...]

    @property
    def answering(self) -> tuple[Uplink, ...]:
        return tuple(u for u in self.uplinks if u.up)


def single_failures(uplinks: Sequence[Uplink], committed_cir_mbps: float) -> tuple[FailureCase, ...]:
    """One case per uplink, in circuit order (reports stay stable): the capacity of the uplinks left,
    counting only those not known to be down already."""
    live = {u.circuit: u.commit_mbps for u in uplinks if u.up is not False}
    total = sum(live.values())
    cases = [
        FailureCase(u.circuit, float(total - live.get(u.circuit, 0)), committed_cir_mbps) for u in uplinks
    ]
    return tuple(sorted(cases, key=lambda c: c.circuit))


def judge(uplinks: Iterable[Uplink], committed_cir_mbps: float) -> Continuity:
    """The continuity verdict, its problems (words for the report) and the single-failure cases."""
    ups = tuple(sorted(uplinks, key=lambda u: u.circuit))
    problems: list[str] = []
    if not ups:
        problems.append("no internet uplink: no circuit of type internet is cabled to a core router")
    problems += [f"{u.circuit} ({u.where}) is down" for u in ups if u.up is False]
    if len(ups) == 1:
        problems.append(f"a single uplink ({ups[0].circuit}): one failure cuts the Pemda off the internet")
    unread = [u for u in ups if u.up is None]
    verdict: Verdict = "not_met" if problems else ("unknown" if unread else "met")
    if verdict == "unknown":
        problems += [f"{u.circuit} ({u.where}) was not read" for u in unread]
    return Continuity(
        ups, committed_cir_mbps, verdict, tuple(problems), single_failures(ups, committed_cir_mbps)
    )
