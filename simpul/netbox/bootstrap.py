"""``simpul netbox bootstrap``: everything simpul needs in a NetBox, created idempotently.

The tenant group ``skpd``; the SKPD custom fields on Tenant (and the VPS fields on VMs, clusters
and IP addresses); the IPAM role ``vps``; the device roles; the manufacturers and platforms of the
one platform table (``simpul.devices.platforms``); the tags simpul puts on what it manages (and
``simpul-backup``, which marks an SKPD server whose data is backed up to the Pusat Data).

NetBox 4.0 moved ``napalm_driver``/``napalm_args`` off Platform into the netbox-napalm-plugin, so
each platform's driver mapping (napalm driver, netmiko device_type, ansible_network_os) is stored
twice, both readable without any plugin: in the platform's description and in a config context
``simpul-platform-<slug>`` bound to the platform (key ``simpul_platform`` in every device's
``config_context``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pynetbox

from simpul.devices.platforms import PLATFORMS, PlatformSpec
from simpul.netbox.upsert import Counts, Upserter

TENANT_GROUP = {"name": "SKPD", "slug": "skpd", "description": "Satuan Kerja Perangkat Daerah"}


@dataclass(frozen=True)
class CustomFieldSpec:
    name: str
    type: str
    label: str
    description: str
    minimum: int | None = None
    object_types: tuple[str, ...] = ("tenancy.tenant",)


VM = ("virtualization.virtualmachine",)
CLUSTER = ("virtualization.cluster",)

CUSTOM_FIELDS: tuple[CustomFieldSpec, ...] = (
    CustomFieldSpec(
        "skpd_mandiri_tik",
        "boolean",
        "SKPD Mandiri TIK",
        "SKPD yang mengelola TIK sendiri (Pasal 46)",
    ),
    CustomFieldSpec(
        "bw_cir_mbps", "integer", "CIR (Mbps)", "Bandwidth internet yang dijamin (Mbps)", minimum=0
    ),
    CustomFieldSpec(
        "bw_mir_mbps", "integer", "MIR (Mbps)", "Batas atas bandwidth internet (Mbps)", minimum=0
    ),
    CustomFieldSpec(
        "lan_diagram_date",
        "date",
        "Tanggal diagram LAN",
        "Tanggal diagram LAN terakhir yang diserahkan (Pasal 20)",
    ),
    CustomFieldSpec(
        "backup_policy", "text", "Kebijakan backup", "Nama berkas di backup_policies/ (tanpa .yaml)"
    ),
    # VPS (Pasal 14 ayat 8): the VM's own facts, the SKPD's quota, the cluster's capacity
    CustomFieldSpec("vps_image", "text", "Image VPS", "Image dasar VPS (mis. debian-12)", object_types=VM),
    CustomFieldSpec(
        "vps_provider_id", "text", "ID di hypervisor", "UUID libvirt atau VMID Proxmox", object_types=VM
    ),
    CustomFieldSpec(
        "vps_ssh_keys", "longtext", "Kunci SSH", "Kunci publik SSH SKPD, satu per baris", object_types=VM
    ),
    CustomFieldSpec(
        "vps_request",
        "json",
        "Permintaan VPS",
        "Diisi simpul selama permintaan VPS berjalan (nama, SKPD, ukuran)",
        object_types=("ipam.ipaddress",),
    ),
    CustomFieldSpec("vps_quota_vms", "integer", "Kuota VPS", "Jumlah VPS maksimum", minimum=0),
    CustomFieldSpec("vps_quota_vcpus", "integer", "Kuota vCPU", "Jumlah vCPU VPS maksimum", minimum=0),
    CustomFieldSpec("vps_quota_memory_mb", "integer", "Kuota memori (MB)", "Memori VPS maksimum", minimum=0),
    CustomFieldSpec("vps_quota_disk_gb", "integer", "Kuota disk (GB)", "Disk VPS maksimum", minimum=0),
    CustomFieldSpec(
        "vps_capacity_vcpus", "integer", "Kapasitas vCPU", "Core fisik", minimum=0, object_types=CLUSTER
    ),
    CustomFieldSpec(
        "vps_capacity_memory_mb",
        "integer",
        "Kapasitas memori (MB)",
        "Memori fisik klaster",
        minimum=0,
        object_types=CLUSTER,
    ),
    CustomFieldSpec(
        "vps_capacity_disk_gb", "integer", "Kapasitas disk (GB)", "Disk", minimum=0, object_types=CLUSTER
    ),
    CustomFieldSpec(
        "vps_overcommit_cpu", "decimal", "Overcommit vCPU", "vCPU per core (mis. 4.0)", object_types=CLUSTER
    ),
    CustomFieldSpec(
        "vps_overcommit_memory", "decimal", "Overcommit memori", "Rasio (mis. 1.0)", object_types=CLUSTER
    ),
    CustomFieldSpec(
        "vps_overcommit_disk", "decimal", "Overcommit disk", "Rasio (mis. 1.0)", object_types=CLUSTER
    ),
)

# The IPAM role of the Pusat Data prefix that VPS addresses are taken from.
IPAM_ROLES: dict[str, dict[str, Any]] = {
    "vps": {"name": "VPS Pusat Data", "slug": "vps", "weight": 1000, "description": "Alamat VPS SKPD"},
}


@dataclass(frozen=True)
class RoleSpec:
    slug: str
    name: str
    color: str
    vm_role: bool = False


ROLES: dict[str, RoleSpec] = {
    r.slug: r
    for r in (
        RoleSpec("core-router", "Core router", "9c27b0"),
        RoleSpec("distribution", "Distribution", "2196f3"),
        RoleSpec("skpd-edge", "SKPD edge", "4caf50"),
        RoleSpec("access-switch", "Access switch", "ff9800"),
        RoleSpec("server", "Server", "607d8b", vm_role=True),
    )
}


@dataclass(frozen=True)
class TagSpec:
    slug: str
    name: str
    color: str
    description: str


TAGS: dict[str, TagSpec] = {
    t.slug: t
    for t in (
        TagSpec("simpul", "simpul", "00bcd4", "Dikelola oleh simpul"),
        TagSpec("jaringan-intra", "jaringan-intra", "3f51b5", "Jaringan Intra Pemerintah Daerah"),
        TagSpec("internet", "internet", "f44336", "Akses internet (ISP)"),
        TagSpec("pusat-data", "pusat-data", "795548", "Pusat Data Pemerintah Daerah"),
        # on an SKPD's server (device or VM): its data is backed up to the Pusat Data (Pasal 16)
        TagSpec("simpul-backup", "simpul-backup", "8bc34a", "Data server ini dicadangkan ke Pusat Data"),
    )
}


def _slugify(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def platform_manufacturer(slug: str) -> str | None:
    """The manufacturer slug a platform is bound to in NetBox (None: runs on any hardware).

    NetBox refuses a device whose type is from another manufacturer than its platform's, and
    Linux runs on any server or mini PC, so ``linux`` is not bound.

    >>> platform_manufacturer("mikrotik_routeros"), platform_manufacturer("linux")
    ('mikrotik', None)
    """
    spec = PLATFORMS[slug]
    return _slugify(spec.manufacturer) if spec.binds_manufacturer else None


def manufacturers() -> dict[str, str]:
    """slug -> name of the manufacturers the platforms are bound to.

    >>> sorted(manufacturers())
    ['arista', 'cisco', 'mikrotik']
    """
    return {
        _slugify(p.manufacturer): p.manufacturer for p in PLATFORMS.values() if platform_manufacturer(p.slug)
    }


def platform_mapping(spec: PlatformSpec) -> dict[str, Any]:
    """The tool names of one platform, as stored in its config context.

    >>> platform_mapping(PLATFORMS["cisco_ios"])["napalm_driver"]
    'ios'
    """
    return {
        "netmiko_device_type": spec.netmiko,
        "napalm_driver": spec.napalm,
        "ansible_network_os": spec.ansible_network_os,
        "ansible_connection": spec.ansible_connection,
    }


def platform_description(spec: PlatformSpec) -> str:
    """The driver mapping in a platform's description.

    >>> platform_description(PLATFORMS["arista_eos"])
    'napalm: eos; netmiko: arista_eos; ansible: arista.eos.eos'
    """
    return f"napalm: {spec.napalm or '-'}; netmiko: {spec.netmiko}; ansible: {spec.ansible_network_os or '-'}"


@dataclass
class Bootstrapped:
    """ids of what bootstrap guarantees, for the seed to refer to."""

    tenant_group: int
    roles: dict[str, int]
    platforms: dict[str, int]
    manufacturers: dict[str, int]
    tags: dict[str, int]
    ipam_roles: dict[str, int]


def bootstrap(api: pynetbox.api, counts: Counts | None = None) -> tuple[Counts, Bootstrapped]:
    """Create or update everything simpul needs; a second run changes nothing."""
    up = Upserter(api, counts)
    by_slug = lambda o: o["slug"]  # noqa: E731

    tags = up.sync(
        "tag",
        "extras.tags",
        [
            (t.slug, {"name": t.name, "slug": t.slug, "color": t.color, "description": t.description})
            for t in TAGS.values()
        ],
        by_slug,
    )
    group = up.sync("tenant group", "tenancy.tenant_groups", [("skpd", dict(TENANT_GROUP))], by_slug)
    up.sync(
        "custom field",
        "extras.custom_fields",
        [
            (
                cf.name,
                {
                    "name": cf.name,
                    "label": cf.label,
                    "type": cf.type,
                    "object_types": list(cf.object_types),
                    "description": cf.description,
                    "group_name": "simpul",
                    "required": False,
                    **({"validation_minimum": cf.minimum} if cf.minimum is not None else {}),
                },
            )
            for cf in CUSTOM_FIELDS
        ],
        lambda o: o["name"],
    )
    ipam_roles = up.sync("IPAM role", "ipam.roles", [(k, dict(v)) for k, v in IPAM_ROLES.items()], by_slug)
    roles = up.sync(
        "device role",
        "dcim.device_roles",
        [
            (r.slug, {"name": r.name, "slug": r.slug, "color": r.color, "vm_role": r.vm_role})
            for r in ROLES.values()
        ],
        by_slug,
    )
    makers = up.sync(
        "manufacturer",
        "dcim.manufacturers",
        [(slug, {"name": name, "slug": slug}) for slug, name in manufacturers().items()],
        by_slug,
    )
    platforms = up.sync(
        "platform",
        "dcim.platforms",
        [
            (
                p.slug,
                {
                    "name": p.name,
                    "slug": p.slug,
                    "manufacturer": makers[m]["id"] if (m := platform_manufacturer(p.slug)) else None,
                    "description": platform_description(p),
                },
            )
            for p in PLATFORMS.values()
        ],
        by_slug,
    )
    up.sync(
        "config context",
        "extras.config_contexts",
        [
            (
                f"simpul-platform-{p.slug}",
                {
                    "name": f"simpul-platform-{p.slug}",
                    "weight": 100,
                    "description": f"simpul: tool names for platform {p.slug}",
                    "is_active": True,
                    "platforms": [platforms[p.slug]["id"]],
                    "data": {"simpul_platform": platform_mapping(p)},
                },
            )
            for p in PLATFORMS.values()
        ],
        lambda o: o["name"],
    )
    ids = Bootstrapped(
        tenant_group=group["skpd"]["id"],
        roles={str(k): v["id"] for k, v in roles.items()},
        platforms={str(k): v["id"] for k, v in platforms.items()},
        manufacturers={str(k): v["id"] for k, v in makers.items()},
        tags={str(k): v["id"] for k, v in tags.items()},
        ipam_roles={str(k): v["id"] for k, v in ipam_roles.items()},
    )
    return up.counts, ids
