"""Pure: one SKPD's LAN audit (``SkpdAudit``) from its three views and the dates the audit knows.

``simpul lan audit`` (``simpul.services.lan``) reads the submitted diagram, NetBox's view and the
live snapshot of every SKPD, then calls :func:`audit_skpd` once per SKPD. The findings:

- every device that did not answer (OPS-001), and every device that answered with neighbour
  discovery off (OPS-002);
- the diff of the diagram against the live LAN, when there are both (LAN-0xx); the links of a device
  that did not answer, or that runs no neighbour discovery, are not called missing;
- the Pasal 20 checks (REG-0xx): the diagram's age against ``today``, an SKPD Mandiri TIK without a
  diagram, a change (``last_change``, from the backup history) after the diagram's date. The
  submission date is the diagram's own, else NetBox's ``lan_diagram_date``; a diagram that reads only
  in part (the reader's warnings) is REG-004 per warning.

NetBox's view is carried into the report's pictures; its differences from the diagram are not
findings of the audit (``lan diff --netbox`` shows them).

Examples:
    >>> import datetime as dt
    >>> from simpul.core.topology import TopoDevice, Topology
    >>> diagram = Topology(skpd="disdik", date=dt.date(2026, 9, 15),
    ...                    devices=(TopoDevice(name="rtr-disdik"),))
    >>> ok = audit_skpd(slug="disdik", name="Dinas Pendidikan", mandiri_tik=True,
    ...                 today=dt.date(2026, 11, 23), diagram=diagram)
    >>> ok.status.value, ok.findings, ok.diagram_date
    ('compliant', (), datetime.date(2026, 9, 15))
    >>> late = audit_skpd(slug="disdik", name="Dinas Pendidikan", mandiri_tik=True,
    ...                   today=dt.date(2026, 11, 23), diagram=diagram, last_change=dt.date(2026, 10, 1))
    >>> [f.code for f in late.findings]
    ['REG-002']
    >>> none = audit_skpd(slug="disdukcapil", name="Dinas Dukcapil", mandiri_tik=True,
    ...                   today=dt.date(2026, 11, 23))
    >>> none.status.value, [f.code for f in none.findings]
    ('no_diagram', ['REG-003'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from simpul.core.audit import SkpdAudit, UnreachableDevice, sort_findings
from simpul.core.diff import diff_topologies
from simpul.core.findings import Finding, FindingKind, Severity
from simpul.core.regulatory import regulatory_findings
from simpul.core.snapshot import Snapshot, silent_devices, snapshot_findings, snapshot_to_topology
from simpul.core.topology import Topology


def audit_skpd(
    *,
    slug: str,
    name: str,
    mandiri_tik: bool,
    today: dt.date,
    diagram: Topology | None = None,
    netbox: Topology | None = None,
    snapshot: Snapshot | None = None,
    netbox_diagram_date: dt.date | None = None,
    last_change: dt.date | None = None,
    diagram_warnings: Sequence[str] = (),
) -> SkpdAudit:
    """One SKPD's ``SkpdAudit`` from its three views (see the module docstring).

    ``diagram_warnings``: what the diagram reader skipped (lines that read as no link, unnamed icons);
    each one is a REG-004 finding, since a diff against a picture read in part proves nothing.
    """
    live = snapshot_to_topology(snapshot) if snapshot is not None else None
    findings: list[Finding] = [
        Finding(
            kind=FindingKind.DIAGRAM_INCOMPLETE,
            severity=Severity.MEDIUM,
            skpd=slug,
            actual=warning,
            message=f"the diagram reads only in part: {warning}",
        )
        for warning in diagram_warnings
    ]
    silent: frozenset[str] = frozenset()
    if snapshot is not None:
        silent = silent_devices(snapshot)
        findings += snapshot_findings(snapshot)
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
            for d in (snapshot.devices if snapshot is not None else ())
            if not d.reachable
        ),
    )


__all__ = ["audit_skpd"]
