"""The result of a LAN audit, per SKPD and for the whole regency, as the report renders it.

An ``AuditRun`` holds one ``SkpdAudit`` per SKPD: the three views of its LAN (submitted diagram,
NetBox, live snapshot), the findings the diff and the regulatory checks produced, and when each
view was made. Everything here is pure: the status of an SKPD, the summary across the regency, the
exit code for ``--fail-on`` and the picture of a LAN (which devices and links are in both views,
missing, or undocumented) are functions of the data alone.

Examples:
    >>> import datetime as dt
    >>> from simpul.core.findings import Finding, FindingKind, Severity
    >>> ok = SkpdAudit(slug="disdik", name="Dinas Pendidikan", mandiri_tik=True,
    ...                diagram=Topology(skpd="disdik"))
    >>> bad = SkpdAudit(slug="dinkes", name="Dinas Kesehatan", mandiri_tik=True,
    ...                 diagram=Topology(skpd="dinkes"),
    ...                 findings=(Finding(kind=FindingKind.MISSING_LINK, severity=Severity.HIGH),))
    >>> ok.status, bad.status
    (<AuditStatus.COMPLIANT: 'compliant'>, <AuditStatus.FINDINGS: 'findings'>)
    >>> run = AuditRun(regency="Kabupaten Sekadau", generated_at=dt.datetime(2026, 11, 22, 8, 0),
    ...                skpds=(ok, bad))
    >>> s = summarise(run)
    >>> s.by_status[AuditStatus.FINDINGS], s.by_severity[Severity.HIGH], s.findings_total
    (1, 1, 1)
    >>> exit_code(run, Severity.HIGH), exit_code(run, Severity.CRITICAL)
    (1, 0)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simpul.core.findings import Finding, FindingKind, Severity
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View, device_key, port_key

Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = ("id", "en")

# NetBox slugs: letters, digits, hyphens, underscores. The slug names a file of the report, so it
# must never carry a path separator or "..".
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AuditStatus(StrEnum):
    """Where an SKPD stands, worst first in precedence: no diagram, stale, findings, compliant."""

    COMPLIANT = "compliant"
    FINDINGS = "findings"
    NO_DIAGRAM = "no_diagram"
    STALE = "stale"


# The Perbup articles the audit serves, in the order the report lists them.
ARTICLES: tuple[str, ...] = ("Pasal 19 ayat (2)", "Pasal 20 ayat (1)", "Pasal 20 ayat (2)", "Pasal 46")

# The article a finding serves when the check that made it did not name one.
DEFAULT_ARTICLES: dict[FindingKind, str] = {
    FindingKind.MISSING_DEVICE: "Pasal 20 ayat (2)",
    FindingKind.UNDOCUMENTED_DEVICE: "Pasal 20 ayat (2)",
    FindingKind.MISSING_LINK: "Pasal 20 ayat (2)",
    FindingKind.UNDOCUMENTED_LINK: "Pasal 20 ayat (2)",
    FindingKind.PORT_MISMATCH: "Pasal 20 ayat (2)",
    FindingKind.VLAN_MISMATCH: "Pasal 20 ayat (2)",
    FindingKind.SUBNET_MISMATCH: "Pasal 20 ayat (2)",
    FindingKind.IP_MISMATCH: "Pasal 20 ayat (2)",
    FindingKind.MODEL_MISMATCH: "Pasal 20 ayat (2)",
    FindingKind.DIAGRAM_STALE: "Pasal 20 ayat (1)",
    FindingKind.CHANGE_NOT_REPORTED: "Pasal 20 ayat (2)",
    FindingKind.DIAGRAM_MISSING: "Pasal 20 ayat (1) jo. Pasal 46",
    FindingKind.DEVICE_UNREACHABLE: "Pasal 19 ayat (2)",
    FindingKind.DIAGRAM_INCOMPLETE: "Pasal 20 ayat (1)",
}


def article_for(finding: Finding) -> str:
    """The Perbup article a finding serves: its own, else the default for its kind.

    >>> article_for(Finding(kind=FindingKind.DIAGRAM_STALE, severity=Severity.MEDIUM))
    'Pasal 20 ayat (1)'
    >>> article_for(Finding(kind=FindingKind.DIAGRAM_STALE, severity=Severity.MEDIUM, article="Pasal 99"))
    'Pasal 99'
    """
    return finding.article or DEFAULT_ARTICLES[finding.kind]


def severity_rank(severity: Severity) -> int:
    """Rank of a severity, info = 0 ... critical = 4.

    Compare ranks, not ``Severity`` values: ``Severity`` is a ``str`` enum and its ``>`` / ``<=``
    fall back to alphabetical order.

    >>> severity_rank(Severity.HIGH) > severity_rank(Severity.MEDIUM)
    True
    """
    return list(Severity).index(severity)


def reaches(severity: Severity, threshold: Severity) -> bool:
    """True when ``severity`` is at least ``threshold``.

    >>> reaches(Severity.HIGH, Severity.MEDIUM), reaches(Severity.LOW, Severity.MEDIUM)
    (True, False)
    """
    return severity_rank(severity) >= severity_rank(threshold)


def worst_severity(findings: Iterable[Finding]) -> Severity | None:
    """The highest severity among findings, None when there are none.

    >>> worst_severity([Finding(kind=FindingKind.IP_MISMATCH, severity=Severity.LOW),
    ...                 Finding(kind=FindingKind.MISSING_DEVICE, severity=Severity.HIGH)])
    <Severity.HIGH: 'high'>
    >>> worst_severity([]) is None
    True
    """
    ranked = [f.severity for f in findings]
    return max(ranked, key=severity_rank) if ranked else None


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in reading order: worst severity first, then code, device and port.

    >>> fs = sort_findings([Finding(kind=FindingKind.IP_MISMATCH, severity=Severity.LOW, device="b"),
    ...                     Finding(kind=FindingKind.MISSING_DEVICE, severity=Severity.HIGH, device="a")])
    >>> [f.code for f in fs]
    ['LAN-001', 'LAN-008']
    """
    return tuple(
        sorted(
            findings,
            key=lambda f: (-severity_rank(f.severity), f.code, f.device or "", f.port or "", f.peer or ""),
        )
    )


def derive_status(
    *, has_diagram: bool, findings: Sequence[Finding], unreachable: int = 0, mandiri_tik: bool = True
) -> AuditStatus:
    """The status of one SKPD.

    - ``no_diagram``: an SKPD Mandiri TIK (Pasal 46) has no diagram to audit against; an SKPD that is
      not Mandiri TIK owes no diagram (Pasal 20 ayat (1)), so its status follows its findings;
    - ``stale``: the diagram is older than the Perbup allows (a ``diagram_stale`` finding);
    - ``findings``: any other finding, or a device that could not be reached (the LAN could not be
      inspected completely, so it cannot be called compliant);
    - ``compliant``: none of the above.

    >>> stale = Finding(kind=FindingKind.DIAGRAM_STALE, severity=Severity.MEDIUM)
    >>> derive_status(has_diagram=True, findings=[])
    <AuditStatus.COMPLIANT: 'compliant'>
    >>> derive_status(has_diagram=True, findings=[], unreachable=1)
    <AuditStatus.FINDINGS: 'findings'>
    >>> derive_status(has_diagram=True, findings=[stale])
    <AuditStatus.STALE: 'stale'>
    >>> derive_status(has_diagram=False, findings=[stale])
    <AuditStatus.NO_DIAGRAM: 'no_diagram'>
    >>> derive_status(has_diagram=False, findings=[], mandiri_tik=False)
    <AuditStatus.COMPLIANT: 'compliant'>
    """
    if not has_diagram and mandiri_tik:
        return AuditStatus.NO_DIAGRAM
    if any(f.kind is FindingKind.DIAGRAM_STALE for f in findings):
        return AuditStatus.STALE
    if findings or unreachable:
        return AuditStatus.FINDINGS
    return AuditStatus.COMPLIANT


class UnreachableDevice(Frozen):
    """A device the live collection could not read; ``reason`` is a short error, never config text."""

    name: str
    reason: str | None = None


class SkpdAudit(Frozen):
    """Everything the audit knows about one SKPD."""

    slug: str = Field(pattern=SLUG_PATTERN)
    name: str
    mandiri_tik: bool  # Pasal 46; required: whether a diagram is owed depends on it
    diagram: Topology | None = None
    netbox: Topology | None = None
    live: Topology | None = None
    findings: tuple[Finding, ...] = ()
    diagram_date: dt.date | None = None
    diagram_source: str | None = None
    collected_at: dt.datetime | None = None
    unreachable: tuple[UnreachableDevice, ...] = ()

    @property
    def status(self) -> AuditStatus:
        return derive_status(
            has_diagram=self.diagram is not None,
            findings=self.findings,
            unreachable=len(self.unreachable),
            mandiri_tik=self.mandiri_tik,
        )

    @property
    def effective_diagram_date(self) -> dt.date | None:
        """The submission date: given explicitly, else the diagram's own."""
        if self.diagram_date is not None:
            return self.diagram_date
        return self.diagram.date if self.diagram is not None else None

    @property
    def effective_diagram_source(self) -> str | None:
        if self.diagram_source is not None:
            return self.diagram_source
        return self.diagram.source if self.diagram is not None else None


class AuditRun(Frozen):
    """One audit of the regency: what ``simpul lan audit`` hands to the report."""

    regency: str
    generated_at: dt.datetime
    lang: Lang = "id"
    fail_on: Severity = Severity.HIGH
    skpds: tuple[SkpdAudit, ...] = ()

    @model_validator(mode="after")
    def _unique_slugs(self) -> AuditRun:
        seen: set[str] = set()
        for skpd in self.skpds:
            if skpd.slug in seen:
                raise ValueError(f"SKPD {skpd.slug!r} appears twice in the audit run")
            seen.add(skpd.slug)
        return self


class Summary(Frozen):
    """Counts across the regency: per status, per severity, per finding kind."""

    skpd_total: int
    findings_total: int
    by_status: dict[AuditStatus, int]
    by_severity: dict[Severity, int]
    by_kind: dict[FindingKind, int]
    worst_severity: Severity | None
    fail_on: Severity
    exit_code: int


def exit_code(run: AuditRun, fail_on: Severity) -> int:
    """1 when any finding of any SKPD reaches ``fail_on``, else 0.

    >>> f = Finding(kind=FindingKind.MODEL_MISMATCH, severity=Severity.LOW)
    >>> run = AuditRun(regency="R", generated_at=dt.datetime(2026, 1, 1),
    ...                skpds=(SkpdAudit(slug="a", name="A", mandiri_tik=True, findings=(f,)),))
    >>> exit_code(run, Severity.LOW), exit_code(run, Severity.MEDIUM), exit_code(run, Severity.INFO)
    (1, 0, 1)
    """
    hit = any(reaches(f.severity, fail_on) for skpd in run.skpds for f in skpd.findings)
    return 1 if hit else 0


def summarise(run: AuditRun) -> Summary:
    """Counts per status, per severity and per kind (every key present, zeros included).

    >>> s = summarise(AuditRun(regency="R", generated_at=dt.datetime(2026, 1, 1),
    ...                        skpds=(SkpdAudit(slug="a", name="A", mandiri_tik=True),)))
    >>> s.by_status[AuditStatus.NO_DIAGRAM], s.worst_severity, s.exit_code
    (1, None, 0)
    """
    by_status = dict.fromkeys(AuditStatus, 0)
    by_severity = dict.fromkeys(sorted(Severity, key=severity_rank, reverse=True), 0)
    by_kind = dict.fromkeys(FindingKind, 0)
    all_findings: list[Finding] = []
    for skpd in run.skpds:
        by_status[skpd.status] += 1
        for finding in skpd.findings:
            by_severity[finding.severity] += 1
            by_kind[finding.kind] += 1
            all_findings.append(finding)
    return Summary(
        skpd_total=len(run.skpds),
        findings_total=len(all_findings),
        by_status=by_status,
        by_severity=by_severity,
        by_kind=by_kind,
        worst_severity=worst_severity(all_findings),
        fail_on=run.fail_on,
        exit_code=exit_code(run, run.fail_on),
    )


# --- the picture of a LAN -------------------------------------------------------------------------


class ItemState(StrEnum):
    """How a device or link of the picture compares across the two views."""

    BOTH = "both"  # in the diagram and in the network
    MISSING = "missing"  # in the diagram, not found in the network
    UNDOCUMENTED = "undocumented"  # in the network, not in the diagram
    UNVERIFIED = "unverified"  # only one view exists, nothing to compare with
    UNREACHABLE = "unreachable"  # in the diagram, but the device (or a link end) could not be read


class PictureNode(Frozen):
    key: str
    name: str
    state: ItemState
    role: str | None = None
    model: str | None = None
    mgmt_ip: str | None = None
    actual_model: str | None = None  # set only when the network disagrees with the diagram
    actual_mgmt_ip: str | None = None


class PictureEdge(Frozen):
    a: LinkEnd
    b: LinkEnd
    state: ItemState


class LanPicture(Frozen):
    """The union of two views of a LAN, each item marked with how it compares."""

    expected_view: View | None  # the diagram, when there is one
    actual_view: View | None  # live, else NetBox
    nodes: tuple[PictureNode, ...] = ()
    edges: tuple[PictureEdge, ...] = ()


def picture_views(audit: SkpdAudit) -> tuple[Topology | None, Topology | None]:
    """The two views the picture compares: the diagram, and live (else NetBox when live is absent)."""
    actual = audit.live if audit.live is not None else audit.netbox
    return audit.diagram, actual


def _dedupe_links(links: Iterable[TopoLink]) -> list[TopoLink]:
    seen: set[object] = set()
    out: list[TopoLink] = []
    for link in links:
        if link.key() not in seen:
            seen.add(link.key())
            out.append(link)
    return out


def _ends_agree(x: TopoLink, y: TopoLink) -> bool:
    """Same two devices, and every port written at both ends is the same (a missing port agrees)."""

    def agree(p: str | None, q: str | None) -> bool:
        return p is None or q is None or port_key(p) == port_key(q)

    for ya, yb in ((y.a, y.b), (y.b, y.a)):
        if (
            device_key(x.a.device) == device_key(ya.device)
            and device_key(x.b.device) == device_key(yb.device)
            and agree(x.a.port, ya.port)
            and agree(x.b.port, yb.port)
        ):
            return True
    return False


def _match_links(
    expected: list[TopoLink], actual: list[TopoLink]
) -> tuple[list[tuple[TopoLink, TopoLink]], list[TopoLink], list[TopoLink]]:
    """Pairs found in both, expected only, actual only. A link without ports matches by devices."""
    actual_by_key = {link.key(): link for link in actual}
    pairs: list[tuple[TopoLink, TopoLink]] = []
    left: list[TopoLink] = []
    used: set[object] = set()
    for link in expected:
        twin = actual_by_key.get(link.key())
        if twin is not None and twin.key() not in used:
            pairs.append((link, twin))
            used.add(twin.key())
        else:
            left.append(link)
    missing: list[TopoLink] = []
    for link in left:
        twin = next((c for c in actual if c.key() not in used and _ends_agree(link, c)), None)
        if twin is None:
            missing.append(link)
        else:
            pairs.append((link, twin))
            used.add(twin.key())
    undocumented = [link for link in actual if link.key() not in used]
    return pairs, missing, undocumented


def _devices_of(topology: Topology) -> dict[str, TopoDevice]:
    """Devices of a view, including link ends that the view does not list as devices."""
    found: dict[str, TopoDevice] = {}
    for device in topology.devices:
        found.setdefault(device.key(), device)
    for link in topology.links:
        for end in (link.a, link.b):
            found.setdefault(device_key(end.device), TopoDevice(name=end.device))
    return found


def lan_picture(
    expected: Topology | None, actual: Topology | None, unreachable: Iterable[str] = ()
) -> LanPicture:
    """Merge a diagram (expected) and the network (actual) into one picture.

    Devices and links in both are ``both``; in the diagram only ``missing`` (or ``unreachable`` when
    the device, or an end of the link, could not be read); in the network only ``undocumented``.
    When one view is absent, the other's items are ``unverified`` (no network view) or
    ``undocumented`` (no diagram: nothing of the LAN is documented).

    >>> sw = TopoDevice(name="sw-1")
    >>> rtr = TopoDevice(name="rtr-1")
    >>> up = TopoLink(a=LinkEnd(device="rtr-1", port="ether2"), b=LinkEnd(device="sw-1", port="ether1"))
    >>> diagram = Topology(devices=(rtr, sw), links=(up,))
    >>> live = Topology(view=View.LIVE, devices=(TopoDevice(name="RTR-1"), TopoDevice(name="sw-9")),
    ...                 links=(TopoLink(a=LinkEnd(device="rtr-1", port="ether3"),
    ...                                 b=LinkEnd(device="sw-9", port="ether1")),))
    >>> pic = lan_picture(diagram, live)
    >>> [(n.name, n.state.value) for n in pic.nodes]
    [('rtr-1', 'both'), ('sw-1', 'missing'), ('sw-9', 'undocumented')]
    >>> [(e.b.device, e.state.value) for e in pic.edges]
    [('sw-1', 'missing'), ('sw-9', 'undocumented')]
    >>> lan_picture(diagram, live, unreachable=["SW-1"]).nodes[1].state.value
    'unreachable'
    """
    unreachable = list(unreachable)
    unreachable_keys = {device_key(name) for name in unreachable}
    exp_devices = _devices_of(expected) if expected is not None else {}
    act_devices = _devices_of(actual) if actual is not None else {}
    exp_links = _dedupe_links(expected.links) if expected is not None else []
    act_links = _dedupe_links(actual.links) if actual is not None else []

    nodes: list[PictureNode] = []
    for key in [*exp_devices, *(k for k in act_devices if k not in exp_devices)]:
        exp_dev = exp_devices.get(key)
        act_dev = act_devices.get(key)
        state = _state(
            in_expected=exp_dev is not None,
            in_actual=act_dev is not None,
            has_expected=expected is not None,
            has_actual=actual is not None,
            unreachable=key in unreachable_keys,
        )
        shown = exp_dev or act_dev
        assert shown is not None  # every key comes from one of the two views
        nodes.append(
            PictureNode(
                key=key,
                name=shown.name,
                state=state,
                role=shown.role or (act_dev.role if act_dev else None),
                model=shown.model or (act_dev.model if act_dev else None),
                mgmt_ip=shown.mgmt_ip or (act_dev.mgmt_ip if act_dev else None),
                actual_model=_differs(exp_dev.model if exp_dev else None, act_dev.model if act_dev else None),
                actual_mgmt_ip=_differs(
                    exp_dev.mgmt_ip if exp_dev else None, act_dev.mgmt_ip if act_dev else None
                ),
            )
        )

    # A device that could not be read and that no view shows still belongs in the picture.
    shown_keys = {node.key for node in nodes}
    for name in unreachable:
        if device_key(name) not in shown_keys:
            shown_keys.add(device_key(name))
            nodes.append(PictureNode(key=device_key(name), name=name, state=ItemState.UNREACHABLE))

    edges: list[PictureEdge] = []
    if expected is not None and actual is not None:
        pairs, missing, undocumented = _match_links(exp_links, act_links)
        for exp_link, act_link in pairs:
            edges.append(
                PictureEdge(
                    a=_fill_ports(exp_link.a, act_link),
                    b=_fill_ports(exp_link.b, act_link),
                    state=ItemState.BOTH,
                )
            )
        for link in missing:
            cut_off = {device_key(link.a.device), device_key(link.b.device)} & unreachable_keys
            state = ItemState.UNREACHABLE if cut_off else ItemState.MISSING
            edges.append(PictureEdge(a=link.a, b=link.b, state=state))
        edges.extend(PictureEdge(a=link.a, b=link.b, state=ItemState.UNDOCUMENTED) for link in undocumented)
    else:
        only = ItemState.UNVERIFIED if expected is not None else ItemState.UNDOCUMENTED
        edges.extend(PictureEdge(a=link.a, b=link.b, state=only) for link in exp_links or act_links)
    return LanPicture(
        expected_view=expected.view if expected is not None else None,
        actual_view=actual.view if actual is not None else None,
        nodes=tuple(nodes),
        edges=tuple(edges),
    )


def _state(
    *, in_expected: bool, in_actual: bool, has_expected: bool, has_actual: bool, unreachable: bool
) -> ItemState:
    if in_expected and in_actual:
        return ItemState.BOTH
    if in_expected:
        if not has_actual:
            return ItemState.UNVERIFIED
        return ItemState.UNREACHABLE if unreachable else ItemState.MISSING
    return ItemState.UNDOCUMENTED


def _differs(expected: str | None, actual: str | None) -> str | None:
    if expected and actual and expected.strip().lower() != actual.strip().lower():
        return actual
    return None


def _fill_ports(end: LinkEnd, twin: TopoLink) -> LinkEnd:
    """A diagram end without a port takes the port the network reports for that device."""
    if end.port is not None:
        return end
    for other in (twin.a, twin.b):
        if device_key(other.device) == device_key(end.device) and other.port:
            return LinkEnd(device=end.device, port=other.port)
    return end
