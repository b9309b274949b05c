"""The pure core: check rules as tables, propose always passes check, scaling and judging."""

from __future__ import annotations

import pytest

from simpul.core.bandwidth import (
    VIOLATION_CODES,
    Capacity,
    Circuit,
    Plan,
    Skpd,
    SkpdAllocation,
    allocation_diff,
    check,
    judge,
    plan_from_data,
    plan_table,
    propose,
    scale,
)
from simpul.errors import BandwidthError, InputError


def cap(*mbps: float) -> Capacity:
    return Capacity(
        circuits=tuple(Circuit(cid=f"c{i}", provider="p", commit_mbps=m) for i, m in enumerate(mbps))
    )


def alloc(slug: str, cir: float | None, mir: float | None, *prefixes: str) -> SkpdAllocation:
    return SkpdAllocation(slug=slug, cir_mbps=cir, mir_mbps=mir, lan_prefixes=prefixes)


A = "10.20.1.0/24"
B = "10.20.2.0/24"


@pytest.mark.parametrize(
    ("capacity", "allocations", "skpds", "expected"),
    [
        pytest.param(cap(100), [alloc("a", 40, 100, A), alloc("b", 60, 80, B)], None, [], id="exactly-full"),
        pytest.param(
            cap(100),
            [alloc("a", 60, 100, A), alloc("b", 60, 80, B)],
            None,
            [("BW-001", None)],
            id="sum-cir-over-capacity",
        ),
        pytest.param(cap(60, 40), [alloc("a", 30, 20, A)], None, [("BW-002", "a")], id="cir-over-mir"),
        pytest.param(cap(100), [alloc("a", 10, 101, A)], None, [("BW-003", "a")], id="mir-over-capacity"),
        pytest.param(cap(100), [alloc("a", 10, None, A)], None, [("BW-004", "a")], id="mir-missing"),
        pytest.param(cap(100), [alloc("a", None, 10, A)], None, [("BW-004", "a")], id="cir-missing"),
        pytest.param(cap(100), [alloc("a", -5, 10, A)], None, [("BW-005", "a")], id="negative-cir"),
        pytest.param(cap(100), [alloc("a", 0, 0, A)], None, [("BW-005", "a"), ("BW-005", "a")], id="zero"),
        pytest.param(cap(100), [alloc("a", None, None, A)], None, [("BW-006", "a")], id="lan-no-allocation"),
        pytest.param(cap(100), [alloc("a", None, None)], None, [], id="no-lan-no-allocation-ok"),
        pytest.param(
            cap(100),
            [alloc("a", 10, 20, A)],
            [Skpd(slug="a", lan_prefixes=(A,)), Skpd(slug="b", lan_prefixes=(B,))],
            [("BW-006", "b")],
            id="registry-lan-no-allocation",
        ),
        pytest.param(cap(100), [alloc("x", 10, 20, A)], [], [("BW-007", "x")], id="unknown-skpd"),
        pytest.param(cap(), [alloc("a", 10, 20, A)], None, [("BW-008", None)], id="no-circuit"),
        pytest.param(
            cap(100), [alloc("a", 10, 20, A), alloc("a", 10, 20, A)], None, [("BW-009", "a")], id="duplicate"
        ),
        pytest.param(cap(100), [alloc("a", 10, 20)], None, [("BW-010", "a")], id="no-prefix"),
        pytest.param(
            cap(100),
            [alloc("a", 10, 20, A), alloc("b", 10, 20, A)],
            None,
            [("BW-011", "b")],
            id="shared-prefix",
        ),
    ],
)
def test_check(capacity, allocations, skpds, expected):
    plan = Plan(
        capacity=capacity, allocations=tuple(allocations), skpds=None if skpds is None else tuple(skpds)
    )
    got = check(plan)
    assert [(v.code, v.skpd) for v in got] == expected
    assert all(v.code in VIOLATION_CODES and v.message for v in got)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 25, 150])
@pytest.mark.parametrize("capacity", [cap(150), cap(300, 200), cap(2000), cap(157.5)])
@pytest.mark.parametrize("mir_factor", [None, 1.0, 2.5])
def test_propose_equal_always_passes_check(n, capacity, mir_factor):
    skpds = [Skpd(slug=f"s{i:03d}", lan_prefixes=(f"10.{20 + i // 250}.{i % 250}.0/24",)) for i in range(n)]
    proposal = propose(skpds, capacity, "equal", mir_factor=mir_factor)
    assert len(proposal) == n
    assert check(Plan(capacity=capacity, allocations=proposal)) == []
    cirs = [a.cir_mbps for a in proposal]
    assert max(cirs) - min(cirs) <= 1  # equal, to the whole Mbps
    assert sum(cirs) == int(capacity.total_mbps)


@pytest.mark.parametrize(
    ("weights", "expected_cir"),
    [
        ({"a": 1, "b": 1, "c": 2}, [25, 25, 50]),
        ({"a": 1000, "b": 1, "c": 1}, [98, 1, 1]),  # every SKPD keeps at least 1 Mbps
        ({"a": 0.5, "b": 0.25, "c": 0.25}, [50, 25, 25]),
    ],
)
def test_propose_weighted(weights, expected_cir):
    skpds = [Skpd(slug=s, lan_prefixes=(f"10.20.{i}.0/24",)) for i, s in enumerate("abc")]
    proposal = propose(skpds, cap(100), "weighted", weights)
    assert [a.cir_mbps for a in proposal] == expected_cir
    assert check(Plan(capacity=cap(100), allocations=proposal)) == []


def test_propose_skips_skpd_without_lan_and_refuses_impossible():
    skpds = [Skpd(slug="a", lan_prefixes=(A,)), Skpd(slug="nolan")]
    assert [a.slug for a in propose(skpds, cap(10))] == ["a"]
    many = [Skpd(slug=f"s{i}", lan_prefixes=(f"10.20.{i}.0/24",)) for i in range(5)]
    with pytest.raises(BandwidthError, match="cannot guarantee 1 Mbps"):
        propose(many, cap(4))
    with pytest.raises(BandwidthError, match="positive"):
        propose(many, cap(100), "weighted", {s.slug: 0 for s in many})


def test_plan_table_ratios(plan3):
    table = plan_table(plan3)
    assert table.capacity_mbps == 50
    assert [r.skpd for r in table.rows] == ["bappeda", "dinkes", "disdik"]
    assert table.cir_ratio == 0.9
    assert table.oversubscription == 2.3


def test_diff_only_changed_fields():
    old = [alloc("a", 10, 20, A), alloc("b", 5, 5, B)]
    new = [alloc("a", 10, 20, A), alloc("b", 5, 9, B)]
    assert [(c.skpd, c.field, c.old, c.new) for c in allocation_diff(old, new)] == [
        ("b", "bw_mir_mbps", 5, 9)
    ]
    assert allocation_diff(new, new) == []


def test_scale_keeps_ratios_and_check(plan3):
    big = Plan(
        capacity=cap(500),
        allocations=tuple(
            a.model_copy(update={"cir_mbps": a.cir_mbps * 10, "mir_mbps": a.mir_mbps * 10})
            for a in plan3.allocations
        ),
    )
    small, factor = scale(big, 100)
    assert factor == 0.2
    assert small.capacity.total_mbps == 100
    assert [a.cir_mbps for a in small.allocations] == [20, 30, 40]
    assert check(small) == check(big) == []
    assert scale(plan3, 100) == (plan3, 1.0)


@pytest.mark.parametrize(
    ("alone", "contended", "ok"),
    [
        (19.1, 5.0, True),
        (17.3, 5.0, True),  # 19.1 - 9.4 %
        (17.0, 5.0, False),  # alone more than 10 % under MIR x goodput
        (21.2, 5.0, False),  # alone over the ceiling: shaping is not working
        (19.1, 4.2, False),  # contended under CIR
        (None, 5.0, False),
    ],
)
def test_judge(alone, contended, ok):
    assert judge(alloc("a", 5, 20, A), 50, alone, contended).ok is ok


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"capacity": 100, "allocations": [{"slug": "a", "cir_mbps": "20Mbps"}]}, "allocations[0].cir_mbps"),
        ({"capacity": 100, "allocations": [{"slug": "a", "cir_mbps": "20"}]}, "allocations[0].cir_mbps"),
        ({"capacity": 100, "allocations": [{"slug": "a", "cir_mbps": True}]}, "allocations[0].cir_mbps"),
        (
            {"capacity": 100, "allocations": [{"slug": "a", "lan_prefixes": ["10.20.3.1/24"]}]},
            "allocations[0].lan_prefixes",
        ),
        ({"capacity": 100, "allocations": [{"slug": "a", "rate": 3}]}, "allocations[0].rate"),
        (
            {"capacity": {"circuits": [{"cid": "x", "provider": "p", "commit_mbps": -1}]}},
            "capacity.circuits[0].commit_mbps",
        ),
    ],
)
def test_plan_from_data_rejects_structurally_bad_input(data, field):
    with pytest.raises(InputError) as info:
        plan_from_data(data, "plan.yaml")
    assert info.value.field == field
    assert info.value.source == "plan.yaml"
