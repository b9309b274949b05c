"""Bootstrap and seed against a real NetBox 4.7: idempotent, complete, and nothing written on bad input.

Every test here stands on its own on a freshly reset NetBox (the seed is idempotent, so a NetBox
already holding the demo is fine too); the module seeds the demo once through the real CLI.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pynetbox
import pytest

pytestmark = [pytest.mark.netbox, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def _fresh_netbox(request: pytest.FixtureRequest) -> None:
    """The suite's lab NetBox starts this module freshly migrated, so the first seed really creates."""
    if not os.environ.get("SIMPUL_TEST_NETBOX_URL"):
        request.getfixturevalue("netbox_empty")


@pytest.fixture(scope="module")
def seeded_twice(cli: Any, netbox_url: str, netbox_token: str) -> tuple[dict[str, int], dict[str, int]]:
    """``simpul netbox seed --demo --json`` run twice: (first counts, second counts)."""
    run = cli
    results = []
    for _ in range(2):
        out = run("netbox", "seed", "--demo", "--json", url=netbox_url, token=netbox_token)
        assert out.returncode == 0, out.stderr
        results.append(json.loads(out.stdout))
    return results[0], results[1]


def test_bootstrap_twice_changes_nothing_the_second_time(nb_cli: Any, nb: pynetbox.api) -> None:
    first = nb_cli("netbox", "bootstrap", "--json")
    second = nb_cli("netbox", "bootstrap", "--json")
    assert set(first) == {"created", "updated", "unchanged"}
    assert second["created"] == second["updated"] == 0
    assert second["unchanged"] == first["created"] + first["updated"] + first["unchanged"] >= 26
    fields = {cf.name: cf.type.value for cf in nb.extras.custom_fields.all()}
    assert fields == fields | {
        "skpd_mandiri_tik": "boolean",
        "bw_cir_mbps": "integer",
        "bw_mir_mbps": "integer",
        "lan_diagram_date": "date",
        "backup_policy": "text",
    }
    assert nb.extras.custom_fields.get(name="bw_mir_mbps").validation_minimum == 0
    assert nb.tenancy.tenant_groups.get(slug="skpd") is not None
    roles = {r.slug: r.color for r in nb.dcim.device_roles.all()}
    assert {"core-router", "distribution", "skpd-edge", "access-switch", "server"} <= set(roles)
    assert all(roles[r] for r in roles)
    ios = nb.dcim.platforms.get(slug="cisco_ios")
    assert "napalm: ios" in ios.description
    context = nb.extras.config_contexts.get(name="simpul-platform-cisco_ios")
    assert context.data["simpul_platform"]["napalm_driver"] == "ios"
    assert {t.slug for t in nb.extras.tags.all()} >= {"simpul", "jaringan-intra", "simpul-backup"}
    assert nb.ipam.roles.get(slug="vps") is not None


def test_seed_demo_twice_creates_and_updates_nothing_the_second_time(seeded_twice: Any) -> None:
    first, second = seeded_twice
    assert second["created"] == second["updated"] == 0
    assert second["unchanged"] == first["created"] + first["updated"] + first["unchanged"]
    assert second["unchanged"] > 700


def test_demo_is_in_netbox(seeded_twice: Any, nb: pynetbox.api) -> None:
    from simpul.netbox.seed import load_demo

    demo = {t.slug for t in load_demo().tenants}  # other tests may add their own SKPD
    tenants = [t for t in nb.tenancy.tenants.filter(group="skpd") if t.slug in demo]
    assert len(tenants) == len(demo) >= 25
    devices = list(nb.dcim.devices.all())
    assert len(devices) >= 75
    assert set(Counter(d.platform.slug for d in devices)) == {
        "cisco_ios",
        "arista_eos",
        "mikrotik_routeros",
        "linux",
    }
    assert nb.dcim.cables.count() >= 75
    circuits = {c.cid: c.commit_rate for c in nb.circuits.circuits.all()}
    assert circuits == {"TLK-SKD-001": 300000, "LA-SKD-001": 200000}
    cir = sum(t.custom_fields["bw_cir_mbps"] for t in tenants)
    assert cir <= sum(circuits.values()) // 1000
    vlans = {(v.site.slug, v.vid) for v in nb.ipam.vlans.all() if v.site}
    lans = {p.tenant.slug for p in nb.ipam.prefixes.filter(mask_length=24) if p.tenant and p.vlan}
    for t in tenants:
        assert lans >= {t.slug}, t.slug
        assert any(site == t.slug for site, _ in vlans), t.slug
    vms = list(nb.virtualization.virtual_machines.filter(cluster="pusat-data-kvm"))
    assert len(vms) >= 5 and all(vm.tenant is not None for vm in vms)
    mandiri = {t.slug for t in tenants if t.custom_fields["skpd_mandiri_tik"]}
    assert 4 <= len(mandiri) <= 6 and not {vm.tenant.slug for vm in vms} & mandiri


def test_pusat_data_as_simpul_vps_reads_it(seeded_twice: Any, netbox_url: str, netbox_token: str) -> None:
    """The cluster, its capacity, the VPS prefix, quotas and each VPS's facts, read by simpul vps's own
    NetBox layer: what `simpul vps list/apply` will see."""
    from simpul.netbox import vps as nbvps
    from simpul.netbox.client import connect, get_all
    from simpul.settings import load_settings

    api = connect(
        load_settings(env={"NETBOX_URL": netbox_url, "NETBOX_TOKEN": netbox_token}, settings_file=False)
    )
    pd = nbvps.pusat_data(api)
    assert (pd.cluster, pd.provider, pd.prefix) == ("pusat-data-kvm", "libvirt", "10.40.0.0/24")
    assert pd.capacity is not None and pd.capacity.vcpus == 128 and pd.capacity.cpu_ratio == 4.0
    specs = {s.name: s for s in nbvps.desired(api, pd)}
    setwan = specs["vps-setwan-01"]
    assert (setwan.status, setwan.image, setwan.ip, setwan.gateway) == (
        "planned",
        "debian-12",
        "10.40.0.10/24",
        "10.40.0.1",
    )
    assert setwan.ssh_keys and setwan.ssh_keys[0].startswith("ssh-ed25519 ")
    assert sorted({s.status for s in specs.values()}) == ["planned", "staged"]
    assert nbvps.skpd(api, "setwan").quota.vms == 2
    assert nbvps.skpd(api, "disdik").quota.unset, "a Mandiri TIK SKPD has its own servers"
    hosts = {d["name"] for d in get_all(api, "dcim/devices", [("cluster_id", str(pd.cluster_id))], "name")}
    assert hosts == {f"kvm-pusat-data-0{i}" for i in range(1, 5)}


def test_disdik_and_dinkes_as_the_lab_expects(seeded_twice: Any, nb: pynetbox.api) -> None:
    rtr = nb.dcim.devices.get(name="rtr-disdik")
    assert (rtr.platform.slug, rtr.device_type.model, rtr.primary_ip4.address) == (
        "mikrotik_routeros",
        "RB4011",
        "10.20.3.1/24",
    )
    assert (rtr.tenant.slug, rtr.site.slug, rtr.role.slug) == ("disdik", "disdik", "skpd-edge")
    ether2 = nb.dcim.interfaces.get(device="rtr-disdik", name="ether2")
    peer = ether2.link_peers[0]
    assert (peer.device.name, peer.name) == ("sw-disdik-01", "ether1")
    assert nb.dcim.devices.get(name="sw-disdik-01").primary_ip4.address == "10.20.3.2/24"
    vlan = nb.ipam.vlans.get(vid=30, site="disdik")
    assert vlan.name == "Disdik-Staf"
    prefix = nb.ipam.prefixes.get(prefix="10.20.3.0/24")
    assert prefix.vlan.id == vlan.id and prefix.tenant.slug == "disdik" and prefix.scope.slug == "disdik"
    gi01 = nb.dcim.interfaces.get(device="rtr-dinkes", name="GigabitEthernet0/1")
    peer = gi01.link_peers[0]
    assert (peer.device.name, peer.name) == ("sw-dinkes-01", "GigabitEthernet0/1")
    assert peer.device.platform.slug == "cisco_ios"
    uplink = nb.dcim.interfaces.get(device="rtr-dinkes", name="GigabitEthernet0/0")
    assert uplink.link_peers[0].device.name.startswith("dist-diskominfo-")
    p2p = nb.ipam.prefixes.get(prefix="10.30.0.6/31")
    assert p2p.tenant.slug == "disdik"
    core_gi01 = nb.dcim.interfaces.get(device="core-diskominfo-01", name="GigabitEthernet0/1")
    assert core_gi01.link_peers_type == "circuits.circuittermination"
    assert core_gi01.link_peers[0].circuit.cid == "TLK-SKD-001"
    dinkes = nb.tenancy.tenants.get(slug="dinkes")
    assert dinkes.custom_fields["lan_diagram_date"] == "2025-06-10"
    assert dinkes.custom_fields["backup_policy"] == "mandiri-tik"


def test_only_what_differs_is_updated(seeded_twice: Any, nb: pynetbox.api, nb_cli: Any) -> None:
    dinkes = nb.tenancy.tenants.get(slug="dinkes")
    dinkes.custom_fields["bw_cir_mbps"] = 99
    dinkes.save()
    sw = nb.dcim.devices.get(name="sw-disdik-01")
    sw.description = "diubah tangan"
    sw.save()
    again = nb_cli("netbox", "seed", "--demo", "--json")
    assert (again["created"], again["updated"]) == (0, 2)
    assert nb.tenancy.tenants.get(slug="dinkes").custom_fields["bw_cir_mbps"] == 25
    assert nb.dcim.devices.get(name="sw-disdik-01").description == ""
    assert nb_cli("netbox", "seed", "--demo", "--json")["updated"] == 0


BAD_REFERENCE = """\
version: 1
region: {name: Kabupaten Uji, slug: kabupaten-uji}
sites:
  - {slug: uji-dinas, name: Kantor Dinas Uji, tenant: uji-dinas}
tenants:
  - {slug: uji-dinas, name: Dinas Uji}
device_types:
  - {slug: uji-rb4011, model: RB4011, manufacturer: mikrotik}
devices:
  - name: uji-rtr-dinas
    role: skpd-edge
    platform: mikrotik_routeros
    site: uji-dinas
    device_type: uji-rb4011
    interfaces: [{name: ether1}]
cables:
  - a: {device: uji-rtr-dinas, interface: ether1}
    b: {device: uji-rtr-dinas, interface: ether7}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BAD_REFERENCE, "uji.yaml:18: cables[0].b.interface: unknown interface of uji-rtr-dinas: 'ether7'"),
        (
            BAD_REFERENCE.replace("platform: mikrotik_routeros", "platform: routeros"),
            "uji.yaml:12: devices[0].platform: unknown platform 'routeros'",
        ),
        (BAD_REFERENCE.replace("tenant: uji-dinas}", "tenant: uji}"), "uji.yaml:4: sites[0].tenant"),
    ],
    ids=["cable-to-unknown-interface", "unknown-platform", "unknown-tenant"],
)
def test_a_bad_file_writes_nothing(
    tmp_path: Path, cli: Any, netbox_url: str, netbox_token: str, changes: Any, text: str, expected: str
) -> None:
    run = cli
    (tmp_path / "uji.yaml").write_text(text)
    before = changes()
    out = run("netbox", "seed", "uji.yaml", url=netbox_url, token=netbox_token, cwd=tmp_path)
    assert out.returncode == 2
    assert expected in out.stderr, out.stderr
    assert changes() == before


def test_a_users_own_regency_file(
    tmp_path: Path, cli: Any, netbox_url: str, netbox_token: str, nb: Any
) -> None:
    """The same upsert serves a Pemda's own file: created once, then nothing changes."""
    run = cli

    good = BAD_REFERENCE.replace("ether7", "ether2").replace(
        "interfaces: [{name: ether1}]", "interfaces: [{name: ether1}, {name: ether2}]"
    )
    (tmp_path / "uji.yaml").write_text(good)
    first = run("netbox", "seed", "uji.yaml", "--json", url=netbox_url, token=netbox_token, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = run("netbox", "seed", "uji.yaml", "--json", url=netbox_url, token=netbox_token, cwd=tmp_path)
    counts = json.loads(second.stdout)
    assert counts["created"] == counts["updated"] == 0
    itf = nb.dcim.interfaces.get(device="uji-rtr-dinas", name="ether1")
    assert itf.link_peers[0].name == "ether2"
    assert nb.tenancy.tenants.get(slug="uji-dinas").group.slug == "skpd"
