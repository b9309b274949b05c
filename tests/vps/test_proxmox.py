"""The Proxmox provider against fakepve.

Proxmox VE cannot be installed here (no KVM, no PVE kernel), so these tests drive ``fakepve``
0.5.0 (PyPI): a fake of the PVE 9 API, stateful for VMs, containers, tasks, pending changes and
faults, served on loopback over TLS. It is a FAKE: outside its modelled areas a write "succeeds"
and changes nothing (e.g. growing a QEMU disk), so what is asserted here is the API conversation
simpul has with PVE, not what a real node does with it. fakepve is AGPL-3.0: a test-only
dependency (``pip install fakepve==0.5.0``), never imported by simpul itself.
"""

from __future__ import annotations

import concurrent.futures
from typing import Any

import pytest

from simpul.core.vps import Size, VpsSpec
from simpul.providers.vps import HypervisorUnavailable, ProviderError

fakepve_plugin = pytest.importorskip(
    "fakepve.pytest_plugin", reason="pip install fakepve==0.5.0 (tests only)"
)
pytest.importorskip("proxmoxer")

BASE = 100000
SMALL = Size(1, 512, 4)
LXC_TEMPLATE = "debian-12-standard_12.7-1_amd64.tar.zst"


@pytest.fixture()
def pve(fakepve: Any) -> Any:
    """A fresh fake node with a QEMU template ``debian-12`` and an LXC template."""
    fakepve.add_vm(
        9000,
        "debian-12",
        template=True,
        config={
            "template": 1,
            "scsi0": "local-lvm:base-9000-disk-0,size=2G",
            "memory": 512,
            "cores": 1,
            "ide2": "local-lvm:cloudinit,media=cdrom",
        },
    )
    fakepve.store_file("local", LXC_TEMPLATE, 100 * 1024**2, content="vztmpl")
    return fakepve


@pytest.fixture()
def pve_env(pve: Any, fakepve_cafile: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "SIMPUL_PROXMOX_URL": pve.url,
        "SIMPUL_PROXMOX_USER": "root@pam",
        "SIMPUL_PROXMOX_PASSWORD": "secret",
        "SIMPUL_PROXMOX_VERIFY": fakepve_cafile,
        "SIMPUL_PROXMOX_VMID_BASE": str(BASE),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


def _provider() -> Any:
    from simpul.providers.proxmox import ProxmoxProvider

    return ProxmoxProvider.from_settings(None)


def _spec(i: int, image: str = "debian-12", size: Size = SMALL) -> VpsSpec:
    return VpsSpec(
        f"vps-pve-{i:02d}",
        "disdik",
        "active",
        size,
        image,
        i,
        ip=f"10.40.0.{10 + i}/24",
        gateway="10.40.0.1",
        ssh_keys=("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE ops",),
    )


def test_images_are_templates_and_container_templates(pve_env: dict[str, str]) -> None:
    assert _provider().images() == ["debian-12", "lxc/debian-12-standard_12.7-1_amd64"]


def test_qemu_lifecycle(pve: Any, pve_env: dict[str, str]) -> None:
    p = _provider()
    spec = _spec(7)
    assert p.create(spec) == f"qemu/{BASE + 7}"
    vm = pve.vm(BASE + 7)
    assert vm.name == spec.name and vm.status == "stopped"
    assert vm.config["cores"] in (1, "1") and str(vm.config["memory"]) == "512"
    assert vm.config["ipconfig0"] == "ip=10.40.0.17/24,gw=10.40.0.1" and vm.config["ciuser"] == "admin"
    actual = {a.name: a for a in p.actual()}[spec.name]
    assert actual.netbox_id == 7 and actual.power == "stopped"
    p.start(actual)
    actual = {a.name: a for a in p.actual()}[spec.name]
    assert actual.power == "running"
    resized = p.resize(actual, Size(2, 1024, actual.size.disk_gb))
    after = {a.name: a for a in p.actual()}[spec.name]
    assert (after.size.vcpus, after.size.memory_mb) == (2, 1024), "the next start's size"
    assert resized.live or resized.note  # live where PVE hot-plugs, else pending until the next start
    with pytest.raises(ProviderError, match="shrink"):
        p.resize(after, Size(2, 1024, 1))
    p.stop(after)
    assert pve.vm(BASE + 7).status == "stopped"
    kept = p.delete(after, purge=False)
    assert kept and "retired" in kept
    assert spec.name not in {a.name for a in p.actual()}, "a retired VM is not a VPS any more"
    assert pve.vm(BASE + 7) is not None, "its disk is kept (the VM stays, stopped and tagged)"
    assert p.expire(grace_days=0) == [f"qemu/{BASE + 7}"]
    assert pve.vm(BASE + 7) is None


def test_lxc_lifecycle_grows_the_disk(pve: Any, pve_env: dict[str, str]) -> None:
    p = _provider()
    spec = _spec(8, image="lxc/debian-12-standard_12.7-1_amd64")
    assert p.create(spec) == f"lxc/{BASE + 8}"
    actual = {a.name: a for a in p.actual()}[spec.name]
    assert actual.size == Size(1, 512, 4)
    p.resize(actual, Size(1, 512, 8))
    assert {a.name: a for a in p.actual()}[spec.name].size.disk_gb == 8
    p.delete(actual, purge=True)
    assert spec.name not in {a.name for a in p.actual()}


def test_vmids_come_from_netbox_ids_so_parallel_creates_never_collide(
    pve: Any, pve_env: dict[str, str]
) -> None:
    """10 VPS created at once (one provider each, as 10 simpul processes would): no "next free id"
    race, no lock failure; each VMID is the base plus the VPS's NetBox id."""
    specs = [_spec(20 + i) for i in range(10)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(lambda s: _provider().create(s), specs))
    assert ids == [f"qemu/{BASE + 20 + i}" for i in range(10)]
    assert sorted(a.netbox_id for a in _provider().actual() if a.netbox_id) == [20 + i for i in range(10)]


def test_a_vmid_held_by_another_vm_is_a_clear_failure(pve: Any, pve_env: dict[str, str]) -> None:
    pve.add_vm(BASE + 5, "someone-elses-vm")
    with pytest.raises(ProviderError, match=r"VMID 100005 .* is held by 'someone-elses-vm'"):
        _provider().create(_spec(5))


def test_proxmox_down_or_wrong_password_is_a_clear_error(pve_env: dict[str, str], monkeypatch: Any) -> None:
    monkeypatch.setenv("SIMPUL_PROXMOX_PASSWORD", "wrong")
    with pytest.raises(HypervisorUnavailable, match="cannot be used"):
        _provider()
    monkeypatch.setenv("SIMPUL_PROXMOX_URL", "https://127.0.0.1:1")
    with pytest.raises(HypervisorUnavailable, match="cannot be used"):
        _provider()


@pytest.mark.netbox
def test_request_and_apply_on_a_proxmox_cluster(
    netbox_seeded: Any, pve: Any, pve_env: dict[str, str]
) -> None:
    """The cluster's type picks the provider: the same commands drive Proxmox."""
    from tests.vps.conftest import prepare_pusat_data, vps_env, vps_json

    prepare_pusat_data(netbox_seeded)
    api = netbox_seeded.api()
    ctype = api.virtualization.cluster_types.get(slug="proxmox") or api.virtualization.cluster_types.create(
        name="Proxmox VE", slug="proxmox"
    )
    site = api.dcim.sites.get(slug="pusat-data")
    if api.virtualization.clusters.get(name="pusat-data-pve") is None:
        api.virtualization.clusters.create(
            name="pusat-data-pve",
            type=ctype.id,
            scope_type="dcim.site",
            scope_id=site.id,
            custom_fields={
                "vps_capacity_vcpus": 8,
                "vps_capacity_memory_mb": 16384,
                "vps_capacity_disk_gb": 500,
            },
        )
    env = {**vps_env(netbox_seeded), **pve_env}
    code, req = vps_json(
        "request",
        "--cluster",
        "pusat-data-pve",
        "--skpd",
        "vpsb",
        "--name",
        "vps-pve-web",
        "--vcpus",
        "2",
        "--memory-mb",
        "1024",
        "--disk-gb",
        "2",
        env=env,
    )
    assert code == 0, req
    code, out = vps_json("apply", "--cluster", "pusat-data-pve", "--commit", env=env)
    assert code == 0, out
    assert out["vms"]["vps-pve-web"] == {"action": "create", "result": "applied", "reason": None}
    vmid = BASE + req["id"]
    assert pve.vm(vmid).status == "running"
    vm = api.virtualization.virtual_machines.get(name="vps-pve-web")
    assert vm.custom_fields["vps_provider_id"] == f"qemu/{vmid}" and vm.status.value == "active"
    code, out = vps_json("apply", "--cluster", "pusat-data-pve", "--commit", env=env)
    assert code == 0 and out["vms"]["vps-pve-web"]["action"] == "none"
