"""Collect the live state of every SKPD's LAN: one ``Snapshot`` per SKPD (``simpul lan collect``).

``collect_snapshots`` runs the read-only Nornir task ``nornir_tasks.collect.collect_state`` on every
host, then builds the snapshots (``snapshot_from_states``, pure). A device that does not answer is
recorded (``reachable: false`` and a short reason without secrets) and the run goes on. Hosts without
an SKPD (tenant) are Diskominfo's own and belong to no snapshot.

The management address recorded for a device is the one it really carries: NetBox's primary IP when
the device still has it, else the device's address in the same subnet (it was readdressed), else none
(unknown: says nothing in the diff).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simpul.core.snapshot import (
    Snapshot,
    SnapshotDevice,
    SnapshotFacts,
    SnapshotInterface,
    SnapshotNeighbor,
    SnapshotVlan,
)
from simpul.core.topology import port_key
from simpul.errors import StoreError
from simpul.store.files import write_atomic

log = logging.getLogger(__name__)

PROTOCOL = {"cisco_ios": "lldp", "arista_eos": "lldp", "linux": "lldp", "mikrotik_routeros": "mndp"}
_SVI = re.compile(r"^vlan[-_ ]?(\d{1,4})$", re.I)


@dataclass(frozen=True)
class HostInfo:
    """What the snapshot records about a host besides what the device says."""

    name: str
    skpd: str | None
    platform: str | None
    role: str | None
    primary_ip: str | None = None  # NetBox's, without prefix length


def choose_mgmt_ip(primary: str | None, addresses: Iterable[str]) -> str | None:
    """The device's management address as it really is (see the module docstring).

    >>> choose_mgmt_ip("10.20.3.2", ["10.20.3.2/24"]), choose_mgmt_ip("10.20.3.2", ["10.20.3.12/24"])
    ('10.20.3.2', '10.20.3.12')
    >>> choose_mgmt_ip("10.20.3.2", ["10.30.0.7/31"]) is None, choose_mgmt_ip(None, ["10.20.3.2/24"])
    (True, None)
    """
    if not primary:
        return None
    want = ipaddress.ip_address(primary)
    ifaces = [ipaddress.ip_interface(a) for a in addresses]
    if any(i.ip == want for i in ifaces):
        return primary
    same = [i for i in ifaces if want in i.network and i.network.prefixlen < 31]
    return str(same[0].ip) if same else None


def _vlan_of(name: str, members: Mapping[str | None, int]) -> int | None:
    svi = _SVI.match(name.strip())
    if svi and 1 <= int(svi.group(1)) <= 4094:
        return int(svi.group(1))
    return members.get(port_key(name))


def device_from_state(host: HostInfo, state: Mapping[str, Any]) -> SnapshotDevice:
    """Pure: one host's parsed state (``DeviceState``) -> its snapshot entry."""
    members: dict[str | None, int] = {}
    for vlan in state.get("vlans", []):
        for iface in vlan.get("interfaces", []):
            members.setdefault(port_key(iface), int(vlan["vid"]))
    by_iface: dict[str, list[str]] = {}
    for addr in state.get("addresses", []):
        by_iface.setdefault(addr["interface"], []).append(addr["address"])
    interfaces = []
    seen: set[str] = set()
    for iface in state.get("interfaces", []):
        seen.add(iface["name"])
        interfaces.append(
            SnapshotInterface(
                name=iface["name"],
                enabled=iface.get("enabled"),
                up=iface.get("up"),
                mac=iface.get("mac"),
                ipv4=tuple(by_iface.get(iface["name"], ())),
                vlan=_vlan_of(iface["name"], members),
            )
        )
    for name, addrs in by_iface.items():  # an address on an interface the listing did not show
        if name not in seen:
            interfaces.append(SnapshotInterface(name=name, ipv4=tuple(addrs), vlan=_vlan_of(name, members)))
    facts = state.get("facts") or {}
    protocol = PROTOCOL.get(host.platform or "")
    return SnapshotDevice(
        name=host.name,
        platform=host.platform,
        role=host.role,
        mgmt_ip=choose_mgmt_ip(host.primary_ip, [a for addrs in by_iface.values() for a in addrs]),
        reachable=True,
        facts=SnapshotFacts(
            **{k: facts.get(k) for k in ("hostname", "model", "serial", "os_version", "vendor")}
        ),
        interfaces=tuple(interfaces),
        vlans=tuple(
            SnapshotVlan(vid=int(v["vid"]), name=v.get("name"))
            for v in sorted(state.get("vlans", []), key=lambda v: int(v["vid"]))
        ),
        neighbors=tuple(
            SnapshotNeighbor(
                local_port=n["local_port"],
                remote_device=n["remote_device"],
                remote_port=n.get("remote_port"),
                protocol=protocol,  # type: ignore[arg-type]
            )
            for n in state.get("neighbors", [])
        ),
    )


def snapshot_from_states(
    hosts: Iterable[HostInfo],
    states: Mapping[str, Mapping[str, Any]],
    failures: Mapping[str, str],
    now: dt.datetime,
) -> dict[str, Snapshot]:
    """Pure: per-host results -> one snapshot per SKPD (hosts without an SKPD are left out)."""
    by_skpd: dict[str, list[SnapshotDevice]] = {}
    for host in sorted(hosts, key=lambda h: h.name):
        if not host.skpd:
            continue
        if host.name in states:
            device = device_from_state(host, states[host.name])
        else:
            device = SnapshotDevice(
                name=host.name,
                platform=host.platform,
                role=host.role,
                mgmt_ip=host.primary_ip,
                reachable=False,
                error=failures.get(host.name, "no answer"),
            )
        by_skpd.setdefault(host.skpd, []).append(device)
    return {
        skpd: Snapshot(schema_version=1, skpd=skpd, collected_at=now, devices=tuple(devices))
        for skpd, devices in sorted(by_skpd.items())
    }


def host_info(host: Any, primary_ips: Mapping[str, str]) -> HostInfo:
    data = host.data
    return HostInfo(
        name=host.name,
        skpd=data.get("skpd"),
        platform=data.get("netbox_platform") or host.platform,
        role=data.get("role"),
        primary_ip=primary_ips.get(host.name),
    )


def collect_snapshots(
    nornir: Any,
    now: dt.datetime,
    *,
    primary_ips: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
) -> dict[str, Snapshot]:
    """Collect every host of ``nornir`` (read-only) into one snapshot per SKPD.

    ``primary_ips``: NetBox's primary IP per device name (the inventory's hostname may be a lab
    override); ``secrets`` are masked out of failure reasons.
    """
    from nornir.core.plugins.connections import ConnectionPluginRegister

    from nornir_tasks.collect import collect_state
    from simpul.backup import failure_reason

    ConnectionPluginRegister.auto_register()  # a Nornir built without InitNornir has none registered
    secrets = list(secrets)
    primary_ips = primary_ips or {}
    wanted = nornir.filter(filter_func=lambda h: bool(h.data.get("skpd")))
    agg = wanted.run(task=collect_state, name="collect_state", on_failed=True)
    states: dict[str, Mapping[str, Any]] = {}
    failures: dict[str, str] = {}
    for name in wanted.inventory.hosts:
        multi = agg.get(name)
        if multi is None or multi.failed:
            exc = multi.exception if multi is not None else None
            if multi is not None and exc is None:
                exc = next((r.exception for r in multi if r.exception is not None), None)
            reason = failure_reason(exc, secrets)
            if isinstance(exc, ValueError) and reason.startswith("error:"):
                reason = "unreadable output: " + str(exc).splitlines()[0][:120]  # a parser's ParseError
            failures[name] = reason
            log.warning("collect of %s failed: %s", name, reason)
            continue
        states[name] = multi[0].result
    hosts = [host_info(h, primary_ips) for h in wanted.inventory.hosts.values()]
    return snapshot_from_states(hosts, states, failures, now)


def snapshot_json(snapshot: Snapshot) -> str:
    return json.dumps(snapshot.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def write_snapshots(snapshots: Mapping[str, Snapshot], out_dir: Path) -> dict[str, Path]:
    """One ``<skpd>.json`` per SKPD, each written atomically (temp file + rename in the same dir)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(
            f"cannot create the snapshot directory: {err.strerror}", source=str(out_dir)
        ) from None
    written: dict[str, Path] = {}
    for skpd, snapshot in sorted(snapshots.items()):
        path = out_dir / f"{skpd}.json"
        try:
            write_atomic(path, snapshot_json(snapshot))
        except OSError as err:
            raise StoreError(f"cannot write the snapshot: {err.strerror}", source=str(path)) from None
        written[skpd] = path
    return written


# --- edges the CLI shares: the hosts to collect, the backup history, one SKPD's audit --------------


def load_collect_hosts(settings: Any, filters: Any, api: Any = None) -> tuple[list[Any], dict[str, str]]:
    """The inventory hosts (lab/user overrides applied) and NetBox's primary IP of each, in one read."""
    from simpul.inventory import host_from_device, iter_devices, load_overrides
    from simpul.netbox.client import connect

    api = api or connect(settings)
    overrides = load_overrides(settings.inventory_overrides)
    hosts = []
    primary: dict[str, str] = {}
    for dev in iter_devices(api, filters):
        if not dev.get("name"):
            continue
        hosts.append(host_from_device(dev, overrides))
        address = (dev.get("primary_ip4") or {}).get("address")
        if address:
            primary[dev["name"]] = address.split("/")[0]
    return hosts, primary


def last_lan_change(backup_repo: Path | None, devices: Iterable[str]) -> dt.date | None:
    """The newest date any of ``devices``' backed-up config changed (its first backup is not a change);
    None when there is no backup repository or no history (unknown, not "unchanged")."""
    if backup_repo is None or not (Path(backup_repo) / ".git").is_dir():
        return None
    from simpul.errors import SimpulError
    from simpul.store import GitStore

    try:
        store = GitStore(backup_repo)
    except SimpulError as err:
        log.warning("backup repo %s unusable, change dates unknown: %s", backup_repo, err.message)
        return None
    newest: dt.date | None = None
    for device in devices:
        try:
            rows = store.log(device, limit=2)
        except SimpulError:
            continue  # never backed up
        if len(rows) < 2:
            continue
        changed = dt.datetime.fromisoformat(rows[0][1]).date()
        newest = changed if newest is None or changed > newest else newest
    return newest


def audit_skpd(
    *,
    slug: str,
    name: str,
    mandiri_tik: bool,
    today: dt.date,
    diagram: Any = None,
    netbox: Any = None,
    snapshot: Snapshot | None = None,
    netbox_diagram_date: dt.date | None = None,
    last_change: dt.date | None = None,
) -> Any:
    """Pure: one SKPD's ``SkpdAudit`` from its three views.

    Findings: every device that did not answer; the diff of the diagram against the live LAN (when
    there is a diagram); the Pasal 20 checks (diagram age against ``today``, a Mandiri TIK SKPD
    without a diagram, a change after the diagram's date). The submission date is the diagram's own,
    else NetBox's ``lan_diagram_date``.
    """
    from simpul.core.audit import SkpdAudit, UnreachableDevice, sort_findings
    from simpul.core.diff import diff_topologies
    from simpul.core.regulatory import regulatory_findings
    from simpul.core.snapshot import snapshot_to_topology, unreachable_devices, unreachable_findings

    live = snapshot_to_topology(snapshot) if snapshot is not None else None
    findings = []
    silent: frozenset[str] = frozenset()
    if snapshot is not None:
        silent = unreachable_devices(snapshot)
        findings += unreachable_findings(snapshot)
    if diagram is not None and live is not None:
        findings += diff_topologies(diagram, live, skpd=slug, unreachable=silent)
    diagram_date = (diagram.date or netbox_diagram_date) if diagram is not None else None
    findings += regulatory_findings(
        skpd=slug,
        mandiri_tik=mandiri_tik,
        today=today,
        has_diagram=diagram is not None,
        diagram_date=diagram_date,
        last_change=last_change,
    )
    return SkpdAudit(
        slug=slug,
        name=name,
        mandiri_tik=mandiri_tik,
        diagram=diagram,
        netbox=netbox,
        live=live,
        findings=sort_findings(findings),
        diagram_date=diagram_date,
        collected_at=snapshot.collected_at if snapshot is not None else None,
        unreachable=tuple(
            UnreachableDevice(name=d.name, reason=d.error)
            for d in (snapshot.devices if snapshot else ())
            if not d.reachable
        ),
    )


__all__ = [
    "HostInfo",
    "audit_skpd",
    "choose_mgmt_ip",
    "collect_snapshots",
    "device_from_state",
    "last_lan_change",
    "load_collect_hosts",
    "snapshot_from_states",
    "snapshot_json",
    "write_snapshots",
]
