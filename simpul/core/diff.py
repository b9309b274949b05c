"""Diff two views of one SKPD's LAN: the submitted diagram (expected) against live state, NetBox or a
newer diagram (actual).

Finding kinds, severities and the Perbup Sekadau 19/2021 article each serves (docs/lan-audit.md):

================== ======== ======== ================================================================
kind               code     severity why
================== ======== ======== ================================================================
missing_device     LAN-001  medium   the diagram shows a device the LAN does not have: the diagram no
                                     longer lets the Dinas inspect the real LAN (Pasal 19 ayat (2))
undocumented_device LAN-002 high     a device on the LAN nobody reported: an unreported change and an
                                     unknown box on the Jaringan Intra (Pasal 20 ayat (2))
missing_link       LAN-003  medium   Pasal 19 ayat (2), as missing_device
undocumented_link  LAN-004  medium   Pasal 20 ayat (2)
port_mismatch      LAN-005  low      same two devices, other ports: recabling not reported (20(2))
vlan_mismatch      LAN-006  medium   a VLAN only on one side (20(2)); low when only the name differs;
                                     "VLAN id changed" when its subnet (or name) stayed under a new id
subnet_mismatch    LAN-007  medium   the same VLAN on another subnet (20(2))
ip_mismatch        LAN-008  low      a device's management address differs (20(2))
model_mismatch     LAN-009  low      a device replaced by another model (20(2))
================== ======== ======== ================================================================

Rules: hostnames compare case-insensitively, interface names through ``port_key`` (netutils), a
link is the same whichever end is written first. A side that does not say (no model, no IP, no port,
no subnet, no VLAN name) says nothing: it never causes a finding; nor does a platform default VLAN
(1, and 1002-1005 on IOS) present on one side only. Links to a device that is itself
missing or undocumented are not reported again; the device finding names where it attaches (``peer``,
``peer_port``, ``port``). Diskominfo's own devices (distribution/core, see
``simpul.core.snapshot.is_jaringan_intra``) are outside every SKPD LAN and ignored on both sides.

Examples:
    >>> from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, Vlan
    >>> dev = lambda n, **kw: TopoDevice(name=n, **kw)
    >>> link = lambda a, pa, b, pb: TopoLink(a=LinkEnd(device=a, port=pa), b=LinkEnd(device=b, port=pb))
    >>> diagram = Topology(devices=(dev("rtr-x", model="RB4011"), dev("sw-x-01")),
    ...                    links=(link("rtr-x", "ether2", "sw-x-01", "ether1"),), vlans=(Vlan(vid=90),))
    >>> live = Topology(view="live", devices=(dev("RTR-X", model="rb 4011"), dev("sw-x-01")),
    ...                 links=(link("sw-x-01", "ether1", "rtr-x", "ether3"),), vlans=(Vlan(vid=90),))
    >>> [(f.kind.value, f.device, f.port, f.expected, f.actual) for f in diff_topologies(diagram, live)]
    [('port_mismatch', 'rtr-x', 'ether2', 'rtr-x ether2 - sw-x-01 ether1', 'rtr-x ether3 - sw-x-01 ether1')]
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from simpul.core.findings import Finding, FindingKind, Severity
from simpul.core.snapshot import is_jaringan_intra
from simpul.core.topology import TopoDevice, TopoLink, Topology, Vlan, device_key, port_key

PASAL_19_2 = "Pasal 19 ayat (2)"
PASAL_20_2 = "Pasal 20 ayat (2)"

SEVERITY: dict[FindingKind, Severity] = {
    FindingKind.MISSING_DEVICE: Severity.MEDIUM,
    FindingKind.UNDOCUMENTED_DEVICE: Severity.HIGH,
    FindingKind.MISSING_LINK: Severity.MEDIUM,
    FindingKind.UNDOCUMENTED_LINK: Severity.MEDIUM,
    FindingKind.PORT_MISMATCH: Severity.LOW,
    FindingKind.VLAN_MISMATCH: Severity.MEDIUM,
    FindingKind.SUBNET_MISMATCH: Severity.MEDIUM,
    FindingKind.IP_MISMATCH: Severity.LOW,
    FindingKind.MODEL_MISMATCH: Severity.LOW,
}

ARTICLE: dict[FindingKind, str] = {
    FindingKind.MISSING_DEVICE: PASAL_19_2,
    FindingKind.MISSING_LINK: PASAL_19_2,
    FindingKind.UNDOCUMENTED_DEVICE: PASAL_20_2,
    FindingKind.UNDOCUMENTED_LINK: PASAL_20_2,
    FindingKind.PORT_MISMATCH: PASAL_20_2,
    FindingKind.VLAN_MISMATCH: PASAL_20_2,
    FindingKind.SUBNET_MISMATCH: PASAL_20_2,
    FindingKind.IP_MISMATCH: PASAL_20_2,
    FindingKind.MODEL_MISMATCH: PASAL_20_2,
}

_KIND_ORDER = {kind: i for i, kind in enumerate(FindingKind)}

# VLANs that exist on a platform whether anyone configured them or not: on one side only, not a finding
PLATFORM_DEFAULT_VLANS = frozenset({1, 1002, 1003, 1004, 1005})

# interface names repeat across a regency (ether1, GigabitEthernet0/1...): normalise each once
_port_key = lru_cache(maxsize=16384)(port_key)

# a link end aligned to the sorted device pair: (device name as written, port as written, port key)
_End = tuple[str, str | None, str | None]


def normalise_model(model: str | None) -> str | None:
    """Models compare case- and space-insensitively.

    >>> normalise_model(" CRS328-24P "), normalise_model("rb 4011") == normalise_model("RB4011")
    ('crs328-24p', True)
    """
    if model is None or not model.strip():
        return None
    return "".join(model.split()).lower()


def _same_ip(a: str, b: str) -> bool:
    if a.strip() == b.strip():
        return True
    try:
        return ipaddress.ip_interface(a).ip == ipaddress.ip_interface(b).ip
    except ValueError:
        return a.strip().lower() == b.strip().lower()


def _in_lan(topology: Topology) -> tuple[dict[str, TopoDevice], list[TopoLink]]:
    devices = {d.key(): d for d in topology.devices if not is_jaringan_intra(d.name, d.role)}
    outside = {d.key() for d in topology.devices if is_jaringan_intra(d.name, d.role)}
    links = [
        link
        for link in topology.links
        if not ({device_key(link.a.device), device_key(link.b.device)} & outside)
        and not is_jaringan_intra(link.a.device)
        and not is_jaringan_intra(link.b.device)
    ]
    return devices, links


def _aligned(link: TopoLink) -> tuple[_End, _End]:
    """The link's ends ordered by device key (then port), so both directions compare alike."""
    ends = [
        (link.a.device, link.a.port, _port_key(link.a.port)),
        (link.b.device, link.b.port, _port_key(link.b.port)),
    ]
    ends.sort(key=lambda e: (device_key(e[0]), e[2] or ""))
    return ends[0], ends[1]


def _compatible(x: tuple[_End, _End], y: tuple[_End, _End]) -> bool:
    return all(p[2] is None or q[2] is None or p[2] == q[2] for p, q in zip(x, y, strict=True))


def _shared_ports(x: tuple[_End, _End], y: tuple[_End, _End]) -> int:
    return sum(1 for p, q in zip(x, y, strict=True) if p[2] is not None and p[2] == q[2])


def _text(ends: tuple[_End, _End]) -> str:
    return f"{ends[0][0]} {ends[0][1] or '?'} - {ends[1][0]} {ends[1][1] or '?'}"


def _vlan_text(vlan: Vlan) -> str:
    return f"VLAN {vlan.vid}" + (f" {vlan.name}" if vlan.name else "")


def diff_topologies(
    expected: Topology,
    actual: Topology,
    *,
    skpd: str | None = None,
    unreachable: Collection[str] = (),
) -> list[Finding]:
    """Findings that turn ``expected`` (the submitted diagram) into ``actual``, sorted by kind then device.

    ``unreachable``: device keys that did not answer (``simpul.core.snapshot.unreachable_devices``); a
    diagram link with an end that did not answer is not reported missing (its absence cannot be told:
    the peer may not run LLDP); the ``device_unreachable`` finding covers it.
    """
    skpd = skpd or expected.skpd or actual.skpd
    exp_devices, exp_links = _in_lan(expected)
    act_devices, act_links = _in_lan(actual)
    silent = {device_key(k) for k in unreachable}
    findings: list[Finding] = []

    def add(
        kind: FindingKind, *, severity: Severity | None = None, message: str, **fields: str | None
    ) -> None:
        findings.append(
            Finding(
                kind=kind,
                severity=severity or SEVERITY[kind],
                article=ARTICLE[kind],
                skpd=skpd,
                message=message,
                **fields,
            )
        )

    missing = exp_devices.keys() - act_devices.keys()
    extra = act_devices.keys() - exp_devices.keys()
    for key, kind, devices, links, verb in (
        (missing, FindingKind.MISSING_DEVICE, exp_devices, exp_links, "is in the diagram but not on the LAN"),
        (
            extra,
            FindingKind.UNDOCUMENTED_DEVICE,
            act_devices,
            act_links,
            "is on the LAN but not in the diagram",
        ),
    ):
        for k in sorted(key):
            device = devices[k]
            attach = _attachment(k, links, key)
            add(
                kind,
                device=device.name,
                port=attach[0],
                peer=attach[1],
                peer_port=attach[2],
                expected=device.name if kind is FindingKind.MISSING_DEVICE else None,
                actual=device.name if kind is FindingKind.UNDOCUMENTED_DEVICE else None,
                message=f"{device.name} {verb}",
            )

    for k in sorted(exp_devices.keys() & act_devices.keys()):
        e, a = exp_devices[k], act_devices[k]
        em, am = normalise_model(e.model), normalise_model(a.model)
        if em and am and em != am:
            add(
                FindingKind.MODEL_MISMATCH,
                device=e.name,
                expected=e.model,
                actual=a.model,
                message=f"{e.name} is a {a.model}, the diagram says {e.model}",
            )
        if e.mgmt_ip and a.mgmt_ip and not _same_ip(e.mgmt_ip, a.mgmt_ip):
            add(
                FindingKind.IP_MISMATCH,
                device=e.name,
                expected=e.mgmt_ip,
                actual=a.mgmt_ip,
                message=f"{e.name} answers on {a.mgmt_ip}, the diagram says {e.mgmt_ip}",
            )

    findings += _diff_links(exp_links, act_links, missing | extra, silent, skpd)
    findings += _diff_vlans(expected.vlans, actual.vlans, skpd)
    findings.sort(
        key=lambda f: (
            _KIND_ORDER[f.kind],
            device_key(f.device or ""),
            _port_key(f.port) or "",
            f.expected or "",
            f.actual or "",
        )
    )
    return findings


def _attachment(
    key: str, links: Iterable[TopoLink], absent: set[str]
) -> tuple[str | None, str | None, str | None]:
    """(own port, peer, peer port) of the first link from a missing/undocumented device."""
    candidates = []
    for link in links:
        for mine, other in ((link.a, link.b), (link.b, link.a)):
            if device_key(mine.device) == key:
                # prefer a peer that exists on both sides: it tells where to look
                candidates.append(
                    (
                        device_key(other.device) in absent,
                        device_key(other.device),
                        _port_key(mine.port) or "",
                        (mine.port, other.device, other.port),
                    )
                )
    if not candidates:
        return (None, None, None)
    return min(candidates)[3]


def _diff_links(
    exp_links: list[TopoLink],
    act_links: list[TopoLink],
    absent: set[str],
    silent: set[str],
    skpd: str | None,
) -> list[Finding]:
    def group(links: list[TopoLink]) -> dict[tuple[str, str], list[tuple[_End, _End]]]:
        out: dict[tuple[str, str], list[tuple[_End, _End]]] = {}
        seen: set[object] = set()
        for link in links:
            pair = link.devices_key()
            if pair[0] == pair[1] or pair[0] in absent or pair[1] in absent:
                continue
            ends = _aligned(link)
            identity = (pair, ends[0][2], ends[1][2])
            if identity in seen:
                continue
            seen.add(identity)
            out.setdefault(pair, []).append(ends)
        return out

    exp, act = group(exp_links), group(act_links)
    findings: list[Finding] = []

    def finding(kind: FindingKind, ends: tuple[_End, _End], **extra: str | None) -> Finding:
        return Finding(
            kind=kind,
            severity=SEVERITY[kind],
            article=ARTICLE[kind],
            skpd=skpd,
            device=ends[0][0],
            port=ends[0][1],
            peer=ends[1][0],
            peer_port=ends[1][1],
            **extra,
        )

    for pair in sorted(exp.keys() | act.keys()):
        left = list(exp.get(pair, []))
        right = list(act.get(pair, []))
        # 1. links that agree (a port one side does not state agrees with any port)
        for x in sorted(left, key=lambda e: -sum(p[2] is not None for p in e)):
            match = next((y for y in right if _compatible(x, y)), None)
            if match is not None:
                left.remove(x)
                right.remove(match)
        # 2. same two devices, other ports: one port_mismatch per pair, most shared ports first
        while left and right:
            x, y = max(((x, y) for x in left for y in right), key=lambda xy: _shared_ports(*xy))
            left.remove(x)
            right.remove(y)
            findings.append(
                finding(
                    FindingKind.PORT_MISMATCH,
                    x,
                    expected=_text(x),
                    actual=_text(y),
                    message=f"{_text(x)} is cabled as {_text(y)}",
                )
            )
        for x in left:
            if set(pair) & silent:
                continue  # an end did not answer: absence cannot be told
            findings.append(
                finding(
                    FindingKind.MISSING_LINK,
                    x,
                    expected=_text(x),
                    message=f"link {_text(x)} is in the diagram but not seen",
                )
            )
        for y in right:
            findings.append(
                finding(
                    FindingKind.UNDOCUMENTED_LINK,
                    y,
                    actual=_text(y),
                    message=f"link {_text(y)} is not in the diagram",
                )
            )
    return findings


def _renumbered(exp: dict[int, Vlan], act: dict[int, Vlan]) -> list[tuple[Vlan, Vlan]]:
    """VLANs whose id changed while their subnet (else their name) stayed: one pair each, unambiguous.

    >>> old, new = Vlan(vid=121, subnet="10.20.121.0/24"), Vlan(vid=125, subnet="10.20.121.0/24")
    >>> _renumbered({121: old}, {125: new}) == [(old, new)]
    True
    """
    only_exp = [v for vid, v in sorted(exp.items()) if vid not in act and vid not in PLATFORM_DEFAULT_VLANS]
    only_act = [v for vid, v in sorted(act.items()) if vid not in exp and vid not in PLATFORM_DEFAULT_VLANS]

    def subnet(v: Vlan) -> object:
        return ipaddress.ip_network(v.subnet, strict=False) if v.subnet else None

    def name(v: Vlan) -> str | None:
        return v.name.strip().lower() if v.name and v.name.strip() else None

    pairs: list[tuple[Vlan, Vlan]] = []
    for same in (subnet, name):
        for e in list(only_exp):
            if same(e) is None:
                continue
            cands = [a for a in only_act if same(a) == same(e)]
            rivals = [x for x in only_exp if same(x) == same(e)]
            if len(cands) != 1 or len(rivals) != 1:
                continue  # ambiguous: leave them as missing + configured
            a = cands[0]
            if subnet(e) and subnet(a) and subnet(e) != subnet(a):
                continue  # same name, other subnet: not the same VLAN
            pairs.append((e, a))
            only_exp.remove(e)
            only_act.remove(a)
    return pairs


def _diff_vlans(expected: Iterable[Vlan], actual: Iterable[Vlan], skpd: str | None) -> list[Finding]:
    exp = {v.vid: v for v in expected}
    act = {v.vid: v for v in actual}
    findings: list[Finding] = []

    def add(kind: FindingKind, severity: Severity, message: str, **fields: str | None) -> None:
        findings.append(
            Finding(kind=kind, severity=severity, article=ARTICLE[kind], skpd=skpd, message=message, **fields)
        )

    for old, new in _renumbered(exp, act):
        on = f"on {old.subnet}" if old.subnet else f"named {old.name}"
        add(
            FindingKind.VLAN_MISMATCH,
            SEVERITY[FindingKind.VLAN_MISMATCH],
            expected=_vlan_text(old) + (f" {old.subnet}" if old.subnet else ""),
            actual=_vlan_text(new) + (f" {new.subnet}" if new.subnet else ""),
            message=f"VLAN id changed {on}: {old.vid} in the diagram, {new.vid} configured",
        )
        del exp[old.vid], act[new.vid]
    for vid in sorted(exp.keys() | act.keys()):
        e, a = exp.get(vid), act.get(vid)
        if (e is None or a is None) and vid in PLATFORM_DEFAULT_VLANS:
            continue  # every switch has VLAN 1 (and IOS 1002-1005); nobody draws them
        if a is None and e is not None:
            add(
                FindingKind.VLAN_MISMATCH,
                SEVERITY[FindingKind.VLAN_MISMATCH],
                expected=_vlan_text(e),
                actual=None,
                message=f"{_vlan_text(e)} is in the diagram but not configured",
            )
            continue
        if e is None and a is not None:
            add(
                FindingKind.VLAN_MISMATCH,
                SEVERITY[FindingKind.VLAN_MISMATCH],
                expected=None,
                actual=_vlan_text(a),
                message=f"{_vlan_text(a)} is configured but not in the diagram",
            )
            continue
        assert e is not None and a is not None
        if e.name and a.name and e.name.strip().lower() != a.name.strip().lower():
            add(
                FindingKind.VLAN_MISMATCH,
                Severity.LOW,
                expected=_vlan_text(e),
                actual=_vlan_text(a),
                message=f"VLAN {vid} is named {a.name!r}, the diagram says {e.name!r}",
            )
        if (
            e.subnet
            and a.subnet
            and ipaddress.ip_network(e.subnet, strict=False) != ipaddress.ip_network(a.subnet, strict=False)
        ):
            add(
                FindingKind.SUBNET_MISMATCH,
                SEVERITY[FindingKind.SUBNET_MISMATCH],
                expected=f"VLAN {vid} {e.subnet}",
                actual=f"VLAN {vid} {a.subnet}",
                message=f"VLAN {vid} runs {a.subnet}, the diagram says {e.subnet}",
            )
    return findings


def summarise(findings: Iterable[Finding]) -> dict[str, object]:
    """Counts by kind and by severity, for the JSON ``summary``.

    >>> summarise([])
    {'total': 0, 'by_kind': {}, 'by_severity': {}, 'highest': None}
    """
    by_kind: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    highest: Severity | None = None
    total = 0
    for f in findings:
        total += 1
        by_kind[f.kind.value] = by_kind.get(f.kind.value, 0) + 1
        by_severity[f.severity.value] = by_severity.get(f.severity.value, 0) + 1
        if highest is None or f.severity.rank > highest.rank:  # Severity ">" compares as str
            highest = f.severity
    return {
        "total": total,
        "by_kind": by_kind,
        "by_severity": by_severity,
        "highest": highest.value if highest else None,
    }


# -- three views side by side (``simpul lan diff --netbox``) --------------------------------------


class PresenceRow(BaseModel):
    """One device or link and whether each view has it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["device", "link"]
    name: str  # "rtr-disdik" or "rtr-disdik ether2 - sw-disdik-01 ether1"
    diagram: bool
    netbox: bool
    live: bool

    @property
    def agrees(self) -> bool:
        return self.diagram == self.netbox == self.live


class ThreeWay(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pairs: dict[str, tuple[Finding, ...]]  # "diagram_vs_netbox", "diagram_vs_live", "netbox_vs_live"
    devices: tuple[PresenceRow, ...]
    links: tuple[PresenceRow, ...]


def three_way(
    diagram: Topology,
    netbox: Topology,
    live: Topology,
    *,
    skpd: str | None = None,
    unreachable: Collection[str] = (),
) -> ThreeWay:
    """Findings for each pair of views, and a side-by-side presence table of devices and links.

    >>> from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology
    >>> a, b, c = (TopoDevice(name=n) for n in ("rtr-x", "sw-x-01", "sw-x-02"))
    >>> ab = TopoLink(a=LinkEnd(device="rtr-x", port="ether2"), b=LinkEnd(device="sw-x-01", port="ether1"))
    >>> tw = three_way(Topology(devices=(a, b), links=(ab,)), Topology(devices=(a, b), links=(ab,)),
    ...                Topology(devices=(a, b, c), links=(ab,)))
    >>> [(r.name, r.diagram, r.netbox, r.live) for r in tw.devices if not r.agrees]
    [('sw-x-02', False, False, True)]
    >>> {k: len(v) for k, v in tw.pairs.items()}
    {'diagram_vs_netbox': 0, 'diagram_vs_live': 1, 'netbox_vs_live': 1}
    """
    views = {"diagram": diagram, "netbox": netbox, "live": live}
    pairs = {
        "diagram_vs_netbox": tuple(diff_topologies(diagram, netbox, skpd=skpd)),
        "diagram_vs_live": tuple(diff_topologies(diagram, live, skpd=skpd, unreachable=unreachable)),
        "netbox_vs_live": tuple(diff_topologies(netbox, live, skpd=skpd, unreachable=unreachable)),
    }
    in_lan = {name: _in_lan(t) for name, t in views.items()}
    names: dict[str, str] = {}
    for name in ("diagram", "netbox", "live"):
        for key, device in in_lan[name][0].items():
            names.setdefault(key, device.name)
    devices = tuple(
        PresenceRow(kind="device", name=names[key], **{v: key in in_lan[v][0] for v in views})
        for key in sorted(names)
    )
    aligned = {v: [_aligned(link) for link in in_lan[v][1]] for v in views}
    rows: list[tuple[_End, _End]] = []
    for v in ("diagram", "netbox", "live"):
        for ends in aligned[v]:
            same_pair = [
                r
                for r in rows
                if (device_key(r[0][0]), device_key(r[1][0]))
                == (device_key(ends[0][0]), device_key(ends[1][0]))
            ]
            if any(_compatible(r, ends) for r in same_pair):
                continue
            rows.append(ends)
    links = tuple(
        PresenceRow(
            kind="link",
            name=_text(ends),
            **{
                v: any(
                    (device_key(x[0][0]), device_key(x[1][0]))
                    == (device_key(ends[0][0]), device_key(ends[1][0]))
                    and _compatible(x, ends)
                    for x in aligned[v]
                )
                for v in views
            },
        )
        for ends in sorted(rows, key=lambda e: (device_key(e[0][0]), device_key(e[1][0]), e[0][2] or ""))
    )
    return ThreeWay(pairs=pairs, devices=devices, links=links)
