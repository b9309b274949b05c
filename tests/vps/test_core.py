"""The pure VPS core: plans, refusals and drift as tables (no NetBox, no hypervisor)."""

from __future__ import annotations

import pytest

from simpul.core.vps import (
    Capacity,
    Quota,
    Size,
    VpsActual,
    VpsInputError,
    VpsRequest,
    VpsSpec,
    plan_one,
    reconcile,
    refusals,
    status_after,
    validate_request,
)

S = Size(1, 512, 10)


def spec(status: str = "active", size: Size = S, image: str | None = "debian-12") -> VpsSpec:
    return VpsSpec("vps-a", "disdik", status, size, image, 1, ip="10.40.0.5/24")  # type: ignore[arg-type]


def actual(power: str = "running", size: Size = S) -> VpsActual:
    return VpsActual("vps-a", "uuid-1", power, size, netbox_id=1)  # type: ignore[arg-type]


PLANS = [
    # (NetBox status, size in NetBox, hypervisor power or None, hypervisor size, action, power, refused)
    ("planned", S, None, S, "create", "start", False),
    ("active", S, None, S, "create", "start", False),
    ("staged", S, None, S, "create", None, False),
    ("offline", S, None, S, "create", None, False),
    ("decommissioning", S, None, S, "none", None, False),
    ("failed", S, None, S, "none", None, False),
    ("active", S, "running", S, "none", None, False),
    ("active", S, "stopped", S, "start", "start", False),
    ("offline", S, "running", S, "stop", "stop", False),
    ("staged", S, "stopped", S, "none", None, False),
    ("active", Size(2, 1024, 20), "running", S, "resize", None, False),
    ("active", Size(2, 512, 10), "stopped", S, "resize", "start", False),
    ("active", Size(1, 256, 10), "running", S, "resize", None, False),  # less memory: fine
    ("active", Size(1, 512, 5), "running", S, "resize", None, True),  # a smaller disk: never
    ("decommissioning", S, "running", S, "delete", None, False),
    ("failed", S, "running", S, "none", None, False),
]


@pytest.mark.parametrize(("status", "want", "power", "have", "action", "then", "refused"), PLANS)
def test_plan_table(
    status: str, want: Size, power: str | None, have: Size, action: str, then: str | None, refused: bool
) -> None:
    step = plan_one(spec(status, want), actual(power, have) if power else None, ["debian-12"])
    assert (step.action, step.power, step.refused) == (action, then, refused)


def test_unknown_image_and_missing_image_are_refused_in_the_plan() -> None:
    assert plan_one(spec(image="arch"), None, ["debian-12"]).refused
    assert "no image" in (plan_one(spec(image=None), None, ["debian-12"]).reason or "")


def test_a_second_plan_after_applying_is_empty() -> None:
    want = [spec("active", Size(2, 1024, 20))]
    assert reconcile(want, [actual("running", Size(2, 1024, 20))]).changes == ()


def test_status_after_create_is_active_only_from_planned() -> None:
    step = plan_one(spec("planned"), None, ["debian-12"])
    assert status_after(step) == "active"
    assert status_after(plan_one(spec("staged"), None, ["debian-12"])) is None


REQUESTS = [
    (Size(0, 512, 10), "vcpus"),
    (Size(-1, 512, 10), "vcpus"),
    (Size(1, 0, 10), "memory_mb"),
    (Size(1, -512, 10), "memory_mb"),
    (Size(1, 512, 0), "disk_gb"),
    (Size(65, 512, 10), "vcpus"),
]


@pytest.mark.parametrize(("size", "field"), REQUESTS)
def test_bad_sizes_name_their_field(size: Size, field: str) -> None:
    with pytest.raises(VpsInputError) as err:
        validate_request(VpsRequest("disdik", "vps-a", size, "debian-12"))
    assert err.value.field == field and err.value.exit_code == 2


def test_overcommit_lets_vcpus_exceed_the_cores() -> None:
    cap = Capacity(vcpus=4, memory_mb=8192, disk_gb=100, cpu_ratio=4.0)
    req = VpsRequest("disdik", "vps-a", Size(8, 1024, 10), "debian-12")
    ok = refusals(
        req, taken_names=[], quota=Quota(vcpus=100), skpd_used=[], capacity=cap, cluster_used=[Size(8, 0, 0)]
    )
    assert ok == []
    full = refusals(
        req, taken_names=[], quota=Quota(vcpus=100), skpd_used=[], capacity=cap, cluster_used=[Size(9, 0, 0)]
    )
    assert full == ["cluster capacity: vCPUs 17 > 16 (4 x 4.0)"]
