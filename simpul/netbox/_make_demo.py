"""Regenerate ``simpul/netbox/demo_regency.yaml`` (Kabupaten Sekadau). The YAML file is the source.

    .venv/bin/python -m simpul.netbox._make_demo            # rewrite the file
    .venv/bin/python -m simpul.netbox._make_demo --check    # exit 1 if the file is not what this writes

Conventions (docs/demo-regency.md): SKPD number n -> LAN 10.20.<n>.0/24, VLAN n*10 ``<Skpd>-Staf``,
edge .1 and switches .2, .3, ...; Jaringan Intra p2p 10.30.0.<2n>/31 (distribution .2n, edge .2n+1);
management 10.10.0.0/24; circuits TLK-SKD-001 (Telkom, 300 Mbps) and LA-SKD-001 (Lintasarta, 200 Mbps);
Pusat Data: VPS 10.40.0.0/24 (gateway .1, VPS from .10), SKPD servers 10.40.1.0/24 (from .10).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

OUT = Path(__file__).with_name("demo_regency.yaml")


@dataclass(frozen=True)
class Skpd:
    n: int
    slug: str
    name: str
    edge: str = "mikrotik"  # mikrotik | cisco | linux
    cir: int = 10
    mir: int = 30
    mandiri: bool = False
    switches: int = 0
    diagram: dt.date | None = None
    policy: str = "standar"
    vps: bool = False


SKPD: tuple[Skpd, ...] = (
    Skpd(1, "setda", "Sekretariat Daerah", "cisco", 20, 60, vps=False),
    Skpd(2, "setwan", "Sekretariat DPRD", "cisco", 10, 40, vps=True),
    Skpd(3, "disdik", "Dinas Pendidikan", "mikrotik", 25, 100, True, 1, dt.date(2026, 9, 15), "mandiri-tik"),
    Skpd(4, "dinkes", "Dinas Kesehatan", "cisco", 25, 80, True, 3, dt.date(2025, 6, 10), "mandiri-tik"),
    Skpd(
        5, "rsud", "Rumah Sakit Umum Daerah Sekadau", "cisco", 40, 150, True, 8, dt.date(2026, 7, 1), "kritis"
    ),
    Skpd(
        6,
        "disdukcapil",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "mikrotik",
        25,
        80,
        True,
        4,
        None,
        "kritis",
    ),
    Skpd(
        7,
        "bpkad",
        "Badan Pengelolaan Keuangan dan Aset Daerah",
        "cisco",
        20,
        60,
        True,
        3,
        dt.date(2026, 3, 20),
        "kritis",
    ),
    Skpd(
        8,
        "bappeda",
        "Badan Perencanaan Pembangunan Daerah",
        "mikrotik",
        15,
        50,
        True,
        3,
        dt.date(2026, 10, 2),
        "mandiri-tik",
    ),
    Skpd(9, "inspektorat", "Inspektorat Daerah", "cisco", 10, 30, vps=True),
    Skpd(10, "bapenda", "Badan Pendapatan Daerah", cir=10, mir=40, vps=True),
    Skpd(11, "bkpsdm", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", cir=10, mir=40, vps=True),
    Skpd(12, "bpbd", "Badan Penanggulangan Bencana Daerah", cir=10, mir=30),
    Skpd(13, "kesbangpol", "Badan Kesatuan Bangsa dan Politik", cir=8, mir=20),
    Skpd(14, "dinsos", "Dinas Sosial", "linux", 10, 30, vps=True),
    Skpd(15, "satpolpp", "Satuan Polisi Pamong Praja", cir=8, mir=20),
    Skpd(16, "dpmptsp", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", cir=10, mir=40, vps=True),
    Skpd(17, "dpupr", "Dinas Pekerjaan Umum dan Penataan Ruang", cir=10, mir=30),
    Skpd(18, "disperkim", "Dinas Perumahan Rakyat dan Kawasan Permukiman", cir=8, mir=20),
    Skpd(19, "dishub", "Dinas Perhubungan", cir=8, mir=20, vps=True),
    Skpd(20, "dlh", "Dinas Lingkungan Hidup", cir=8, mir=20),
    Skpd(21, "dpmd", "Dinas Pemberdayaan Masyarakat dan Desa", cir=10, mir=30, vps=True),
    Skpd(
        22,
        "dp3ap2kb",
        "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk dan Keluarga Berencana",
        cir=8,
        mir=20,
    ),
    Skpd(23, "disnakertrans", "Dinas Tenaga Kerja dan Transmigrasi", cir=8, mir=20),
    Skpd(24, "diskumdag", "Dinas Koperasi, Usaha Kecil dan Menengah dan Perdagangan", cir=8, mir=20),
    Skpd(25, "dispora", "Dinas Kepemudaan dan Olahraga", cir=8, mir=20),
    Skpd(26, "dispar", "Dinas Pariwisata", cir=8, mir=20, vps=True),
    Skpd(27, "dispusip", "Dinas Perpustakaan dan Kearsipan", "linux", 8, 20, vps=True),
    Skpd(28, "distan", "Dinas Pertanian", cir=8, mir=20),
    Skpd(29, "diskan", "Dinas Perikanan", cir=8, mir=20),
    Skpd(30, "disbunnak", "Dinas Perkebunan dan Peternakan", cir=8, mir=20),
    Skpd(31, "dkp", "Dinas Ketahanan Pangan", cir=8, mir=20),
    Skpd(32, "kec-sekadau-hilir", "Kecamatan Sekadau Hilir", cir=5, mir=20),
    Skpd(33, "kec-sekadau-hulu", "Kecamatan Sekadau Hulu", cir=5, mir=20),
    Skpd(34, "kec-nanga-mahap", "Kecamatan Nanga Mahap", cir=5, mir=20),
    Skpd(35, "kec-nanga-taman", "Kecamatan Nanga Taman", "linux", 5, 20),
    Skpd(36, "kec-belitang-hilir", "Kecamatan Belitang Hilir", cir=5, mir=20),
    Skpd(37, "kec-belitang", "Kecamatan Belitang", cir=5, mir=20),
    Skpd(38, "kec-belitang-hulu", "Kecamatan Belitang Hulu", "linux", 5, 20),
)

EDGE = {  # platform, device type, uplink port, LAN port
    "mikrotik": ("mikrotik_routeros", "rb4011", "ether1", "ether2"),
    "cisco": ("cisco_ios", "isr4331", "GigabitEthernet0/0", "GigabitEthernet0/1"),
    "linux": ("linux", "sys-e300-9d", "eth0", "eth1"),
}
SWITCH = {  # platform, device type, port name pattern
    "mikrotik": ("mikrotik_routeros", "crs328-24p", "ether{}"),
    "cisco": ("cisco_ios", "c9200-24t", "GigabitEthernet0/{}"),
}
PER_DIST = 13
SERVERS = (
    ("kvm-pusat-data-01", "r750", "Hypervisor libvirt/KVM"),
    ("kvm-pusat-data-02", "r750", "Hypervisor libvirt/KVM"),
    ("kvm-pusat-data-03", "r750", "Hypervisor libvirt/KVM"),
    ("kvm-pusat-data-04", "r750", "Hypervisor libvirt/KVM"),  # the four hosts of pusat-data-kvm
    ("srv-backup-01", "r650", "Backup (restic)"),
    ("srv-dns-01", "r650", "DNS internal"),
    ("srv-ntp-01", "r650", "NTP"),
    ("srv-monitor-01", "r650", "Monitoring"),
    ("srv-syslog-01", "r650", "Syslog"),
    ("srv-mail-01", "r650", "Surel dinas"),
    ("srv-web-01", "r650", "Portal pemda"),
    ("srv-netbox-01", "r650", "NetBox"),
)


class Flow(dict[str, Any]):
    """A mapping written on one line."""


class Dumper(yaml.SafeDumper):
    pass


Dumper.add_representer(
    Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)
)


def vlan_name(slug: str) -> str:
    """The VLAN name of an SKPD.

    >>> vlan_name("kec-sekadau-hilir"), vlan_name("disdik")
    ('Kec-Sekadau-Hilir-Staf', 'Disdik-Staf')
    """
    return "-".join(part.capitalize() for part in slug.split("-")) + "-Staf"


def itf(name: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, **{k: v for k, v in kw.items() if v not in (None, "", False)}}


def cable(a: str, ap: str, b: str, bp: str, **kw: Any) -> dict[str, Any]:
    return {"a": Flow(device=a, interface=ap), "b": Flow(device=b, interface=bp), **kw}


CORE = "core-diskominfo-01"
N_DIST = 3


@dataclass
class _Regency:
    """The lists of the seed file, filled in the order they are written (SKPD by SKPD)."""

    sites: list[dict[str, Any]] = field(default_factory=list)
    tenants: list[dict[str, Any]] = field(default_factory=list)
    vlans: list[dict[str, Any]] = field(default_factory=list)
    prefixes: list[dict[str, Any]] = field(default_factory=list)
    lan_devices: list[dict[str, Any]] = field(default_factory=list)  # SKPD edges and their switches
    cables: list[dict[str, Any]] = field(default_factory=list)
    dist_ports: list[list[dict[str, Any]]] = field(default_factory=lambda: [[] for _ in range(N_DIST)])
    core_itfs: list[dict[str, Any]] = field(default_factory=list)


def build() -> dict[str, Any]:
    """The whole demo regency as a seed dict: SKPD LANs, Jaringan Intra, Pusat Data, uplinks."""
    assert sum(s.cir for s in SKPD) <= 500 and all(s.cir <= s.mir <= 500 for s in SKPD)
    regency = _Regency(sites=_diskominfo_sites(), prefixes=_management_prefixes(), core_itfs=_core_uplinks())
    for skpd in SKPD:
        _add_skpd(regency, skpd)
    dists = [_add_distribution(regency, k) for k in range(N_DIST)]
    tors = [_add_pusat_data_switch(regency, k) for k in range(2)]
    servers = [_server(i, name, dtype, role_desc) for i, (name, dtype, role_desc) in enumerate(SERVERS)]
    core = {
        "name": CORE,
        "role": "core-router",
        "platform": "cisco_ios",
        "site": "diskominfo",
        "device_type": "isr4451",
        "primary_ip4": "10.10.0.1/24",
        "interfaces": regency.core_itfs,
    }
    return {
        "version": 1,
        "region": {
            "name": "Kabupaten Sekadau",
            "slug": "kabupaten-sekadau",
            "description": "Pemerintah Kabupaten Sekadau, Kalimantan Barat",
        },
        "sites": regency.sites,
        "tenants": regency.tenants,
        **_device_catalogue(),
        "devices": [core, *dists, *regency.lan_devices, *tors, *servers],
        "cables": regency.cables,
        "vlans": regency.vlans,
        "prefixes": [*regency.prefixes, *_pusat_data_prefixes()],
        **_internet_uplinks(),
        **_pusat_data_cluster(),
        "config_contexts": _config_contexts(),
    }


def _config_contexts() -> list[dict[str, Any]]:
    """The regency-wide config parts (key ``jaringan_intra``), assigned by region, role, site and
    tenant; NetBox merges them by weight into each device's ``config_context``."""
    return [
        {
            "name": "jaringan-intra-sekadau",
            "weight": 1000,
            "description": "Jaringan Intra Kabupaten Sekadau: NTP, DNS, syslog, SNMP, AAA, banner, LLDP",
            "regions": ["kabupaten-sekadau"],
            "data": {
                "jaringan_intra": {
                    "domain": "sekadau.go.id",
                    "dns_servers": ["10.10.0.53", "10.10.0.54"],
                    "ntp_servers": ["10.10.0.11", "10.10.0.12"],
                    "timezone": "Asia/Pontianak",
                    "syslog_servers": ["10.10.0.50"],
                    "syslog_level": "informational",
                    "snmp": {"location": "Kabupaten Sekadau", "contact": "noc@diskominfo.sekadau.go.id"},
                    "aaa": {"new_model": True, "authentication": "local", "authorization": "local"},
                    "banner": "Akses terbatas: perangkat Jaringan Intra Pemerintah Kabupaten Sekadau",
                    "lldp": True,
                }
            },
        },
        {
            "name": "jaringan-intra-core",
            "weight": 1100,
            "description": "Core and distribution: every notice to syslog",
            "roles": ["core-router", "distribution"],
            "data": {"jaringan_intra": {"syslog_level": "notifications"}},
        },
        {
            "name": "jaringan-intra-pusat-data",
            "weight": 1100,
            "description": "Pusat Data switches: their own SNMP location",
            "sites": ["pusat-data"],
            "data": {
                "jaringan_intra": {
                    "snmp": {"location": "Pusat Data Kabupaten Sekadau, Kompleks Kantor Bupati"}
                }
            },
        },
        {
            "name": "jaringan-intra-rsud",
            "weight": 1100,
            "description": "RSUD: its own IT staff is the SNMP contact",
            "tenants": ["rsud"],
            "data": {"jaringan_intra": {"snmp": {"contact": "it@rsud.sekadau.go.id"}}},
        },
    ]


def _diskominfo_sites() -> list[dict[str, Any]]:
    return [
        {
            "slug": "diskominfo",
            "name": "Dinas Komunikasi dan Informatika",
            "description": "Core dan distribusi Jaringan Intra",
            "physical_address": "Jl. Merdeka Timur, Sekadau, Kalimantan Barat",
        },
        {
            "slug": "pusat-data",
            "name": "Pusat Data Kabupaten Sekadau",
            "description": "Server dan klaster VPS",
            "physical_address": "Kompleks Kantor Bupati, Sekadau, Kalimantan Barat",
        },
    ]


def _management_prefixes() -> list[dict[str, Any]]:
    return [
        {"prefix": "10.10.0.0/24", "site": "diskominfo", "description": "Manajemen"},
        {"prefix": "10.20.0.0/16", "status": "container", "description": "LAN SKPD"},
        {"prefix": "10.30.0.0/16", "status": "container", "description": "Jaringan Intra point-to-point"},
    ]


def _core_uplinks() -> list[dict[str, Any]]:
    """The core router's management port and its two internet uplinks."""
    return [
        itf("GigabitEthernet0/0", ip="10.10.0.1/24", mgmt_only=True, description="Manajemen"),
        itf("GigabitEthernet0/1", ip="203.0.113.2/30", description="Internet Telkom TLK-SKD-001"),
        itf("GigabitEthernet0/2", ip="198.51.100.2/30", description="Internet Lintasarta LA-SKD-001"),
    ]


# -- one SKPD: tenant, office, VLAN and LAN prefix, its edge on Jaringan Intra, its switches


def _add_skpd(regency: _Regency, s: Skpd) -> None:
    tenant: dict[str, Any] = {
        "slug": s.slug,
        "name": s.name,
        "skpd_mandiri_tik": s.mandiri,
        "bw_cir_mbps": s.cir,
        "bw_mir_mbps": s.mir,
    }
    if s.diagram:
        tenant["lan_diagram_date"] = s.diagram
    tenant["backup_policy"] = s.policy
    if not s.mandiri:  # Pasal 14 ayat 8: a VPS for an SKPD that cannot procure its own server
        tenant.update(VPS_QUOTA)
    regency.tenants.append(tenant)
    regency.sites.append(
        {
            "slug": s.slug,
            "name": s.name if s.slug == "rsud" else f"Kantor {s.name}",
            "tenant": s.slug,
            "physical_address": "Kabupaten Sekadau, Kalimantan Barat",
        }
    )
    regency.vlans.append({"vid": s.n * 10, "name": vlan_name(s.slug), "site": s.slug, "tenant": s.slug})
    regency.prefixes.append(
        {
            "prefix": f"10.20.{s.n}.0/24",
            "site": s.slug,
            "tenant": s.slug,
            "vlan": s.n * 10,
            "description": f"LAN {s.name}",
        }
    )
    regency.prefixes.append(
        {
            "prefix": f"10.30.0.{2 * s.n}/31",
            "tenant": s.slug,
            "tags": ["jaringan-intra"],
            "description": f"Jaringan Intra diskominfo - {s.slug}",
        }
    )
    _add_edge(regency, s)
    for k in range(1, s.switches + 1):
        _add_access_switch(regency, s, k)


def _add_edge(regency: _Regency, s: Skpd) -> None:
    """The SKPD's edge router, cabled to its port on a distribution switch."""
    dist = (s.n - 1) // PER_DIST
    dist_name, dist_port = f"dist-diskominfo-{dist + 1:02d}", f"Ethernet{2 + (s.n - 1) % PER_DIST}"
    platform, dtype, up, lan = EDGE[s.edge]
    edge = f"rtr-{s.slug}"
    regency.dist_ports[dist].append(
        itf(dist_port, type="10gbase-t", ip=f"10.30.0.{2 * s.n}/31", description=f"{edge} {up}")
    )
    regency.lan_devices.append(
        {
            "name": edge,
            "role": "skpd-edge",
            "platform": platform,
            "site": s.slug,
            "tenant": s.slug,
            "device_type": dtype,
            "primary_ip4": f"10.20.{s.n}.1/24",
            "interfaces": [
                itf(
                    up, ip=f"10.30.0.{2 * s.n + 1}/31", description=f"Jaringan Intra {dist_name} {dist_port}"
                ),
                itf(
                    lan,
                    ip=f"10.20.{s.n}.1/24",
                    untagged_vlan=s.n * 10,
                    description=f"LAN {vlan_name(s.slug)}",
                ),
            ],
        }
    )
    regency.cables.append(
        cable(dist_name, dist_port, edge, up, tags=["jaringan-intra"], label=f"JI-{s.n:03d}")
    )


def _add_access_switch(regency: _Regency, s: Skpd, k: int) -> None:
    """Switch ``k`` of the SKPD: the first hangs on the edge's LAN port, the others on the first."""
    edge, lan = f"rtr-{s.slug}", EDGE[s.edge][3]
    sw_platform, sw_type, pattern = SWITCH["cisco" if s.edge == "cisco" else "mikrotik"]
    name, ip, vid = f"sw-{s.slug}-{k:02d}", f"10.20.{s.n}.{k + 1}/24", s.n * 10
    uplink = f"uplink {edge} {lan}" if k == 1 else f"uplink sw-{s.slug}-01"
    ports = [itf(pattern.format(1), ip=ip, untagged_vlan=vid, description=uplink)]
    if k == 1:
        ports += [
            itf(pattern.format(p), untagged_vlan=vid, description=f"sw-{s.slug}-{p:02d}")
            for p in range(2, s.switches + 1)
        ]
    regency.lan_devices.append(
        {
            "name": name,
            "role": "access-switch",
            "platform": sw_platform,
            "site": s.slug,
            "tenant": s.slug,
            "device_type": sw_type,
            "primary_ip4": ip,
            "interfaces": ports,
        }
    )
    if k == 1:
        regency.cables.append(cable(edge, lan, name, pattern.format(1)))
    else:
        regency.cables.append(cable(f"sw-{s.slug}-01", pattern.format(k), name, pattern.format(1)))


# -- Diskominfo and the Pusat Data


def _add_distribution(regency: _Regency, k: int) -> dict[str, Any]:
    """Distribution switch ``k`` (0-based): a /31 to the core, the SKPD edges' ports."""
    name, port = f"dist-diskominfo-{k + 1:02d}", f"GigabitEthernet0/{k + 3}"
    regency.core_itfs.append(itf(port, ip=f"10.30.1.{2 * k}/31", description=f"{name} Ethernet1"))
    regency.prefixes.append(
        {
            "prefix": f"10.30.1.{2 * k}/31",
            "tags": ["jaringan-intra"],
            "description": f"Jaringan Intra core - {name}",
        }
    )
    regency.cables.append(
        cable(CORE, port, name, "Ethernet1", tags=["jaringan-intra"], label=f"JI-CORE-{k + 1}")
    )
    return {
        "name": name,
        "role": "distribution",
        "platform": "arista_eos",
        "site": "diskominfo",
        "device_type": "dcs-7050tx-48",
        "primary_ip4": f"10.10.0.{11 + k}/24",
        "interfaces": [
            itf("Management1", ip=f"10.10.0.{11 + k}/24", mgmt_only=True, description="Manajemen"),
            itf("Ethernet1", type="10gbase-t", ip=f"10.30.1.{2 * k + 1}/31", description=f"{CORE} {port}"),
            *regency.dist_ports[k],
        ],
    }


def _add_pusat_data_switch(regency: _Regency, k: int) -> dict[str, Any]:
    """Top-of-rack switch ``k`` of the Pusat Data: every other server hangs on it."""
    name, port = f"sw-pusat-data-{k + 1:02d}", f"GigabitEthernet0/{k + 6}"
    regency.core_itfs.append(itf(port, description=f"{name} Ethernet1"))
    members = [srv[0] for i, srv in enumerate(SERVERS) if i % 2 == k]
    regency.cables.append(cable(CORE, port, name, "Ethernet1", label=f"PD-{k + 1}"))
    regency.cables.extend(cable(name, f"Ethernet{2 + i}", server, "eno1") for i, server in enumerate(members))
    return {
        "name": name,
        "role": "access-switch",
        "platform": "arista_eos",
        "site": "pusat-data",
        "device_type": "dcs-7050tx-48",
        "primary_ip4": f"10.10.0.{41 + k}/24",
        "interfaces": [
            itf("Management1", ip=f"10.10.0.{41 + k}/24", mgmt_only=True, description="Manajemen"),
            itf("Ethernet1", type="10gbase-t", description=f"{CORE} {port}"),
            *[
                itf(f"Ethernet{2 + i}", type="10gbase-t", description=server)
                for i, server in enumerate(members)
            ],
        ],
    }


def _server(i: int, name: str, dtype: str, role_desc: str) -> dict[str, Any]:
    ip = f"10.10.0.{21 + i}/24"
    server: dict[str, Any] = {
        "name": name,
        "role": "server",
        "platform": "linux",
        "site": "pusat-data",
        "device_type": dtype,
        "description": role_desc,
        "primary_ip4": ip,
    }
    if name.startswith("kvm-"):
        server["cluster"] = VPS_CLUSTER
    server["interfaces"] = [itf("eno1", type="10gbase-t", ip=ip)]
    return server


# -- catalogues: device types, internet circuits, the VPS cluster


def _device_catalogue() -> dict[str, Any]:
    return {
        "manufacturers": [
            {"slug": "dell", "name": "Dell"},
            {"slug": "supermicro", "name": "Supermicro"},
        ],
        "device_types": [
            {"slug": "isr4451", "model": "ISR4451-X", "manufacturer": "cisco", "u_height": 2},
            {"slug": "isr4331", "model": "ISR4331", "manufacturer": "cisco"},
            {"slug": "c9200-24t", "model": "C9200-24T", "manufacturer": "cisco"},
            {"slug": "dcs-7050tx-48", "model": "DCS-7050TX-48", "manufacturer": "arista"},
            {"slug": "rb4011", "model": "RB4011", "manufacturer": "mikrotik"},
            {"slug": "crs328-24p", "model": "CRS328-24P", "manufacturer": "mikrotik"},
            {"slug": "sys-e300-9d", "model": "SYS-E300-9D", "manufacturer": "supermicro"},
            {"slug": "r650", "model": "PowerEdge R650", "manufacturer": "dell"},
            {"slug": "r750", "model": "PowerEdge R750", "manufacturer": "dell", "u_height": 2},
        ],
    }


def _internet_uplinks() -> dict[str, Any]:
    """Two dedicated internet circuits, terminated on the core router's GigabitEthernet0/1 and 0/2."""
    circuits = [
        ("TLK-SKD-001", "telkom", 300, "GigabitEthernet0/1"),
        ("LA-SKD-001", "lintasarta", 200, "GigabitEthernet0/2"),
    ]
    return {
        "providers": [
            {"slug": "telkom", "name": "PT Telkom Indonesia"},
            {"slug": "lintasarta", "name": "PT Aplikanusa Lintasarta"},
        ],
        "circuit_types": [{"slug": "internet", "name": "Internet"}],
        "circuits": [
            {
                "cid": cid,
                "provider": provider,
                "type": "internet",
                "commit_rate": mbps * 1000,
                "description": f"Internet dedicated {mbps} Mbps",
                "termination": {
                    "site": "diskominfo",
                    "device": CORE,
                    "interface": port,
                    "port_speed": 1000000,
                },
            }
            for cid, provider, mbps, port in circuits
        ],
    }


VPS_CLUSTER = "pusat-data-kvm"
SKPD_CLUSTER = "server-skpd-mandiri"
VPS_QUOTA = {"vps_quota_vms": 2, "vps_quota_vcpus": 4, "vps_quota_memory_mb": 4096, "vps_quota_disk_gb": 100}
# The one VPS whose status asks for a running VM: `simpul vps apply --commit` boots it (QEMU TCG in the
# lab: ~400 MB, a core for a minute). Every other VPS is staged (defined, never started), so applying
# the demo never boots more than one guest.
RUNNING_VPS = "setwan"
# The SKPD servers the data-backup lab serves (simpul.lab.data_backup.demo_estate): Mandiri TIK SKPD
# with their own application servers, placed in the Pusat Data (Pasal 14 ayat 5). Their own VMs, not
# VPS: they sit in a cluster simpul vps does not manage (not tagged pusat-data).
SKPD_SERVERS = (
    ("disdukcapil", "SIAK/SIMDUK: berkas, PostgreSQL dan MariaDB", 4, 8192, 200),
    ("disdik", "Dapodik daerah: berkas dan PostgreSQL", 2, 4096, 100),
    ("dinkes", "SIMPUS: berkas", 2, 4096, 100),
)


def demo_ssh_key(slug: str) -> str:
    """A well-formed ed25519 public key of an SKPD that nobody holds the private half of (the key
    bytes are a hash): the demo puts a realistic key in NetBox and no secret in the repository.

    >>> demo_ssh_key("setwan").split()[0], demo_ssh_key("setwan").split()[2]
    ('ssh-ed25519', 'admin@setwan.sekadau.go.id')
    """

    def string(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data

    point = hashlib.sha256(f"simpul-demo-{slug}".encode()).digest()
    blob = string(b"ssh-ed25519") + string(point)
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} admin@{slug}.sekadau.go.id"


def _pusat_data_cluster() -> dict[str, Any]:
    """The VPS cluster (its four hosts, capacity and overcommit), one VPS per SKPD that asked for one
    and has no IT staff of its own, and the SKPD servers colocated in the Pusat Data."""
    vps = [s for s in SKPD if s.vps and not s.mandiri]
    return {
        "cluster_types": [
            {"slug": "libvirt", "name": "libvirt"},
            {"slug": "skpd-mandiri", "name": "Dikelola SKPD"},
        ],
        "clusters": [
            {
                "name": VPS_CLUSTER,
                "type": "libvirt",
                "site": "pusat-data",
                "description": "Klaster VPS Pusat Data (libvirt/KVM, 4 x PowerEdge R750)",
                "tags": ["pusat-data"],
                # 4 hosts x 32 cores, 256 GiB, 3.84 TB: CPU overcommitted 4:1, memory and disk not
                "vps_capacity_vcpus": 128,
                "vps_capacity_memory_mb": 4 * 262144,
                "vps_capacity_disk_gb": 4 * 3840,
                "vps_overcommit_cpu": 4.0,
                "vps_overcommit_memory": 1.0,
                "vps_overcommit_disk": 1.0,
            },
            {
                "name": SKPD_CLUSTER,
                "type": "skpd-mandiri",
                "site": "pusat-data",
                "description": "Server aplikasi SKPD Mandiri TIK di Pusat Data (Pasal 14 ayat 5); bukan VPS",
                "tags": [],
            },
        ],
        "virtual_machines": [
            {
                "name": f"vps-{s.slug}-01",
                "cluster": VPS_CLUSTER,
                "tenant": s.slug,
                "status": "planned" if s.slug == RUNNING_VPS else "staged",
                "vcpus": 1 if s.slug == RUNNING_VPS else 2,
                "memory_mb": 1024 if s.slug == RUNNING_VPS else 2048,
                "disk_gb": 10 if s.slug == RUNNING_VPS else 20,
                "image": "debian-12",
                "ssh_keys": [demo_ssh_key(s.slug)],
                "ip": f"10.40.0.{10 + i}/24",
                "description": f"VPS {s.name}",
            }
            for i, s in enumerate(vps)
        ]
        + [
            {
                "name": f"srv-{slug}-01",
                "cluster": SKPD_CLUSTER,
                "tenant": slug,
                "vcpus": vcpus,
                "memory_mb": memory,
                "disk_gb": disk,
                "ip": f"10.40.1.{10 + i}/24",
                "description": description,
                "tags": ["simpul-backup"],
            }
            for i, (slug, description, vcpus, memory, disk) in enumerate(SKPD_SERVERS)
        ],
    }


def _pusat_data_prefixes() -> list[dict[str, Any]]:
    return [
        {
            "prefix": "10.40.0.0/24",
            "site": "pusat-data",
            "role": "vps",
            "description": "VPS SKPD di Pusat Data (Pasal 14 ayat 8); gateway .1",
        },
        {
            "prefix": "10.40.1.0/24",
            "site": "pusat-data",
            "description": "Server SKPD Mandiri TIK di Pusat Data",
        },
    ]


HEADER = """\
# Kabupaten Sekadau: the demo regency of simpul (`simpul netbox seed --demo`).
# Generated by `python -m simpul.netbox._make_demo`; this YAML file is the source the lab uses.
# Format: docs/netbox-model.md. Naming conventions: docs/demo-regency.md.
"""


def render() -> str:
    body = yaml.dump(build(), Dumper=Dumper, sort_keys=False, allow_unicode=True, width=110)
    return HEADER + body


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        return 0 if OUT.read_text(encoding="utf-8") == text else 1
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
