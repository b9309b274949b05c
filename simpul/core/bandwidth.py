"""Per-SKPD internet bandwidth: the allocation model, its checks, a proposer and lab scaling.

Each SKPD (a NetBox tenant of group ``skpd``) has a CIR (guaranteed) and a MIR (ceiling) in Mbps;
the capacity is the sum of the commit rates of the internet circuits on the core router. The plan
is one HTB hierarchy: the uplink is the root (rate = ceil = capacity), each SKPD a child (rate = CIR,
ceil = MIR). ``check`` holds a plan to the HTB rules and the SoT's completeness; ``propose`` builds
allocations that always pass it. Pure: no network, no disk, no clock.

Examples:
    >>> cap = Capacity(circuits=(Circuit(cid="TLK-1", provider="Telkom", commit_mbps=100),))
    >>> p = Plan(capacity=cap, allocations=(
    ...     SkpdAllocation(slug="disdik", name="Dinas Pendidikan", cir_mbps=40, mir_mbps=80,
    ...                    lan_prefixes=("10.20.3.0/24",)),
    ...     SkpdAllocation(slug="dinkes", name="Dinas Kesehatan", cir_mbps=70, mir_mbps=60,
    ...                    lan_prefixes=("10.20.4.0/24",)),
    ... ))
    >>> [(v.code, v.skpd) for v in check(p)]
    [('BW-001', None), ('BW-002', 'dinkes')]
    >>> fixed = Plan(capacity=cap, allocations=propose(p.allocations, cap))
    >>> check(fixed)
    []
    >>> [(a.slug, a.cir_mbps, a.mir_mbps) for a in fixed.allocations]
    [('dinkes', 50.0, 100.0), ('disdik', 50.0, 100.0)]
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from simpul.core.validation import input_error_from_validation, validation_problems
from simpul.errors import BandwidthError, InputError


class Frozen(BaseModel):
    # strict: a rate written as "20Mbps" or "20" is bad input, not a number to guess at
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Circuit(Frozen):
    """An internet circuit terminated on the core router (NetBox: a circuit of type ``internet``)."""

    cid: str
    provider: str
    commit_mbps: float = Field(ge=0)


class Capacity(Frozen):
    circuits: tuple[Circuit, ...] = ()

    @property
    def total_mbps(self) -> float:
        """Sum of the circuits' commit rates.

        >>> Capacity(circuits=(Circuit(cid="a", provider="x", commit_mbps=300),
        ...                    Circuit(cid="b", provider="y", commit_mbps=200))).total_mbps
        500.0
        """
        return float(sum(c.commit_mbps for c in self.circuits))


class Skpd(Frozen):
    """An SKPD the source of truth knows, with its LAN prefixes (what traffic is classified by)."""

    slug: str
    name: str = ""
    lan_prefixes: tuple[str, ...] = ()


class SkpdAllocation(Frozen):
    """One SKPD's share. ``None`` means the rate is not set (in NetBox: the custom field is empty)."""

    slug: str
    name: str = ""
    cir_mbps: float | None = None
    mir_mbps: float | None = None
    lan_prefixes: tuple[str, ...] = ()

    @field_validator("lan_prefixes")
    @classmethod
    def _prefixes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for prefix in value:
            ipaddress.ip_network(prefix, strict=True)  # ValueError -> pydantic ValidationError
        return value

    @property
    def allocated(self) -> bool:
        return self.cir_mbps is not None or self.mir_mbps is not None


class Plan(Frozen):
    """Capacity plus allocations. ``skpds``: the SKPD the SoT knows (``None``: the allocations are)."""

    capacity: Capacity
    allocations: tuple[SkpdAllocation, ...] = ()
    skpds: tuple[Skpd, ...] | None = None

    def allocation(self, slug: str) -> SkpdAllocation | None:
        return next((a for a in self.allocations if a.slug == slug), None)

    def active(self) -> tuple[SkpdAllocation, ...]:
        """Allocations with both rates set, sorted by slug: what renderers and the lab shape."""
        return tuple(
            sorted(
                (a for a in self.allocations if a.cir_mbps is not None and a.mir_mbps is not None),
                key=lambda a: a.slug,
            )
        )


class Violation(Frozen):
    code: str
    skpd: str | None
    message: str


# Stable codes: never renumber, only append. docs/bandwidth.md explains each one.
VIOLATION_CODES: dict[str, str] = {
    "BW-001": "sum of CIR exceeds capacity (the root's rate must cover every child's guarantee)",
    "BW-002": "CIR exceeds MIR (an HTB class's rate must not exceed its ceil)",
    "BW-003": "MIR exceeds capacity (a child's ceil must not exceed its parent's)",
    "BW-004": "a rate is missing (CIR or MIR set without the other)",
    "BW-005": "a rate is zero or negative",
    "BW-006": "an SKPD with a LAN prefix has no allocation",
    "BW-007": "an allocation names an SKPD the source of truth does not know",
    "BW-008": "no internet capacity (no circuit, or commit rates sum to zero)",
    "BW-009": "an SKPD is allocated twice",
    "BW-010": "an allocation has no LAN prefix, so its traffic cannot be classified",
    "BW-011": "a LAN prefix belongs to two SKPD",
}


def _fmt(mbps: float) -> str:
    """``40.0 -> '40'``, ``2.5 -> '2.5'``.

    >>> _fmt(40.0), _fmt(2.5)
    ('40', '2.5')
    """
    return f"{mbps:g}"


def check(plan: Plan) -> list[Violation]:
    """Every rule the plan breaks, in a stable order (plan-wide first, then per SKPD by slug).

    Examples:
        >>> cap = Capacity(circuits=(Circuit(cid="c", provider="p", commit_mbps=50),))
        >>> a = SkpdAllocation(slug="x", cir_mbps=10, mir_mbps=60, lan_prefixes=("10.0.0.0/24",))
        >>> [v.code for v in check(Plan(capacity=cap, allocations=(a,)))]
        ['BW-003']
        >>> plan = Plan(capacity=cap, allocations=(a.model_copy(update={"mir_mbps": 20}),),
        ...             skpds=(Skpd(slug="y", lan_prefixes=("10.0.1.0/24",)),))
        >>> [(v.code, v.skpd) for v in check(plan)]
        [('BW-007', 'x'), ('BW-006', 'y')]
    """
    capacity = plan.capacity.total_mbps
    known = _known_prefixes(plan)
    per = [
        *_allocated_twice(plan),
        *_unallocated(plan, known),
        *_allocation_violations(plan, known, capacity),
    ]
    per.sort(key=lambda v: (v.skpd or "", v.code))
    return _plan_wide_violations(plan, capacity) + per


def _known_prefixes(plan: Plan) -> dict[str, tuple[str, ...]]:
    """The SKPD the source of truth knows, with their LAN prefixes (the allocations' own if none)."""
    if plan.skpds is not None:
        return {s.slug: s.lan_prefixes for s in plan.skpds}
    return {a.slug: a.lan_prefixes for a in plan.allocations}


def _plan_wide_violations(plan: Plan, capacity: float) -> list[Violation]:
    """BW-008 no capacity at all; BW-001 the guarantees add up to more than the capacity."""
    out: list[Violation] = []
    if capacity <= 0:
        out.append(
            Violation(
                code="BW-008",
                skpd=None,
                message="no internet capacity: add an internet circuit with a commit rate on the core router",
            )
        )
    total_cir = sum(a.cir_mbps or 0.0 for a in plan.active() if (a.cir_mbps or 0) > 0)
    if capacity > 0 and total_cir > capacity:
        out.append(
            Violation(
                code="BW-001",
                skpd=None,
                message=f"sum of CIR {_fmt(total_cir)} Mbps exceeds capacity {_fmt(capacity)} Mbps "
                f"by {_fmt(total_cir - capacity)} Mbps",
            )
        )
    return out


def _allocated_twice(plan: Plan) -> list[Violation]:
    """BW-009."""
    counts = Counter(a.slug for a in plan.allocations)
    return [
        Violation(code="BW-009", skpd=slug, message=f"{slug} is allocated {count} times")
        for slug, count in counts.items()
        if count > 1
    ]


def _unallocated(plan: Plan, known: dict[str, tuple[str, ...]]) -> list[Violation]:
    """BW-006: an SKPD with a LAN but no rates."""
    allocated = {a.slug for a in plan.allocations if a.allocated}
    return [
        Violation(
            code="BW-006",
            skpd=slug,
            message=f"{slug} has LAN prefix {', '.join(prefixes)} but no CIR/MIR: "
            "set bw_cir_mbps and bw_mir_mbps on the tenant",
        )
        for slug, prefixes in known.items()
        if prefixes and slug not in allocated
    ]


_UNUSABLE_RATES = frozenset({"BW-004", "BW-005"})  # nothing more can be said about such an allocation


def _allocation_violations(plan: Plan, known: dict[str, tuple[str, ...]], capacity: float) -> list[Violation]:
    """Per allocation, by slug: BW-007 not an SKPD, its rates, then its LAN prefixes."""
    out: list[Violation] = []
    owner: dict[str, str] = {}  # LAN prefix -> the first SKPD that has it
    for alloc in sorted(plan.allocations, key=lambda a: a.slug):
        if not alloc.allocated:
            continue
        if alloc.slug not in known:
            out.append(
                Violation(
                    code="BW-007",
                    skpd=alloc.slug,
                    message=f"allocation for {alloc.slug}, which is not an SKPD (tenant group skpd)",
                )
            )
        rates = _rate_violations(alloc, capacity)
        out.extend(rates)
        if not any(v.code in _UNUSABLE_RATES for v in rates):
            out.extend(_prefix_violations(alloc, known, owner))
    return out


def _rate_violations(alloc: SkpdAllocation, capacity: float) -> list[Violation]:
    """BW-004 a rate missing, BW-005 a rate not positive; else BW-002 CIR > MIR, BW-003 MIR > capacity."""
    slug, cir, mir = alloc.slug, alloc.cir_mbps, alloc.mir_mbps
    if cir is None or mir is None:
        missing = "bw_cir_mbps" if cir is None else "bw_mir_mbps"
        return [Violation(code="BW-004", skpd=slug, message=f"{slug}: {missing} is not set")]
    not_positive = [
        Violation(code="BW-005", skpd=slug, message=f"{slug}: {name} {_fmt(value)} Mbps must be positive")
        for name, value in (("CIR", cir), ("MIR", mir))
        if value <= 0
    ]
    if not_positive:
        return not_positive
    out: list[Violation] = []
    if cir > mir:
        out.append(
            Violation(
                code="BW-002", skpd=slug, message=f"{slug}: CIR {_fmt(cir)} Mbps exceeds MIR {_fmt(mir)} Mbps"
            )
        )
    if capacity > 0 and mir > capacity:
        out.append(
            Violation(
                code="BW-003",
                skpd=slug,
                message=f"{slug}: MIR {_fmt(mir)} Mbps exceeds capacity {_fmt(capacity)} Mbps",
            )
        )
    return out


def _prefix_violations(
    alloc: SkpdAllocation, known: dict[str, tuple[str, ...]], owner: dict[str, str]
) -> list[Violation]:
    """BW-010 no LAN prefix to classify by; BW-011 a prefix another SKPD has (``owner`` remembers)."""
    slug = alloc.slug
    prefixes = alloc.lan_prefixes or known.get(slug, ())
    if not prefixes:
        return [
            Violation(
                code="BW-010",
                skpd=slug,
                message=f"{slug} has an allocation but no LAN prefix to classify its traffic by",
            )
        ]
    out: list[Violation] = []
    for prefix in prefixes:
        net = str(ipaddress.ip_network(prefix))
        if net in owner and owner[net] != slug:
            out.append(
                Violation(
                    code="BW-011", skpd=slug, message=f"{slug}: LAN prefix {net} also belongs to {owner[net]}"
                )
            )
        owner.setdefault(net, slug)
    return out


class PlanRow(Frozen):
    skpd: str
    name: str
    cir_mbps: float | None
    mir_mbps: float | None
    cir_share: float | None  # CIR / capacity
    mir_share: float | None  # MIR / capacity
    lan_prefixes: tuple[str, ...]


class PlanTable(Frozen):
    capacity_mbps: float
    circuits: tuple[Circuit, ...]
    rows: tuple[PlanRow, ...]
    total_cir_mbps: float
    total_mir_mbps: float
    cir_ratio: float | None  # sum CIR / capacity (<= 1 keeps every guarantee)
    oversubscription: float | None  # sum MIR / capacity


def plan_table(plan: Plan) -> PlanTable:
    """The allocation as rows (sorted by slug) with the share of capacity and the ratios.

    Examples:
        >>> cap = Capacity(circuits=(Circuit(cid="c", provider="p", commit_mbps=100),))
        >>> t = plan_table(Plan(capacity=cap, allocations=(
        ...     SkpdAllocation(slug="b", cir_mbps=20, mir_mbps=100),
        ...     SkpdAllocation(slug="a", cir_mbps=30, mir_mbps=50))))
        >>> [(r.skpd, r.cir_share) for r in t.rows], t.cir_ratio, t.oversubscription
        ([('a', 0.3), ('b', 0.2)], 0.5, 1.5)
    """
    capacity = plan.capacity.total_mbps

    def share(value: float | None) -> float | None:
        if value is None or capacity <= 0:
            return None
        return round(value / capacity, 4)

    rows = tuple(
        PlanRow(
            skpd=a.slug,
            name=a.name,
            cir_mbps=a.cir_mbps,
            mir_mbps=a.mir_mbps,
            cir_share=share(a.cir_mbps),
            mir_share=share(a.mir_mbps),
            lan_prefixes=a.lan_prefixes,
        )
        for a in sorted(plan.allocations, key=lambda a: a.slug)
    )
    total_cir = float(sum(a.cir_mbps or 0.0 for a in plan.allocations))
    total_mir = float(sum(a.mir_mbps or 0.0 for a in plan.allocations))
    return PlanTable(
        capacity_mbps=capacity,
        circuits=plan.capacity.circuits,
        rows=rows,
        total_cir_mbps=total_cir,
        total_mir_mbps=total_mir,
        cir_ratio=share(total_cir),
        oversubscription=share(total_mir),
    )


Policy = Literal["equal", "weighted"]


def _largest_remainder(total: int, weights: Sequence[float], minimum: int) -> list[int]:
    """Split ``total`` integer units by ``weights``, each at least ``minimum``, summing to ``total``.

    >>> _largest_remainder(10, [1, 1, 1], 1)
    [4, 3, 3]
    >>> _largest_remainder(100, [3, 1], 1)
    [75, 25]
    """
    n = len(weights)
    spare = total - minimum * n
    wsum = float(sum(weights))
    exact = [spare * w / wsum for w in weights]
    parts = [math.floor(x) for x in exact]
    left = spare - sum(parts)
    order = sorted(range(n), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [minimum + p for p in parts]


def propose(
    skpds: Iterable[Skpd | SkpdAllocation],
    capacity: Capacity,
    policy: Policy = "equal",
    weights: Mapping[str, float] | None = None,
    *,
    mir_factor: float | None = None,
) -> tuple[SkpdAllocation, ...]:
    """Allocations for every SKPD with a LAN prefix that pass :func:`check`.

    The whole capacity is guaranteed (sum CIR == capacity, in whole Mbps because NetBox's fields
    are integers; at least 1 Mbps each). ``equal`` splits it evenly, ``weighted`` by ``weights``
    (e.g. staff counts). MIR is the capacity (an idle uplink is lent to whoever needs it), or
    ``CIR * mir_factor`` capped at the capacity, floored to whole Mbps. SKPD without a LAN prefix
    get no allocation.

    Examples:
        >>> cap = Capacity(circuits=(Circuit(cid="c", provider="p", commit_mbps=100),))
        >>> sk = [Skpd(slug=s, lan_prefixes=(f"10.20.{i}.0/24",)) for i, s in enumerate("abc", 1)]
        >>> [(a.slug, a.cir_mbps, a.mir_mbps) for a in propose(sk, cap, "weighted",
        ...     {"a": 2, "b": 1, "c": 1}, mir_factor=1.5)]
        [('a', 50.0, 75.0), ('b', 25.0, 37.0), ('c', 25.0, 37.0)]
        >>> propose(sk, cap, "weighted", {"a": 1})
        Traceback (most recent call last):
        ...
        simpul.errors.BandwidthError: no weight for b, c
    """
    chosen = sorted((s for s in skpds if s.lan_prefixes), key=lambda s: s.slug)
    if not chosen:
        return ()
    total = math.floor(capacity.total_mbps)
    if total < len(chosen):
        raise BandwidthError(
            f"capacity {_fmt(capacity.total_mbps)} Mbps cannot guarantee 1 Mbps "
            f"to each of {len(chosen)} SKPD",
            hint="add internet capacity (circuit commit_rate) or allocate by hand",
        )
    if policy == "equal":
        w: list[float] = [1.0] * len(chosen)
    elif policy == "weighted":
        weights = weights or {}
        missing = [s.slug for s in chosen if s.slug not in weights]
        if missing:
            raise BandwidthError(
                f"no weight for {', '.join(missing)}", hint="give every SKPD with a LAN prefix a weight"
            )
        bad = [s.slug for s in chosen if not weights[s.slug] > 0]
        if bad:
            raise BandwidthError(f"weight must be positive for {', '.join(bad)}")
        w = [float(weights[s.slug]) for s in chosen]
    else:
        raise BandwidthError(f"unknown policy {policy!r}", hint="use equal or weighted")
    cirs = _largest_remainder(total, w, 1)
    out = []
    for skpd, cir in zip(chosen, cirs, strict=True):
        mir = capacity.total_mbps if mir_factor is None else min(capacity.total_mbps, cir * mir_factor)
        mir = math.floor(mir)  # NetBox's rate fields are integers; floor keeps MIR <= capacity
        out.append(
            SkpdAllocation(
                slug=skpd.slug,
                name=skpd.name,
                cir_mbps=float(cir),
                mir_mbps=float(max(mir, cir)),
                lan_prefixes=skpd.lan_prefixes,
            )
        )
    return tuple(out)


class Change(Frozen):
    skpd: str
    field: str  # bw_cir_mbps | bw_mir_mbps
    old: float | None
    new: float | None


def allocation_diff(current: Iterable[SkpdAllocation], proposed: Iterable[SkpdAllocation]) -> list[Change]:
    """What writing ``proposed`` back would change, field by field (NetBox custom field names).

    Examples:
        >>> old = [SkpdAllocation(slug="a", cir_mbps=10, mir_mbps=20)]
        >>> new = [SkpdAllocation(slug="a", cir_mbps=10, mir_mbps=50), SkpdAllocation(slug="b",
        ...        cir_mbps=5, mir_mbps=5)]
        >>> [(c.skpd, c.field, c.old, c.new) for c in allocation_diff(old, new)]
        [('a', 'bw_mir_mbps', 20.0, 50.0), ('b', 'bw_cir_mbps', None, 5.0), ('b', 'bw_mir_mbps', None, 5.0)]
    """
    before = {a.slug: a for a in current}
    changes = []
    for new in sorted(proposed, key=lambda a: a.slug):
        old = before.get(new.slug)
        for fld, attr in (("bw_cir_mbps", "cir_mbps"), ("bw_mir_mbps", "mir_mbps")):
            was = getattr(old, attr) if old else None
            now = getattr(new, attr)
            if was != now:
                changes.append(Change(skpd=new.slug, field=fld, old=was, new=now))
    return changes


def with_allocations(plan: Plan, allocations: Iterable[SkpdAllocation]) -> Plan:
    """The plan with some SKPD's allocations replaced (others kept).

    >>> cap = Capacity(circuits=(Circuit(cid="c", provider="p", commit_mbps=10),))
    >>> p = Plan(capacity=cap, allocations=(SkpdAllocation(slug="a"), SkpdAllocation(slug="b")))
    >>> [a.cir_mbps for a in with_allocations(p, [SkpdAllocation(slug="b", cir_mbps=5)]).allocations]
    [None, 5.0]
    """
    new = {a.slug: a for a in allocations}
    kept = tuple(new.pop(a.slug, a) for a in plan.allocations)
    return plan.model_copy(update={"allocations": kept + tuple(new[s] for s in sorted(new))})


def scale(plan: Plan, max_capacity_mbps: float) -> tuple[Plan, float]:
    """Scale a plan down so its capacity is at most ``max_capacity_mbps`` (for the namespace lab).

    Ratios between rates are kept, so "alone reaches MIR, contended keeps CIR" is the same claim
    at any scale. Returns the scaled plan and the factor (1.0 when already small enough).

    Examples:
        >>> cap = Capacity(circuits=(Circuit(cid="c", provider="p", commit_mbps=500),))
        >>> p, f = scale(Plan(capacity=cap, allocations=(SkpdAllocation(slug="a", cir_mbps=40,
        ...                   mir_mbps=100),)), 100)
        >>> f, p.capacity.total_mbps, p.allocations[0].cir_mbps, p.allocations[0].mir_mbps
        (0.2, 100.0, 8.0, 20.0)
    """
    capacity = plan.capacity.total_mbps
    if capacity <= 0 or capacity <= max_capacity_mbps:
        return plan, 1.0
    factor = max_capacity_mbps / capacity

    def s(value: float | None) -> float | None:
        return None if value is None else round(value * factor, 3)

    circuits = tuple(c.model_copy(update={"commit_mbps": s(c.commit_mbps)}) for c in plan.capacity.circuits)
    allocations = tuple(
        a.model_copy(update={"cir_mbps": s(a.cir_mbps), "mir_mbps": s(a.mir_mbps)}) for a in plan.allocations
    )
    return (
        plan.model_copy(update={"capacity": Capacity(circuits=circuits), "allocations": allocations}),
        round(factor, 6),
    )


def plan_from_data(data: object, source: str) -> Plan:
    """A plan from parsed YAML/JSON (a plan file); bad input raises InputError naming the field.

    ``capacity`` is either ``{circuits: [{cid, provider, commit_mbps}]}`` or a number of Mbps.

    Examples:
        >>> p = plan_from_data({"capacity": 100, "allocations": [{"slug": "a", "cir_mbps": 10,
        ...     "mir_mbps": 50, "lan_prefixes": ["10.20.1.0/24"]}]}, "plan.yaml")
        >>> p.capacity.total_mbps, p.allocations[0].mir_mbps
        (100.0, 50.0)
        >>> plan_from_data({"capacity": 100, "allocations": [{"slug": "a", "cir_mbps": "20Mbps"}]},
        ...                "plan.yaml")
        Traceback (most recent call last):
        ...
        simpul.errors.InputError: SKPD a: Input should be a valid number
    """
    if not isinstance(data, dict):
        raise InputError("a plan file must be a mapping with capacity and allocations", source=source)
    data = dict(data)
    cap = data.get("capacity")
    if isinstance(cap, int | float) and not isinstance(cap, bool):
        data["capacity"] = {"circuits": [{"cid": "capacity", "provider": "", "commit_mbps": cap}]}
    try:
        # JSON mode: arrays become tuples, while strict numbers still refuse "20Mbps" and "20"
        return Plan.model_validate_json(json.dumps(data, default=str))
    except ValidationError as exc:
        raise input_error_from_validation(
            exc,
            source,
            prefix=_whose(data, validation_problems(exc)[0].path),
            hint='rates are plain numbers of Mbps (40, not "40Mbps"); prefixes are CIDR',
        ) from None


def _whose(data: dict[str, object], path: tuple[str | int, ...]) -> str:
    """``SKPD disdik: `` when ``path`` lies in an allocation (or SKPD) that has a slug."""
    if len(path) < 2 or path[0] not in ("allocations", "skpds") or not isinstance(path[1], int):
        return ""
    items = data.get(str(path[0])) or []
    item = items[path[1]] if isinstance(items, list | tuple) and path[1] < len(items) else None
    return f"SKPD {item['slug']}: " if isinstance(item, dict) and item.get("slug") else ""


# iperf3 over TCP/IPv4 carries ~95.5% of an HTB-shaped rate as goodput (headers, ACKs, slow start
# of a 3 s run); measured in LAB_FACTS: 20 Mbit -> 19.0, 10 -> 9.55, 5 -> 4.78.
GOODPUT_FACTOR = 0.955
TOLERANCE = 0.10


class Measurement(Frozen):
    """What verify found for one SKPD (Mbps of goodput, download direction)."""

    skpd: str
    cir: float
    mir: float
    alone_mbps: float | None
    contended_mbps: float | None
    expected_alone_mbps: float
    min_contended_mbps: float
    ok: bool


def judge(
    alloc: SkpdAllocation,
    capacity_mbps: float,
    alone_mbps: float | None,
    contended_mbps: float | None,
    *,
    goodput: float = GOODPUT_FACTOR,
    tolerance: float = TOLERANCE,
) -> Measurement:
    """Alone: within ±tolerance of min(MIR, capacity) x goodput. Contended: >= CIR x goodput - tolerance.

    Examples:
        >>> a = SkpdAllocation(slug="x", cir_mbps=5, mir_mbps=20)
        >>> judge(a, 50, 19.1, 5.2).ok, judge(a, 50, 19.1, 4.0).ok, judge(a, 50, 23.0, 6.0).ok
        (True, False, False)
        >>> judge(a, 50, 19.1, 5.2).expected_alone_mbps
        19.1
    """
    assert alloc.cir_mbps is not None and alloc.mir_mbps is not None
    expected = round(min(alloc.mir_mbps, capacity_mbps) * goodput, 3)
    floor = round(alloc.cir_mbps * goodput * (1 - tolerance), 3)
    alone_ok = alone_mbps is not None and abs(alone_mbps - expected) <= tolerance * expected
    contended_ok = contended_mbps is not None and contended_mbps >= floor
    return Measurement(
        skpd=alloc.slug,
        cir=alloc.cir_mbps,
        mir=alloc.mir_mbps,
        alone_mbps=alone_mbps,
        contended_mbps=contended_mbps,
        expected_alone_mbps=expected,
        min_contended_mbps=floor,
        ok=alone_ok and contended_ok,
    )
