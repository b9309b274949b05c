"""``simpul vps apply`` and ``list`` against a real NetBox and a real libvirtd (QEMU TCG).

Define/start/resize/destroy only: no test here waits for a guest to boot (test_boot.py does, once).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simpul.core.vps import Size, VpsSpec
from tests.vps.conftest import VpsLab, netbox_counts, prepare_pusat_data, vps, vps_env, vps_json, vps_name

pytestmark = [pytest.mark.netbox]


@pytest.fixture(scope="module")
def env(netbox_seeded: Any, vps_lab: VpsLab) -> dict[str, str]:
    prepare_pusat_data(netbox_seeded)
    return vps_env(netbox_seeded, vps_lab)


def _request(
    env: dict[str, str],
    skpd: str,
    suffix: str,
    vcpus: int = 1,
    memory: int = 256,
    disk: int = 4,
    image: str = "debian-12",
) -> str:
    name = vps_name(suffix)
    code, out = vps_json(
        "request",
        "--skpd",
        skpd,
        "--name",
        name,
        "--vcpus",
        str(vcpus),
        "--memory-mb",
        str(memory),
        "--disk-gb",
        str(disk),
        "--image",
        image,
        env=env,
    )
    assert code == 0, out
    return name


def _vm(netbox: Any, name: str) -> Any:
    return netbox.api().virtualization.virtual_machines.get(name=name)


def _set(netbox: Any, name: str, **fields: Any) -> None:
    _vm(netbox, name).update(fields)


def _journal(netbox: Any, name: str) -> list[str]:
    vm = _vm(netbox, name)
    return [j.comments for j in netbox.api().extras.journal_entries.filter(assigned_object_id=vm.id)]


def test_plan_then_commit_then_nothing(env: dict[str, str], netbox_seeded: Any, vps_lab: VpsLab) -> None:
    run = _request(env, "vpsa", "run")
    staged = _request(env, "vpsa", "stg")
    _set(netbox_seeded, staged, status="staged")
    before, domains = netbox_counts(netbox_seeded.api()), vps_lab.domains()

    code, plan = vps_json("apply", "--skpd", "vpsa", env=env)
    assert code == 0
    assert plan == {
        "vms": {
            run: {"action": "create", "result": "unchanged", "reason": None},
            staged: {"action": "create", "result": "unchanged", "reason": None},
        }
    }
    assert vps_lab.domains() == domains, "a plan changes nothing on the hypervisor"
    assert netbox_counts(netbox_seeded.api()) == before, "... nor in NetBox"

    code, done = vps_json("apply", "--skpd", "vpsa", "--commit", env=env)
    assert code == 0, done
    assert done["vms"][run] == {"action": "create", "result": "applied", "reason": None}
    assert done["vms"][staged] == {"action": "create", "result": "applied", "reason": None}
    assert vps_lab.domains() == {**domains, run: "running", staged: "shut off"}
    vm = _vm(netbox_seeded, run)
    assert vm.status.value == "active", "planned -> active once it runs"
    assert _vm(netbox_seeded, staged).status.value == "staged"
    assert len(vm.custom_fields["vps_provider_id"]) == 36  # the domain's UUID
    assert any("simpul vps apply: create" in text for text in _journal(netbox_seeded, run))

    code, again = vps_json("apply", "--skpd", "vpsa", "--commit", env=env)
    assert code == 0
    assert {v["action"] for v in again["vms"].values()} == {"none"}
    assert {v["result"] for v in again["vms"].values()} == {"unchanged"}


def test_resize_live_stop_start(env: dict[str, str], netbox_seeded: Any, vps_lab: VpsLab) -> None:
    name = _request(env, "vpsb", "rsz")
    assert vps_json("apply", "--name", name, "--commit", env=env)[0] == 0
    _set(netbox_seeded, name, vcpus=2, memory=384, disk=6000)
    code, out = vps_json("apply", "--name", name, "--commit", env=env)
    assert code == 0 and out["vms"][name]["action"] == "resize" and out["vms"][name]["result"] == "applied"
    actual = {a.name: a for a in vps_lab.provider().actual()}[name]
    assert actual.size == Size(2, 384, 6) and actual.power == "running"

    _set(netbox_seeded, name, status="offline")
    code, out = vps_json("apply", "--name", name, "--commit", env=env)
    assert (code, out["vms"][name]["action"]) == (0, "stop")
    assert vps_lab.domains()[name] == "shut off"
    _set(netbox_seeded, name, status="active", vcpus=3)
    code, out = vps_json("apply", "--name", name, "--commit", env=env)
    assert (code, out["vms"][name]["action"], out["vms"][name]["result"]) == (0, "resize", "applied")
    assert vps_lab.domains()[name] == "running"
    assert vps_json("apply", "--name", name, env=env)[1]["vms"][name]["action"] == "none"


def test_shrink_and_unknown_image_are_refused_and_nothing_changes(
    env: dict[str, str], netbox_seeded: Any, vps_lab: VpsLab
) -> None:
    name = _request(env, "vpsc", "shr", disk=5)
    assert vps_json("apply", "--name", name, "--commit", env=env)[0] == 0
    _set(netbox_seeded, name, disk=3000)
    before = netbox_counts(netbox_seeded.api())
    code, out = vps_json("apply", "--name", name, "--commit", env=env)
    assert code == 2
    assert out["vms"][name]["result"] == "failed"
    assert "disk shrink refused: 5 GB -> 3 GB" in out["vms"][name]["reason"]
    assert {a.name: a for a in vps_lab.provider().actual()}[name].size.disk_gb == 5
    assert netbox_counts(netbox_seeded.api()) == before

    other = _request(env, "vpsc", "img")
    _vm(netbox_seeded, other).update({"custom_fields": {"vps_image": "windows-2022"}})
    before = netbox_counts(netbox_seeded.api())
    code, out = vps_json("apply", "--name", other, "--commit", env=env)
    assert code == 2 and "unknown image 'windows-2022'" in out["vms"][other]["reason"]
    assert other not in vps_lab.domains()
    assert netbox_counts(netbox_seeded.api()) == before


def test_decommission_keeps_the_disk_frees_the_ip_and_purge_removes_it(
    env: dict[str, str], netbox_seeded: Any, vps_lab: VpsLab
) -> None:
    keep, purge = _request(env, "vpsd", "old"), _request(env, "vpsd", "gone")
    assert vps_json("apply", "--skpd", "vpsd", "--commit", env=env)[0] == 0
    ips = {n: _vm(netbox_seeded, n).primary_ip4.address for n in (keep, purge)}
    for n in (keep, purge):
        _set(netbox_seeded, n, status="decommissioning")
    code, out = vps_json("apply", "--name", keep, "--commit", env=env)
    assert (code, out["vms"][keep]["action"], out["vms"][keep]["result"]) == (0, "delete", "applied")
    code, out = vps_json("apply", "--name", purge, "--commit", "--purge", env=env)
    assert (code, out["vms"][purge]["result"]) == (0, "applied")
    assert keep not in vps_lab.domains() and purge not in vps_lab.domains()
    retired = [p.name for p in (vps_lab.disk_dir / "retired").iterdir()]
    assert any(p.startswith(f"{keep}-") for p in retired)
    assert not any(p.startswith(f"{purge}-") for p in retired)
    assert not list(vps_lab.disk_dir.glob(f"{purge}-*"))
    api = netbox_seeded.api()
    for n in (keep, purge):
        vm = _vm(netbox_seeded, n)
        assert vm.primary_ip4 is None and vm.custom_fields["vps_provider_id"] is None
        assert api.ipam.ip_addresses.get(address=ips[n]) is None, "the address is free again"
    assert any("disk kept at" in t and "freed" in t for t in _journal(netbox_seeded, keep))
    assert vps_json("apply", "--skpd", "vpsd", "--commit", env=env)[1]["vms"][keep]["action"] == "none"


def test_one_failing_vps_never_stops_the_others(
    env: dict[str, str], netbox_seeded: Any, vps_lab: VpsLab
) -> None:
    """A VPS whose image cannot boot fails mid-create (defined, then QEMU refuses to start): the
    partial VM is removed, NetBox marks it failed with the reason; the other VPS is created."""
    bad = _request(env, "vpsa", "brk", image="broken")
    good = _request(env, "vpsa", "ok")
    code, out = vps_json("apply", "--skpd", "vpsa", "--commit", env=env)
    assert code == 1
    assert out["vms"][bad]["result"] == "failed" and "start failed" in out["vms"][bad]["reason"]
    assert out["vms"][good] == {"action": "create", "result": "applied", "reason": None}
    assert bad not in vps_lab.domains(), "the partial VM is cleaned up"
    assert not list(vps_lab.disk_dir.glob(f"{bad}-*"))
    assert _vm(netbox_seeded, bad).status.value == "failed"
    assert any("create failed" in t for t in _journal(netbox_seeded, bad))
    code, out = vps_json("apply", "--name", bad, env=env)
    assert code == 0 and out["vms"][bad]["action"] == "none" and "status failed" in out["vms"][bad]["reason"]


def test_hypervisor_down_is_a_clear_error(env: dict[str, str], netbox_seeded: Any, tmp_path: Path) -> None:
    down = {**env, "SIMPUL_LIBVIRT_URI": f"qemu+unix:///system?socket={tmp_path}/none"}
    before = netbox_counts(netbox_seeded.api())
    for args in (["apply", "--commit"], ["list"]):
        out = vps(*args, env=down)
        assert out.returncode == 2 and "E9101" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert netbox_counts(netbox_seeded.api()) == before


def test_list_shows_drift(env: dict[str, str], netbox_seeded: Any, vps_lab: VpsLab) -> None:
    gone = _request(env, "vpsc", "lgone")
    sized = _request(env, "vpsc", "lsize")
    code, out = vps_json("apply", "--skpd", "vpsc", "--commit", env=env)
    assert code in (0, 2), out  # 2: vpsc also holds the refused VPS of the test above
    provider = vps_lab.provider()
    nobody = VpsSpec(vps_name("nobody"), None, "active", Size(1, 128, 1), "debian-12", 999_999)
    provider.create(nobody)  # a VM made behind NetBox's back
    provider.delete({a.name: a for a in provider.actual()}[gone], purge=True)  # and one removed behind it
    _set(netbox_seeded, sized, memory=512)
    code, out = vps_json("list", env=env)
    assert code == 1
    kinds = {(d["name"], d["kind"]) for d in out["drift"]}
    assert {(nobody.name, "unrecorded"), (gone, "missing"), (sized, "size")} <= kinds
    row = next(r for r in out["vms"] if r["name"] == sized)
    assert row["netbox"]["memory_mb"] == 512 and row["hypervisor"]["memory_mb"] == 256
    text = vps("list", env=env)
    assert text.returncode == 1 and "unrecorded" in text.stdout
    plan = vps_json("apply", env=env)[1]["vms"]
    assert plan[nobody.name]["action"] == "none", "an unrecorded VM is reported, never deleted"
