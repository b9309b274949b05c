"""The nightly job (issue 14): every capability in order, the regulatory map judged per SKPD, history kept.

:func:`run_nightly` (``simpul nightly``) runs the stages, in this order, each calling its own service:

==============  =================================================================================
backup          :func:`simpul.services.backup.backup_configs` (every device's config into git)
lan             :func:`simpul.services.lan.audit` (collect + audit; its report in evidence/lan/)
intended        :func:`simpul.services.intended.check` (offline, from tonight's backups)
bandwidth       :func:`simpul.services.bandwidth.check`
vps             :func:`simpul.services.vps.list_vps` (NetBox vs the hypervisor)
data_backup     :func:`simpul.services.data_backup.backup_status` and the due restore drills
report          ``simpul.services.report.render_nightly`` (the report engineer's; "not available"
                until it exists)
==============  =================================================================================

Rules the run keeps:

- a stage that fails is reported and the others still run; a stage whose input is missing (no
  diagrams, no VPS provider reachable, no data-backup target) says so (``no_input``) and its
  obligations are ``not_checked``, never ``met``;
- the report and evidence are written into a temporary directory beside the report directory and
  renamed into place at the end; a stage that did not succeed keeps the last run's evidence, so
  nothing a failed stage touched overwrites the last good state;
- one run at a time: an exclusive ``flock`` on ``<state_dir>/nightly.lock`` (the kernel releases it
  when the process dies, so a file left by a killed run never blocks the next one);
- every run goes into the history store (SQLite, :mod:`simpul.store.history`): one row per SKPD per
  obligation and one per finding (``finding:<fingerprint>``: ``open``, then ``resolved`` once).

:func:`load_obligations` reads the regulatory map (``compliance/obligations.yaml``), and
:func:`report_history` (``simpul report history``) is the view over the history store. The judgement
itself is pure and lives in :mod:`simpul.core.nightly`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import importlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema

from simpul.core.nightly import (
    CHECKS,
    FINDING_PREFIX,
    OBLIGATION_PREFIX,
    REGENCY_CHECKS,
    SERVER_ROLE,
    STAGES,
    BandwidthFacts,
    DataBackupFacts,
    DeviceFacts,
    Facts,
    HistoryLine,
    LanFacts,
    NightlyFinding,
    SkpdFacts,
    StageOutcome,
    VpsFacts,
    evaluate,
    finding_rows,
    latest_states,
    obligation_rows,
    recorded,
    run_exit_code,
    summarise_history,
)
from simpul.core.obligations import Obligation, ObligationResult, skpd_of, subject_of
from simpul.core.validation import input_error_from_validation
from simpul.core.yaml_lines import field_path, load_yaml_with_lines
from simpul.errors import InputError, SettingsError, SimpulError
from simpul.settings import Settings, censor
from simpul.store.history import HistoryStore, Row

log = logging.getLogger(__name__)

OBLIGATIONS_FILE = Path("compliance/obligations.yaml")
SCHEMA_FILE = Path("compliance/obligations.schema.json")
LOCK_FILE = "nightly.lock"
RUN_KIND = "nightly"
OBLIGATIONS_HINT = "see the comments at the top of compliance/obligations.yaml and docs/nightly.md"

Progress = Callable[[str, StageOutcome | None], None]


class NightlyBusy(SimpulError):
    """Another nightly run holds the lock."""

    code = "E1401"


class NoInput(Exception):
    """A stage's input is missing (not an error: the stage says so and its obligations are not checked)."""


# --------------------------------------------------------------------------- the regulatory map


def load_obligations(settings: Settings, path: Path | None = None) -> tuple[Obligation, ...]:
    """The regulatory map, validated against its JSON schema; a bad file is exit 2 with file:line: field."""
    path = path or Path(settings.project_dir) / OBLIGATIONS_FILE
    try:
        text = path.read_text()
    except OSError as exc:
        raise InputError(
            f"cannot read the regulatory map: {exc.strerror}",
            source=str(path),
            hint="give --obligations FILE",
        ) from None
    data, lines = load_yaml_with_lines(text, str(path))
    schema = json.loads((Path(settings.project_dir) / SCHEMA_FILE).read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = list(validator.iter_errors(data))
    if errors:
        raise input_error_from_validation(errors, str(path), lines, hint=OBLIGATIONS_HINT)
    seen: set[str] = set()
    out = []
    for n, row in enumerate(data["obligations"]):
        where: tuple[str | int, ...] = ("obligations", n)
        if row["id"] in seen:
            raise InputError(
                f"obligation {row['id']!r} is listed twice",
                source=str(path),
                line=lines.line((*where, "id")),
                field=field_path((*where, "id")),
                hint="each id is one row of the history: keep one",
            )
        if row["check"] is not None and row["check"] not in {**CHECKS, **REGENCY_CHECKS}:
            raise InputError(
                f"no check {row['check']!r}",
                source=str(path),
                line=lines.line((*where, "check")),
                field=field_path((*where, "check")),
                hint=f"one of: {', '.join(sorted({**CHECKS, **REGENCY_CHECKS}))}, or null (not checked yet)",
            )
        if row["check"] in REGENCY_CHECKS and row.get("scope", "skpd") != "regency":
            raise InputError(
                f"check {row['check']!r} judges the whole regency",
                source=str(path),
                line=lines.line((*where, "check")),
                field=field_path((*where, "scope")),
                hint="give this obligation scope: regency",
            )
        seen.add(row["id"])
        out.append(
            Obligation(
                id=row["id"],
                source=row["source"],
                article=row["article"],
                requirement=dict(row["requirement"]),
                check=row["check"],
                evidence=dict(row["evidence"]),
                scope=row.get("scope", "skpd"),
            )
        )
    return tuple(out)


def timezone(settings: Settings) -> ZoneInfo:
    try:
        return ZoneInfo(str(settings.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"unknown time zone {settings.timezone!r}", field="timezone", hint="e.g. Asia/Jakarta (WIB)"
        ) from None


# --------------------------------------------------------------------------- the lock


@contextmanager
def nightly_lock(settings: Settings) -> Iterator[Path]:
    """Hold ``<state_dir>/nightly.lock`` (flock, non-blocking) for the run; a second run gets NightlyBusy."""
    path = Path(settings.state_dir) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise NightlyBusy(
                f"another simpul nightly run is in progress (pid {holder})",
                source=str(path),
                hint="wait for it to finish; a lock file left by a killed run does not block",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing releases the flock


# --------------------------------------------------------------------------- request and result


@dataclass(frozen=True)
class NightlyRequest:
    report: Path | None = None  # the report directory (default: setting report_dir)
    only: tuple[str, ...] = ()  # run only these stages (the others: skipped)
    obligations: Path | None = None
    topology_dir: Path | None = None  # the submitted diagrams (default: topology/ of the project)
    progress: Progress | None = None  # called at each stage's start (None) and end (its outcome)
    # how the config backup stage fetches (None: here, with Nornir); the CLI passes the RQ coordinator
    # (simpul.scale.backup) for --queue: services never import the scale-out layer that sits above them
    backup: Callable[[Settings, Any], Any] | None = None


@dataclass(frozen=True)
class NightlyResult:
    started: dt.datetime
    seconds: float
    report: Path
    stages: tuple[StageOutcome, ...]
    results: tuple[ObligationResult, ...]
    findings: tuple[NightlyFinding, ...]
    resolved: int
    run: str | None
    crashes: Mapping[str, BaseException] = field(default_factory=dict)  # stage -> the bug it hit

    @property
    def exit_code(self) -> int:
        return run_exit_code(self.stages, self.results)

    def obligations_summary(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.state.value] = out.get(r.state.value, 0) + 1
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "started": self.started.isoformat(),
            "seconds": round(self.seconds, 3),
            "report": str(self.report),
            "run": self.run,
            "stages": {s.name: s.as_json() for s in self.stages},
            "obligations": self.obligations_summary(),
            "findings": {"open": len({f.fingerprint for f in self.findings}), "resolved": self.resolved},
            "exit_code": self.exit_code,
        }


# --------------------------------------------------------------------------- the run


@dataclass
class _Run:
    """What the stages share during one run."""

    settings: Settings
    request: NightlyRequest
    work: Path  # the temporary report directory
    obligations: Sequence[Obligation] = ()
    api: Any = None
    regency: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    findings: list[NightlyFinding] = field(default_factory=list)
    crashes: dict[str, BaseException] = field(default_factory=dict)

    def evidence(self, name: str, data: Any) -> None:
        folder = self.work / "evidence"
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, indent=2, default=str, sort_keys=True)
        (folder / f"{name}.json").write_text(censor(text, self.settings.secrets()))


@dataclass(frozen=True)
class _Done:
    counts: Mapping[str, int] = field(default_factory=dict)
    failures: Mapping[str, str] = field(default_factory=dict)
    findings: bool = False


def _validate_only(only: Sequence[str]) -> None:
    unknown = sorted(set(only) - set(STAGES))
    if unknown:
        raise InputError(
            f"no stage {', '.join(map(repr, unknown))}", field="--only", hint=f"one of: {', '.join(STAGES)}"
        )


def run_nightly(settings: Settings, request: NightlyRequest) -> NightlyResult:
    """Run every stage (or ``request.only``), judge the regulatory map, record history, publish the report.

    Bad input (the regulatory map, ``--only``, settings, an unusable NetBox) raises before anything
    is written; a run already in progress raises :class:`NightlyBusy` (both exit 2).
    """
    _validate_only(request.only)
    obligations = load_obligations(settings, request.obligations)
    settings.require("netbox_url", "netbox_token")
    timezone(settings)
    report = Path(request.report or settings.report_dir)
    with nightly_lock(settings):
        _sweep(report)
        work = report.parent / f".{report.name}.tmp-{os.getpid()}"
        work.mkdir(parents=True)
        try:
            return _run(settings, request, obligations, report, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _sweep(report: Path) -> None:
    """Temporary directories of killed runs (we hold the lock: no other run is writing)."""
    report.parent.mkdir(parents=True, exist_ok=True)
    for stale in report.parent.glob(f".{report.name}.*-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _run(
    settings: Settings, request: NightlyRequest, obligations: Sequence[Obligation], report: Path, work: Path
) -> NightlyResult:
    started = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    run = _Run(settings, request, work, obligations)
    _context(run)
    stages = [_stage(run, name) for name in STAGES if name != "report"]
    facts = Facts(**run.facts)
    results = evaluate(obligations, facts)
    checked = [s.name for s in stages if s.status == "ok"]
    run_id, resolved = _record(run, stages, results, checked, started)
    stages.append(_stage(run, "report"))
    result = NightlyResult(
        started=started,
        seconds=time.monotonic() - clock,
        report=report,
        stages=tuple(stages),
        results=results,
        findings=tuple(run.findings),
        resolved=resolved,
        run=run_id,
        crashes=dict(run.crashes),
    )
    _write_summary(work, result, obligations)
    _publish(work, report, stages)
    return result


def _context(run: _Run) -> None:
    """What every stage and check needs from NetBox: the SKPD, the devices, the Pusat Data's site."""
    from simpul.inventory import Filters, load_hosts
    from simpul.netbox.client import connect
    from simpul.netbox.topology import load_regency_name, load_skpd_facts

    run.api = connect(run.settings)
    skpds = load_skpd_facts(run.settings, api=run.api)
    hosts = load_hosts(run.settings, Filters(), api=run.api)
    run.facts["skpds"] = tuple(SkpdFacts(s.slug, s.name, s.mandiri_tik) for s in skpds)
    devices = tuple(DeviceFacts(h.name, h.skpd, h.role, h.site) for h in hosts)
    run.facts["devices"] = devices + _server_vms(run.api)
    run.facts["pusat_data_sites"] = _pusat_data_sites(run.api)
    run.regency = load_regency_name(run.settings, api=run.api)


def _server_vms(api: Any) -> tuple[DeviceFacts, ...]:
    """An SKPD's servers that NetBox models as virtual machines (role ``server``), where they run.

    The VPS of the Pusat Data cluster are left out: the ``vps`` stage reads those (Pasal 14(8))."""
    from simpul.core.vps import VpsInputError
    from simpul.netbox.client import get_all
    from simpul.netbox.vps import pusat_data

    try:
        vps_cluster: int | None = pusat_data(api).cluster_id
    except VpsInputError:
        vps_cluster = None
    rows = get_all(
        api, "virtualization/virtual-machines", [("role", SERVER_ROLE)], "name,tenant,site,cluster"
    )
    return tuple(
        DeviceFacts(
            str(vm["name"]),
            (vm.get("tenant") or {}).get("slug"),
            SERVER_ROLE,
            (vm.get("site") or {}).get("slug"),
        )
        for vm in rows
        if (vm.get("cluster") or {}).get("id") != vps_cluster
    )


def _pusat_data_sites(api: Any) -> frozenset[str] | None:
    from simpul.core.vps import VpsInputError
    from simpul.netbox.client import get_all
    from simpul.netbox.vps import pusat_data

    try:
        pd = pusat_data(api)
    except VpsInputError:
        return None
    if pd.site_id is None:
        return None
    return frozenset(
        str(s["slug"]) for s in get_all(api, "dcim/sites", [("id", str(pd.site_id))], fields="slug")
    )


def _stage(run: _Run, name: str) -> StageOutcome:
    progress = run.request.progress or (lambda _name, _outcome: None)
    if run.request.only and name not in run.request.only:
        outcome = StageOutcome(name, "skipped", message="not in --only")
        progress(name, outcome)
        return outcome
    progress(name, None)
    clock = time.monotonic()
    secrets = run.settings.secrets()
    try:
        done = STAGE_RUNNERS[name](run)
        outcome = StageOutcome(
            name, "ok", time.monotonic() - clock, done.counts, done.failures, findings=done.findings
        )
    except NoInput as why:
        outcome = StageOutcome(name, "no_input", time.monotonic() - clock, message=censor(str(why), secrets))
    except SimpulError as err:
        message = censor(err.render(), secrets)
        outcome = StageOutcome(
            name, "failed", time.monotonic() - clock, message=message, error_exit=err.exit_code
        )
    except Exception as exc:  # a bug in one stage must not stop the others: reported, exit 3 at the end
        from simpul.netbox.client import as_netbox_error, is_netbox_failure

        if is_netbox_failure(exc):
            nb_err = as_netbox_error(exc)
            message, code = censor(nb_err.render(), secrets), nb_err.exit_code
        else:
            log.error("nightly stage %s hit a bug", name, exc_info=True)
            run.crashes[name] = exc
            message, code = f"internal error: {type(exc).__name__}: {censor(str(exc), secrets)[:200]}", 3
        outcome = StageOutcome(name, "failed", time.monotonic() - clock, message=message, error_exit=code)
    progress(name, outcome)
    return outcome


# --------------------------------------------------------------------------- the stages


def _backup(run: _Run) -> _Done:
    from simpul.services.backup import BackupRequest, backup_configs

    result = (run.request.backup or backup_configs)(run.settings, BackupRequest())
    run.evidence("backup", result.as_json())
    state: dict[str, str | None] = {n: None for n in (*result.changed, *result.unchanged)}
    state.update(result.failed)
    run.facts["backup"] = state
    counts = {"devices": len(state), "changed": len(result.changed), "failed": len(result.failed)}
    return _Done(counts, dict(result.failed))


def _lan(run: _Run) -> _Done:
    from simpul.core.audit import article_for
    from simpul.report.i18n import texts
    from simpul.services.lan import AuditRequest, audit

    topology = run.request.topology_dir or Path(run.settings.project_dir) / "topology"
    if not topology.is_dir() or not any(p.suffix in (".yaml", ".yml", ".drawio") for p in topology.iterdir()):
        raise NoInput(f"no submitted LAN diagrams in {topology}")
    result = audit(run.settings, AuditRequest(report=run.work / "evidence" / "lan", topology_dir=topology))
    lan: dict[str, LanFacts] = {}
    failures: dict[str, str] = {}
    words = {lang: texts(lang) for lang in ("id", "en")}
    for a in result.run.skpds:
        unreachable = tuple(u.name for u in a.unreachable)
        failures.update({u.name: u.reason or "unreachable" for u in a.unreachable})
        devices = len(a.live.devices) if a.live else 0
        lan[a.slug] = LanFacts(a.status.value, tuple(f.code for f in a.findings), unreachable, devices)
        for f in a.findings:
            where = " ".join(x for x in (f.device, f.port, f.peer, f.peer_port) if x)
            run.findings.append(
                NightlyFinding(
                    "lan",
                    f.code,
                    f.severity.value,
                    a.slug,
                    article_for(f),
                    {lang: f"{t.kind(f.kind)}: {where}".rstrip(": ") for lang, t in words.items()},
                    (f.device or "", f.port or "", f.peer or "", f.peer_port or "", f.expected or ""),
                )
            )
    run.facts["lan"] = lan
    counts = {"skpd": len(lan), "findings": result.summary.findings_total, "unreachable": len(failures)}
    return _Done(counts, failures, findings=result.summary.findings_total > 0)


def _intended(run: _Run) -> _Done:
    from simpul.services.intended import CheckRequest, check

    result = check(run.settings, CheckRequest())
    run.evidence("intended", result.as_json())
    state: dict[str, bool | None] = {n: r.compliant for n, r in result.devices.items()}
    state.update({n: None for n in result.failed})
    skpd = {d.name: d.skpd for d in run.facts["devices"]}
    for name, r in result.devices.items():
        for feature, fc in r.features.items():
            if fc.compliant or fc.waived_until:
                continue
            text = f"{name}: {feature} differs from its intended config"
            run.findings.append(
                NightlyFinding(
                    "intended",
                    f"CFG-{feature}",
                    "medium",
                    skpd.get(name),
                    "Pasal 18 ayat (3)",
                    {"en": text, "id": f"{name}: {feature} berbeda dari konfigurasi yang dimaksud"},
                    (name, feature),
                )
            )
    run.facts["intended"] = state
    bad = sum(ok is False for ok in state.values())
    return _Done({"devices": len(state), "non_compliant": bad}, dict(result.failed), findings=bad > 0)


def _bandwidth(run: _Run) -> _Done:
    from simpul.services.bandwidth import CheckRequest, ContinuityRequest, check, continuity

    result = check(run.settings, CheckRequest())
    plan = result.plan
    run.facts["bandwidth"] = BandwidthFacts(
        allocations={a.slug: (a.cir_mbps, a.mir_mbps) for a in plan.allocations},
        violations=tuple((v.code, v.skpd) for v in result.violations),
        capacity_mbps=plan.capacity.total_mbps,
    )
    for v in result.violations:
        text = {"en": v.message, "id": v.message}
        run.findings.append(NightlyFinding("bandwidth", v.code, "high", v.skpd, "Akses Internet", text))
    uplinks = continuity(run.settings, ContinuityRequest())
    run.evidence("bandwidth", {**result.as_json(), "continuity": uplinks.as_json()})
    c = run.facts["continuity"] = uplinks.continuity
    for u in c.uplinks:
        if u.up is False:
            text = {"en": f"internet uplink {u.circuit} ({u.where}) is down", "id": f"uplink internet "
                    f"{u.circuit} ({u.where}) putus"}  # fmt: skip
            run.findings.append(
                NightlyFinding("bandwidth", "NET-001", "high", None, "Akses Internet", text, (u.circuit,))
            )
    counts = {
        "allocations": len(plan.allocations),
        "violations": len(result.violations),
        "uplinks": len(c.uplinks),
        "uplinks_down": sum(u.up is False for u in c.uplinks),
    }
    return _Done(counts, dict(uplinks.failed), bool(result.violations) or c.verdict != "met")


def _vps(run: _Run) -> _Done:
    from simpul.core.vps import VpsInputError
    from simpul.providers.vps import HypervisorUnavailable
    from simpul.services.vps import ListVps, list_vps

    try:
        result = list_vps(run.settings, ListVps())
    except (VpsInputError, HypervisorUnavailable) as why:
        raise NoInput(f"no VPS provider reachable: {why.message}") from None
    run.evidence("vps", result.as_json())
    run.facts["vps"] = tuple(VpsFacts(r.name, r.skpd, r.status, r.power, r.drift) for r in result.rows)
    for d in result.drift:
        owner = next((r.skpd for r in result.rows if r.name == d.name), None)
        text = {"en": f"{d.name}: {d.kind}: {d.detail}", "id": f"{d.name}: {d.kind}: {d.detail}"}
        run.findings.append(
            NightlyFinding("vps", f"VPS-{d.kind}", "medium", owner, "Pasal 14 ayat (8)", text, (d.name,))
        )
    return _Done({"vps": len(result.rows), "drift": len(result.drift)}, {}, bool(result.drift))


def _data_backup(run: _Run) -> _Done:
    from simpul.services.data_backup import (
        DrillRequest,
        StatusRequest,
        backup_status,
        restore_drill,
        target_file,
    )

    target = target_file(run.settings)
    if not target.exists():
        raise NoInput(f"no data-backup target configured ({target})")
    status = backup_status(run.settings, StatusRequest())
    drills = restore_drill(run.settings, DrillRequest(only_due=True))
    run.evidence("data_backup", {"status": status.as_json(), "drills": drills.as_json()})
    tonight = {d.skpd: d.result for d in drills.drills}
    run.facts["drills"] = tonight
    run.facts["target_exposed"] = bool(status.target_findings)
    run.facts["data_backup"] = {
        s.skpd: DataBackupFacts(
            codes=tuple(f.code for f in s.findings),
            age_hours=s.rpo.age_hours,
            rpo_hours=s.rpo_hours,
            has_snapshot=s.last_snapshot is not None,
            last_drill=s.last_drill.result if s.last_drill else None,
        )
        for s in status.statuses
    }
    superseded = {"DBK-007", "DBK-008", "DBK-009"}  # a drill passed tonight answers these
    for f in status.findings:
        if f.skpd and tonight.get(f.skpd) == "passed" and f.code in superseded:
            continue
        text = {"en": f.message, "id": f.message}
        run.findings.append(NightlyFinding("data_backup", f.code, f.severity.value, f.skpd, f.article, text))
    failures = {**status.errors, **{d.skpd: d.reason or "drill failed" for d in drills.failed}}
    counts = {"skpd": len(status.statuses), "findings": len(status.findings), "drills": len(drills.drills)}
    return _Done(counts, failures, findings=bool(status.findings))


def _report(run: _Run) -> _Done:
    """The report engineer's ``render_nightly`` over the history (tonight's run included)."""
    try:
        module = importlib.import_module("simpul.services.report")
    except ModuleNotFoundError as exc:
        if exc.name != "simpul.services.report":
            raise
        raise NoInput("the nightly report is not available in this simpul") from None
    request = module.RenderRequest(out_dir=run.work, obligations=tuple(run.obligations))
    result = module.render_nightly(run.settings, request)
    return _Done({"files": len(result.files.all())}, {})


STAGE_RUNNERS: Mapping[str, Callable[[_Run], _Done]] = {
    "backup": _backup,
    "lan": _lan,
    "intended": _intended,
    "bandwidth": _bandwidth,
    "vps": _vps,
    "data_backup": _data_backup,
    "report": _report,
}


# --------------------------------------------------------------------------- history and publishing


def _record(
    run: _Run,
    stages: Sequence[StageOutcome],
    results: Sequence[ObligationResult],
    checked: Sequence[str],
    started: dt.datetime,
) -> tuple[str, int]:
    from simpul.services.intended import history_store

    store = history_store(run.settings)
    previous = latest_states(
        (e.subject, e.check, e.state, e.detail) for e in store.entries(check_prefix=FINDING_PREFIX)
    )
    kept = recorded(run.obligations, [s.name for s in stages if s.status == "skipped"])
    rows = obligation_rows(r for r in results if r.obligation in kept) + finding_rows(
        run.findings, previous, checked
    )
    detail = {
        "stages": {s.name: s.as_json() for s in stages},
        "skpd_names": {s.slug: s.name for s in run.facts["skpds"]},
        "regency": run.regency,
    }
    run_id = store.record(
        [Row(r.subject, r.check, r.state, dict(r.detail)) for r in rows],
        started,
        kind=RUN_KIND,
        who=getpass.getuser(),
        detail=detail,
    )
    return run_id, sum(r.state == "resolved" for r in rows)


def _write_summary(work: Path, result: NightlyResult, obligations: Sequence[Obligation]) -> None:
    by_id = {o.id: o for o in obligations}
    data = result.as_json()
    data["results"] = [
        {
            "obligation": r.obligation,
            "article": by_id[r.obligation].article,
            "skpd": r.skpd,
            "state": r.state.value,
            **r.detail(),
        }
        for r in result.results
    ]
    data["open_findings"] = [
        {"fingerprint": f.fingerprint, "skpd": f.skpd, **f.detail()} for f in result.findings
    ]
    (work / "nightly.json").write_text(json.dumps(data, indent=2, default=str))


def _owned(report: Path, stage: str) -> list[Path]:
    """The paths of a report directory a stage writes: its evidence; for ``report``, the report itself."""
    if stage != "report":
        return [report / "evidence" / stage, report / "evidence" / f"{stage}.json"]
    if not report.is_dir():
        return []
    return [p for p in report.iterdir() if p.name not in ("evidence", "nightly.json")]


def _replace(new: Path, old: Path | None) -> None:
    if new.is_dir():
        shutil.rmtree(new)
    elif new.exists():
        new.unlink()
    if old is not None:
        new.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if old.is_dir() else shutil.copy2)(old, new)


def _publish(work: Path, report: Path, stages: Sequence[StageOutcome]) -> None:
    """Rename the new report into place; a stage that did not succeed keeps the last run's output."""
    for stage in stages:
        if stage.status == "ok":
            continue
        for partial in _owned(work, stage.name):  # what a failed stage left, with nothing older to keep
            _replace(partial, None)
        for old in _owned(report, stage.name):
            if old.exists():
                _replace(work / old.relative_to(report), old)
    retired = report.parent / f".{report.name}.old-{os.getpid()}"
    if report.exists():
        report.rename(retired)
    work.rename(report)
    shutil.rmtree(retired, ignore_errors=True)


# --------------------------------------------------------------------------- report history


@dataclass(frozen=True)
class HistoryRequest:
    skpd: str | None = None
    since: dt.date | None = None  # only what was seen on or after this day (the regency's time zone)


@dataclass(frozen=True)
class HistoryResult:
    lines: tuple[HistoryLine, ...]
    names: Mapping[str, str]  # SKPD slug -> name, from the last nightly run
    tz: ZoneInfo

    def local(self, when: dt.datetime | None) -> str | None:
        return when.astimezone(self.tz).isoformat(timespec="seconds") if when else None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, dict[str, Any]] = {}
        for line in self.lines:
            skpd = out.setdefault(
                line.skpd, {"name": self.names.get(line.skpd), "obligations": {}, "findings": {}}
            )
            row = {
                "state": line.state,
                "since": self.local(line.since),
                "first_seen": self.local(line.first_seen),
                "last_seen": self.local(line.last_seen),
                "resolved": self.local(line.resolved),
            }
            if line.kind == "finding":
                row.update(code=line.detail.get("code"), text=line.detail.get("text"))
            skpd[f"{line.kind}s"][line.name] = row
        return {"timezone": str(self.tz), "skpd": out}

    @property
    def exit_code(self) -> int:
        return 0


def report_history(settings: Settings, request: HistoryRequest) -> HistoryResult:
    """Per SKPD, per obligation and finding: state, since, first and last seen, resolved."""
    from simpul.services.intended import history_store

    tz = timezone(settings)
    store = history_store(settings)
    subject = subject_of(request.skpd) if request.skpd else None
    entries = [
        e
        for prefix in (OBLIGATION_PREFIX, FINDING_PREFIX)
        for e in store.entries(subject=subject, check_prefix=prefix)
    ]
    entries.sort(key=lambda e: e.time)
    lines = summarise_history((e.time, e.subject, e.check, e.state, e.detail) for e in entries)
    if request.since is not None:
        start = dt.datetime.combine(request.since, dt.time(), tzinfo=tz)
        lines = [x for x in lines if x.last_seen >= start or (x.resolved and x.resolved >= start)]
    return HistoryResult(tuple(lines), _skpd_names(store), tz)


def _skpd_names(store: HistoryStore) -> dict[str, str]:
    """The SKPD names the last nightly run recorded (its run detail)."""
    runs = store.runs(RUN_KIND)
    names = runs[-1].detail.get("skpd_names", {}) if runs else {}
    return {skpd_of(k): str(v) for k, v in names.items()}


__all__ = [
    "HistoryRequest",
    "HistoryResult",
    "NightlyBusy",
    "NightlyRequest",
    "NightlyResult",
    "load_obligations",
    "nightly_lock",
    "report_history",
    "run_nightly",
]
