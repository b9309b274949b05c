"""The demo regency file holds what docs/demo-regency.md promises (no NetBox needed)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections import Counter

import pytest

from simpul.netbox import _make_demo
from simpul.netbox.seed import SeedFile, load_demo, scaled_regency, validate_seed
from simpul.settings import PROJECT_DIR as ROOT


@pytest.fixture(scope="module")
def demo() -> SeedFile:
    return load_demo()


def _device(demo: SeedFile, name: str):  # type: ignore[no-untyped-def]
    return next(d for d in demo.devices if d.name == name)


def _cable_between(demo: SeedFile, a: tuple[str, str], b: tuple[str, str]) -> bool:
    for c in demo.cables:
        ends = {(c.a.device, c.a.interface), (c.b.device, c.b.interface)}
        if ends == {a, b}:
            return True
    return False


def test_the_file_is_what_the_generator_writes() -> None:
    assert _make_demo.main(["--check"]) == 0, "run: python -m simpul.netbox._make_demo"


def test_size_and_platforms(demo: SeedFile) -> None:
    assert demo.region.slug == "kabupaten-sekadau"
    assert len(demo.tenants) >= 25
    assert len(demo.devices) >= 75
    platforms = Counter(d.platform for d in demo.devices)
    assert set(platforms) == {"cisco_ios", "arista_eos", "mikrotik_routeros", "linux"}
    edges = Counter(d.platform for d in demo.devices if d.role == "skpd-edge")
    assert edges["mikrotik_routeros"] > edges["cisco_ios"] >= 5
    assert edges["linux"] >= 3
    assert {s.slug for s in demo.sites} >= {"diskominfo", "pusat-data"}
    names = {t.slug: t.name for t in demo.tenants}
    assert names["disdik"] == "Dinas Pendidikan"
    assert names["dinkes"] == "Dinas Kesehatan"
    assert names["disdukcapil"] == "Dinas Kependudukan dan Pencatatan Sipil"


def test_every_skpd_has_edge_link_lan_and_vlan(demo: SeedFile) -> None:
    prefixes = {p.prefix: p for p in demo.prefixes}
    vlans = {(v.site, v.vid): v for v in demo.vlans}
    sites = {s.slug: s for s in demo.sites}
    for t in demo.tenants:
        lan = next(p for p in demo.prefixes if p.tenant == t.slug and p.vlan)
        n = ipaddress.ip_network(lan.prefix).network_address.packed[2]
        assert lan.prefix == f"10.20.{n}.0/24"
        assert sites[t.slug].tenant == t.slug
        assert vlans[(t.slug, n * 10)].name.endswith("-Staf")
        assert lan.vlan == n * 10 and lan.site == t.slug
        assert f"10.30.0.{2 * n}/31" in prefixes
        edge = _device(demo, f"rtr-{t.slug}")
        assert edge.role == "skpd-edge" and edge.tenant == t.slug and edge.site == t.slug
        assert edge.primary_ip4 == f"10.20.{n}.1/24"
        up, lan_port = edge.interfaces[0], edge.interfaces[1]
        assert up.name in ("ether1", "GigabitEthernet0/0", "eth0")
        assert up.ip == f"10.30.0.{2 * n + 1}/31"
        dist = next(c.a for c in demo.cables if (c.b.device, c.b.interface) == (edge.name, up.name))
        assert dist.device.startswith("dist-diskominfo-0")
        dist_itf = next(i for i in _device(demo, dist.device).interfaces if i.name == dist.interface)
        assert dist_itf.ip == f"10.30.0.{2 * n}/31"
        assert lan_port.untagged_vlan == n * 10


def test_disdik_matches_its_submitted_diagram(demo: SeedFile) -> None:
    rtr, sw = _device(demo, "rtr-disdik"), _device(demo, "sw-disdik-01")
    types = {d.slug: d.model for d in demo.device_types}
    assert (rtr.platform, types[rtr.device_type], rtr.primary_ip4) == (
        "mikrotik_routeros",
        "RB4011",
        "10.20.3.1/24",
    )
    assert (sw.platform, types[sw.device_type], sw.primary_ip4) == (
        "mikrotik_routeros",
        "CRS328-24P",
        "10.20.3.2/24",
    )
    assert _cable_between(demo, ("rtr-disdik", "ether2"), ("sw-disdik-01", "ether1"))
    assert any(v.vid == 30 and v.name == "Disdik-Staf" and v.site == "disdik" for v in demo.vlans)
    assert any(p.prefix == "10.20.3.0/24" and p.vlan == 30 for p in demo.prefixes)
    assert next(t for t in demo.tenants if t.slug == "disdik").skpd_mandiri_tik


def test_dinkes_is_cisco(demo: SeedFile) -> None:
    rtr, sw = _device(demo, "rtr-dinkes"), _device(demo, "sw-dinkes-01")
    assert rtr.platform == sw.platform == "cisco_ios"
    assert rtr.interfaces[0].name == "GigabitEthernet0/0"
    assert _cable_between(demo, ("rtr-dinkes", "GigabitEthernet0/1"), ("sw-dinkes-01", "GigabitEthernet0/1"))
    assert _device(demo, "rtr-dinsos").platform == "linux"


def test_bandwidth_fits_the_circuits(demo: SeedFile) -> None:
    capacity_mbps = sum(c.commit_rate for c in demo.circuits) // 1000
    assert {c.cid: c.commit_rate for c in demo.circuits} == {"TLK-SKD-001": 300000, "LA-SKD-001": 200000}
    assert capacity_mbps == 500
    assert all(t.bw_cir_mbps is not None and t.bw_mir_mbps is not None for t in demo.tenants)
    assert sum(t.bw_cir_mbps or 0 for t in demo.tenants) <= capacity_mbps
    assert all((t.bw_cir_mbps or 0) <= (t.bw_mir_mbps or 0) <= capacity_mbps for t in demo.tenants)
    for c in demo.circuits:
        assert c.termination is not None and c.termination.device == "core-diskominfo-01"


def test_mandiri_tik_skpd(demo: SeedFile) -> None:
    mandiri = [t for t in demo.tenants if t.skpd_mandiri_tik]
    assert 4 <= len(mandiri) <= 6
    assert {"disdik", "dinkes"} <= {t.slug for t in mandiri}
    switches = Counter(d.tenant for d in demo.devices if d.role == "access-switch" and d.tenant)
    assert set(switches) == {t.slug for t in mandiri}
    today = dt.date(2026, 11, 23)
    dates = [t.lan_diagram_date for t in mandiri if t.lan_diagram_date]
    assert dates and any(today - d > dt.timedelta(days=365) for d in dates)
    assert any(today - d < dt.timedelta(days=365) for d in dates)
    assert all(t.backup_policy for t in demo.tenants)


def test_pusat_data_vps_belong_to_non_mandiri_skpd(demo: SeedFile) -> None:
    mandiri = {t.slug for t in demo.tenants if t.skpd_mandiri_tik}
    vps_cluster = next(c for c in demo.clusters if "pusat-data" in c.tags)
    assert [c.name for c in demo.clusters if "pusat-data" in c.tags] == ["pusat-data-kvm"]
    assert vps_cluster.site == "pusat-data" and vps_cluster.type == "libvirt"
    vps = [vm for vm in demo.virtual_machines if vm.cluster == "pusat-data-kvm"]
    assert len(vps) >= 5
    prefix = next(p for p in demo.prefixes if p.role == "vps")
    assert prefix.prefix == "10.40.0.0/24" and prefix.site == "pusat-data"
    for vm in vps:
        assert vm.tenant and vm.tenant not in mandiri
        assert vm.name == f"vps-{vm.tenant}-01"
        assert vm.image == "debian-12" and len(vm.ssh_keys) == 1
        assert vm.ip and ipaddress.ip_interface(vm.ip) in ipaddress.ip_network(prefix.prefix)
        assert str(ipaddress.ip_interface(vm.ip).ip) != "10.40.0.1", "the gateway is never a VPS"
    # applying the demo boots at most one TCG guest: every other VPS is staged (defined, stopped)
    running = [vm.name for vm in vps if vm.status in ("planned", "active")]
    assert len(running) == 1 and all(vm.status == "staged" for vm in vps if vm.name not in running)


def test_vps_quota_and_capacity_hold_the_demo(demo: SeedFile) -> None:
    from simpul.core.vps import Capacity, Quota, Size, capacity_problems, quota_problems

    cluster = next(c for c in demo.clusters if c.name == "pusat-data-kvm")
    capacity = Capacity(
        vcpus=cluster.vps_capacity_vcpus or 0,
        memory_mb=cluster.vps_capacity_memory_mb or 0,
        disk_gb=cluster.vps_capacity_disk_gb or 0,
        cpu_ratio=cluster.vps_overcommit_cpu or 1.0,
        memory_ratio=cluster.vps_overcommit_memory or 1.0,
        disk_ratio=cluster.vps_overcommit_disk or 1.0,
    )
    vps = [vm for vm in demo.virtual_machines if vm.cluster == cluster.name]
    sizes = [Size(int(vm.vcpus or 0), vm.memory_mb or 0, vm.disk_gb or 0) for vm in vps]
    assert capacity_problems(capacity, sizes[1:], sizes[0]) == []
    hosts = [d.name for d in demo.devices if d.cluster == cluster.name]
    assert hosts == [f"kvm-pusat-data-0{i}" for i in range(1, 5)]
    tenants = {t.slug: t for t in demo.tenants}
    for vm, size in zip(vps, sizes, strict=True):
        t = tenants[str(vm.tenant)]
        quota = Quota(t.vps_quota_vms, t.vps_quota_vcpus, t.vps_quota_memory_mb, t.vps_quota_disk_gb)
        assert quota_problems(quota, [], size) == [], vm.name
    assert all(t.vps_quota_vms is None for t in demo.tenants if t.skpd_mandiri_tik)


def test_skpd_servers_are_what_the_data_backup_lab_serves(demo: SeedFile) -> None:
    from simpul.lab.data_backup import demo_estate

    servers = {vm.name: vm for vm in demo.virtual_machines if vm.cluster != "pusat-data-kvm" and vm.tenant}
    served = {s.name: s.skpd for skpd in demo_estate(rows=1, files=1) for s in skpd.servers}
    assert {name: vm.tenant for name, vm in servers.items()} == served
    policies = {t.slug: t.backup_policy for t in demo.tenants}
    for vm in servers.values():
        assert vm.role == "server" and "simpul-backup" in vm.tags and vm.status == "active"
        assert (ROOT / "backup_policies" / f"{policies[str(vm.tenant)]}.yaml").is_file()
    cluster = next(c for c in demo.clusters if c.name == next(iter(servers.values())).cluster)
    assert "pusat-data" not in cluster.tags, "simpul vps never manages an SKPD's own servers"


def test_management_addresses(demo: SeedFile) -> None:
    mgmt = ipaddress.ip_network("10.10.0.0/24")
    for d in demo.devices:
        if d.role in ("core-router", "distribution", "server"):
            assert d.primary_ip4 and ipaddress.ip_interface(d.primary_ip4) in mgmt, d.name


@pytest.mark.parametrize("n", [3, 10, 75, 500, 2000])
def test_scaled_regency_is_valid_with_exactly_n_devices(n: int) -> None:
    seed = validate_seed(scaled_regency(n))
    assert len(seed.devices) == n
    assert len(seed.cables) == n - 1  # a tree: every device but the core hangs on one cable
