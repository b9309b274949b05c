"""SKPD LANs (Perbup Pasal 19-20): compare each submitted diagram with what is really there.

Use cases (the settings and a typed request in, a typed result out; no printing, no exit; bad input
raises a SimpulError):

- :func:`diff` (``lan diff``, offline): a diagram against a live snapshot file or another diagram,
  NetBox optionally as a third view;
- :func:`collect` (``lan collect``): read every SKPD device (read-only, ``nornir_tasks.collect``)
  and write one snapshot per SKPD; a device that does not answer is recorded with its reason;
- :func:`audit` (``lan audit``): every SKPD's diagram checked first (a bad one: exit 2 before any
  device is touched), NetBox's view, the live collection, the per-SKPD audit
  (:func:`simpul.core.lan_audit.audit_skpd`), and the report (:func:`simpul.report.write_report`).

The pure parts live in the core: snapshot building in :mod:`simpul.core.lan_state`, the diff in
:mod:`simpul.core.diff`, the audit of one SKPD in :mod:`simpul.core.lan_audit`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nornir_tasks.collect import collect_state
from simpul.core.audit import LANGS, AuditRun, Lang, Summary, exit_code, summarise
from simpul.core.diagram import parse_diagram
from simpul.core.diff import ThreeWay, diff_topologies, three_way
from simpul.core.diff import summarise as summarise_findings
from simpul.core.findings import Finding, Severity
from simpul.core.lan_audit import audit_skpd
from simpul.core.lan_state import HostInfo, snapshot_from_states, snapshot_json
from simpul.core.snapshot import (
    Snapshot,
    parse_snapshot,
    silent_devices,
    snapshot_findings,
    snapshot_to_topology,
)
from simpul.core.topology import Topology
from simpul.devices.outcomes import DeviceOutcome
from simpul.devices.platforms import PLATFORMS, platform_slug
from simpul.devices.runner import build_nornir, run_on_devices
from simpul.errors import InputError, SimpulError, StoreError
from simpul.inventory import Filters, InventoryHost, host_from_device, iter_devices, load_overrides
from simpul.netbox import topology as netbox_topology
from simpul.netbox.client import connect
from simpul.report import ReportFiles, write_report
from simpul.services.diagram import load_diagram, load_diagrams, read_text
from simpul.settings import Settings
from simpul.store import GitStore
from simpul.store.files import write_atomic

log = logging.getLogger(__name__)


def parse_fail_on(value: str) -> Severity | None:
    """``--fail-on``: a severity, or ``none`` to always exit 0 on findings.

    >>> parse_fail_on("HIGH"), parse_fail_on("none")
    (<Severity.HIGH: 'high'>, None)
    """
    if value.lower() == "none":
        return None
    try:
        return Severity(value.lower())
    except ValueError:
        raise InputError(
            f"unknown severity {value!r}",
            field="--fail-on",
            hint="one of " + ", ".join(s.value for s in Severity) + ", none",
        ) from None


# --- lan diff (offline) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRequest:
    diagram: Path  # the submitted diagram (expected side), YAML or draw.io
    against: Path  # a snapshot JSON from `lan collect`, or another diagram
    netbox: bool = False  # add NetBox as a third view
    skpd: str | None = None  # when neither file states it
    fail_on: str = "low"  # info..critical, or none


@dataclass(frozen=True)
class DiffResult:
    skpd: str | None
    expected: str
    actual: str
    actual_view: str  # live (a snapshot) or diagram
    fail_on: Severity | None
    findings: tuple[Finding, ...]
    three_way: ThreeWay | None = None
    # what a diagram side read only in part (lines that are no links, unnamed icons): the picture the
    # findings rest on is incomplete, so the diff is never a clean 0
    diagram_warnings: tuple[str, ...] = ()

    @property
    def summary(self) -> dict[str, Any]:
        return {
            "skpd": self.skpd,
            "expected": self.expected,
            "actual": self.actual,
            "actual_view": self.actual_view,
            "fail_on": self.fail_on.value if self.fail_on else None,
            **summarise_findings(self.findings),
        }

    @property
    def exit_code(self) -> int:
        threshold = self.fail_on
        failing = threshold is not None and any(f.severity >= threshold for f in self.findings)
        return 1 if failing or self.diagram_warnings else 0

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "findings": [f.model_dump(mode="json") for f in self.findings],
            "summary": self.summary,
            "diagram_warnings": list(self.diagram_warnings),
        }
        if self.three_way is not None:
            tw = self.three_way
            out["three_way"] = {
                "pairs": {
                    name: {
                        "findings": [f.model_dump(mode="json") for f in fs],
                        "summary": summarise_findings(fs),
                    }
                    for name, fs in tw.pairs.items()
                },
                "devices": [row.model_dump(mode="json") for row in tw.devices],
                "links": [row.model_dump(mode="json") for row in tw.links],
            }
        return out


def is_snapshot(path: Path, text: str) -> bool:
    """A snapshot is JSON (``.json``, or text starting with ``{``); anything else is a diagram.

    >>> is_snapshot(Path("s.txt"), '  {"skpd": 1}'), is_snapshot(Path("d.yaml"), "skpd: disdik")
    (True, False)
    """
    return path.suffix.lower() == ".json" or text.lstrip("\ufeff \t\r\n").startswith("{")


def load_against(path: Path) -> tuple[Topology, Snapshot | None, tuple[str, ...]]:
    """The ``--against`` side: a snapshot (live view) or another diagram (with its warnings)."""
    text = read_text(path, "--against file")
    if is_snapshot(path, text):
        snapshot = parse_snapshot(text, source=str(path))
        return snapshot_to_topology(snapshot, source=str(path)), snapshot, ()
    result = parse_diagram(text, source=str(path))
    return result.topology, None, tuple(result.report.warnings)


def _netbox_view(settings: Settings, skpd: str | None) -> Topology:
    if not skpd:
        raise InputError(
            "--netbox needs the SKPD",
            field="--skpd",
            hint="state `skpd:` in the diagram (or `SKPD: slug` in a draw.io note) or pass --skpd",
        )
    return netbox_topology.load_skpd_topology(settings, skpd)


def diff(settings: Settings, request: DiffRequest) -> DiffResult:
    """Diff a submitted diagram against a live snapshot or another diagram; no device is contacted
    (``settings`` are only read for the NetBox view)."""
    threshold = parse_fail_on(request.fail_on)
    submitted = load_diagram(request.diagram)
    expected = submitted.topology
    actual, snapshot, against_warnings = load_against(request.against)
    warnings = tuple(  # one line per warning, even when both sides are the same file
        dict.fromkeys(
            [f"{request.diagram}: {w}" for w in submitted.report.warnings]
            + [f"{request.against}: {w}" for w in against_warnings]
        )
    )
    if expected.skpd and actual.skpd and expected.skpd != actual.skpd:
        raise InputError(
            f"the diagram is for SKPD {expected.skpd!r} but {request.against} is for {actual.skpd!r}",
            source=str(request.against),
            field="skpd",
            hint="compare files of the same SKPD",
        )
    slug = request.skpd or expected.skpd or actual.skpd
    unreachable = silent_devices(snapshot) if snapshot else frozenset()
    findings = (snapshot_findings(snapshot) if snapshot else []) + diff_topologies(
        expected, actual, skpd=slug, unreachable=unreachable
    )
    tw = None
    if request.netbox:
        tw = three_way(expected, _netbox_view(settings, slug), actual, skpd=slug, unreachable=unreachable)
    return DiffResult(
        skpd=slug,
        expected=str(request.diagram),
        actual=str(request.against),
        actual_view=actual.view.value,
        fail_on=threshold,
        findings=tuple(findings),
        three_way=tw,
        diagram_warnings=warnings,
    )


# --- the live collection (devices, read-only) -------------------------------------------------------


@dataclass(frozen=True)
class Collected:
    """One live collection: a snapshot per SKPD and what happened on each device."""

    snapshots: dict[str, Snapshot]
    outcomes: dict[str, DeviceOutcome]


@dataclass(frozen=True)
class FailedDevice:
    device: str
    skpd: str
    error: str | None

    def as_json(self) -> dict[str, str | None]:
        return {"device": self.device, "skpd": self.skpd, "error": self.error}


def failed_devices(snapshots: Mapping[str, Snapshot]) -> tuple[FailedDevice, ...]:
    """Every device that did not answer, by SKPD then name, with its reason."""
    return tuple(
        FailedDevice(device=d.name, skpd=skpd, error=d.error)
        for skpd, snap in snapshots.items()
        for d in snap.devices
        if not d.reachable
    )


def host_info(host: Any, primary_ips: Mapping[str, str]) -> HostInfo:
    """What the snapshot records about a Nornir host besides what the device says."""
    slug = platform_slug(host) or None
    spec = PLATFORMS.get(slug or "")
    return HostInfo(
        name=host.name,
        skpd=host.data.get("skpd"),
        platform=slug,
        role=host.data.get("role"),
        primary_ip=primary_ips.get(host.name),
        protocol=spec.neighbour_protocol if spec is not None else None,
    )


def collect_snapshots(
    nornir: Any,
    now: dt.datetime,
    *,
    primary_ips: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
) -> Collected:
    """Collect every SKPD host of ``nornir`` (read-only) into one snapshot per SKPD.

    Hosts without an SKPD are Diskominfo's own and are not contacted. ``primary_ips``: NetBox's
    primary IP per device name (the inventory's hostname may be a lab override); ``secrets`` are
    masked out of failure reasons.
    """
    wanted = nornir.filter(filter_func=lambda h: bool(h.data.get("skpd")))
    outcomes = run_on_devices(wanted, collect_state, secrets=list(secrets), name="collect_state")
    states = {name: o.result for name, o in outcomes.items() if o.ok}
    failures = {name: o.reason or "no answer" for name, o in outcomes.items() if not o.ok}
    hosts = [host_info(h, primary_ips or {}) for h in wanted.inventory.hosts.values()]
    return Collected(snapshot_from_states(hosts, states, failures, now), outcomes)


def _hosts_to_collect(
    settings: Settings, filters: Filters, api: Any = None
) -> tuple[list[InventoryHost], dict[str, str]]:
    """The SKPD hosts (lab/user overrides applied) and NetBox's primary IP of each, in one read."""
    api = api or connect(settings)
    overrides = load_overrides(settings.inventory_overrides)
    hosts: list[InventoryHost] = []
    primary: dict[str, str] = {}
    for dev in iter_devices(api, filters):
        if not dev.get("name"):
            continue
        host = host_from_device(dev, overrides)
        if not host.skpd:
            continue
        hosts.append(host)
        address = (dev.get("primary_ip4") or {}).get("address")
        if address:
            primary[dev["name"]] = address.split("/")[0]
    return hosts, primary


def collect_live(settings: Settings, filters: Filters, now: dt.datetime, api: Any = None) -> Collected:
    """Collect the SKPD hosts NetBox lists for ``filters`` (``api``: an open NetBox connection)."""
    hosts, primary = _hosts_to_collect(settings, filters, api)
    if not hosts:
        return Collected({}, {})
    nornir = build_nornir(settings, hosts=hosts)
    return collect_snapshots(nornir, now, primary_ips=primary, secrets=settings.secrets())


def live_snapshot(settings: Settings, skpd: str) -> Snapshot:
    """One SKPD's live snapshot, collected now (``diagram export --from live``)."""
    collected = collect_live(settings, Filters(skpd=(skpd,)), dt.datetime.now(dt.UTC))
    if skpd not in collected.snapshots:
        raise InputError(
            f"NetBox lists no device of SKPD {skpd!r} to collect",
            field="SKPD",
            hint="check the tenant slug (`simpul inventory --skpd SKPD`)",
        )
    return collected.snapshots[skpd]


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


# --- lan collect ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectRequest:
    out: Path  # directory for the snapshots (one <skpd>.json each)
    filters: Filters = field(default_factory=Filters)


@dataclass(frozen=True)
class CollectResult:
    collected_at: dt.datetime
    out: Path
    snapshots: dict[str, Path]  # SKPD -> the file written
    devices: int
    failed: tuple[FailedDevice, ...]
    outcomes: dict[str, DeviceOutcome]  # one per device contacted (or refused)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "collected_at": self.collected_at.isoformat(),
            "snapshots": {k: str(v) for k, v in self.snapshots.items()},
            "devices": self.devices,
            "failed": [f.as_json() for f in self.failed],
        }


def collect(settings: Settings, request: CollectRequest) -> CollectResult:
    """Read every SKPD device's live state (read-only) and write one snapshot JSON per SKPD.

    ``exit_code`` 1 when some device did not answer (each is recorded in its snapshot with the reason).
    """
    now = dt.datetime.now(dt.UTC)
    collected = collect_live(settings, request.filters, now)
    written = write_snapshots(collected.snapshots, request.out)
    return CollectResult(
        collected_at=now,
        out=request.out,
        snapshots=written,
        devices=sum(len(snap.devices) for snap in collected.snapshots.values()),
        failed=failed_devices(collected.snapshots),
        outcomes=collected.outcomes,
    )


# --- lan audit --------------------------------------------------------------------------------------


def last_lan_change(backup_repo: Path | None, devices: Iterable[str]) -> dt.date | None:
    """The newest date any of ``devices``' backed-up config changed (its first backup is not a change);
    None when there is no backup repository or no history (unknown, not "unchanged")."""
    if backup_repo is None or not (Path(backup_repo) / ".git").is_dir():
        return None
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


@dataclass(frozen=True)
class AuditRequest:
    report: Path  # directory to write the report into
    filters: Filters = field(default_factory=Filters)  # filters.skpd narrows the SKPD audited
    lang: str | None = None  # id or en (default: setting lang)
    fail_on: str = "high"  # info..critical, or none
    topology_dir: Path | None = None  # the submitted diagrams (default: topology/ of the project)


@dataclass(frozen=True)
class AuditResult:
    run: AuditRun
    files: ReportFiles
    summary: Summary
    threshold: Severity | None  # None: findings never fail the run

    @property
    def exit_code(self) -> int:
        return exit_code(self.run, self.threshold) if self.threshold is not None else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "report": {
                "index": str(self.files.index),
                "json": str(self.files.json),
                "markdown": str(self.files.markdown),
            },
            "summary": self.summary.model_dump(mode="json"),
            "skpds": [
                {
                    "slug": a.slug,
                    "status": a.status.value,
                    "findings": [f.model_dump(mode="json") for f in a.findings],
                }
                for a in self.run.skpds
            ],
            "exit_code": self.exit_code,
        }


def _language(value: str) -> Lang:
    for lang in LANGS:
        if value == lang:
            return lang
    raise InputError(f"unknown language {value!r}", field="--lang", hint="id or en")


def _skpds(settings: Settings, api: Any, wanted: tuple[str, ...]) -> list[netbox_topology.SkpdInfo]:
    """The SKPD to audit (every tenant of group skpd, or ``wanted``); an unknown slug is exit 2."""
    facts = netbox_topology.load_skpd_facts(settings, api=api)
    unknown = sorted(set(wanted) - {f.slug for f in facts})
    if unknown:
        raise InputError(
            f"not an SKPD in NetBox: {', '.join(unknown)}",
            field="--skpd",
            hint="tenant slugs of group skpd, e.g. disdik",
        )
    return [f for f in facts if f.slug in wanted] if wanted else facts


def audit(settings: Settings, request: AuditRequest) -> AuditResult:
    """Audit every SKPD: diagram vs live LAN (NetBox alongside) and the Pasal 20 rules; write the report.

    Diagrams are read and checked before any device is touched (a bad one raises InputError).
    """
    threshold = parse_fail_on(request.fail_on)
    s = settings
    language = _language(request.lang or s.lang)
    api = connect(s)
    skpds = _skpds(s, api, request.filters.skpd)
    slugs = [info.slug for info in skpds]
    diagrams = load_diagrams(request.topology_dir or Path(s.project_dir) / "topology", slugs)
    netbox_views = netbox_topology.load_skpd_topologies(s, slugs, api=api)
    now = dt.datetime.now(dt.UTC)
    snapshots = collect_live(s, request.filters, now, api=api).snapshots
    today = now.astimezone().date()
    audits = []
    for info in skpds:
        snapshot = snapshots.get(info.slug)
        devices = [d.name for d in snapshot.devices] if snapshot else []
        audits.append(
            audit_skpd(
                slug=info.slug,
                name=info.name,
                mandiri_tik=info.mandiri_tik,
                today=today,
                diagram=diagrams[info.slug].topology if info.slug in diagrams else None,
                diagram_warnings=diagrams[info.slug].report.warnings if info.slug in diagrams else (),
                netbox=netbox_views.get(info.slug),
                snapshot=snapshot,
                netbox_diagram_date=info.lan_diagram_date,
                last_change=last_lan_change(s.backup_repo, devices),
            )
        )
    run = AuditRun(
        regency=netbox_topology.load_regency_name(s, api=api),
        generated_at=now,
        lang=language,
        fail_on=threshold or Severity.CRITICAL,
        skpds=tuple(audits),
    )
    files = write_report(run, request.report, language)
    return AuditResult(run=run, files=files, summary=summarise(run), threshold=threshold)


__all__ = [
    "AuditRequest",
    "AuditResult",
    "CollectRequest",
    "CollectResult",
    "Collected",
    "DiffRequest",
    "DiffResult",
    "FailedDevice",
    "audit",
    "collect",
    "collect_live",
    "collect_snapshots",
    "diff",
    "failed_devices",
    "host_info",
    "is_snapshot",
    "last_lan_change",
    "live_snapshot",
    "load_against",
    "parse_fail_on",
    "write_snapshots",
]
