"""The nightly job's judgement (pure): which obligation is met for which SKPD, and the finding ledger.

The service (:mod:`simpul.services.nightly`) runs the stages and condenses what each one found into
:class:`Facts`; this module turns those facts into one :class:`~simpul.core.obligations.ObligationResult`
per SKPD and obligation (:func:`evaluate`), keeps the open/resolved bookkeeping of findings
(:func:`finding_rows`) and summarises the history store for ``simpul report history``
(:func:`summarise_history`). No I/O, no clock: everything comes in as arguments.

A stage that did not run (failed, skipped, input missing) leaves its facts ``None``; every obligation
whose check needs them is then :attr:`~simpul.core.obligations.State.NOT_CHECKED`, never met.

Examples:
    >>> skpd = SkpdFacts("disdik", "Dinas Pendidikan", mandiri_tik=True)
    >>> edge = DeviceFacts("rtr-disdik", "disdik", "skpd-edge", "disdik")
    >>> facts = Facts(skpds=(skpd,), devices=(edge,), backup={"rtr-disdik": None})
    >>> rows = evaluate([Obligation("18.2", "Perbup", "Pasal 18 ayat (2)", {}, "jaringan_intra.edge", {}),
    ...                  Obligation("18.3", "Perbup", "Pasal 18 ayat (3)", {}, "intended.compliance", {})],
    ...                 facts)
    >>> [(r.obligation, r.skpd, r.state.value) for r in rows]
    [('18.2', 'disdik', 'met'), ('18.3', 'disdik', 'not_checked')]
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from simpul.core.continuity import Continuity
from simpul.core.obligations import (
    REGENCY,
    Obligation,
    ObligationResult,
    State,
    check_of,
    skpd_of,
    subject_of,
)

StageStatus = Literal["ok", "failed", "skipped", "no_input"]
STAGES: tuple[str, ...] = ("backup", "lan", "intended", "bandwidth", "vps", "data_backup", "report")
FINDING_PREFIX = "finding:"
OBLIGATION_PREFIX = "obligation:"
OPEN, RESOLVED = "open", "resolved"
EDGE_ROLE = "skpd-edge"
SERVER_ROLE = "server"
VPS_EXPECTED_RUNNING = frozenset({"active", "planned", "staged"})


# --------------------------------------------------------------------------- stages


@dataclass(frozen=True)
class StageOutcome:
    """One stage of one run, as ``simpul nightly --json`` lists it."""

    name: str
    status: StageStatus
    seconds: float = 0.0
    counts: Mapping[str, int] = field(default_factory=dict)
    failures: Mapping[str, str] = field(default_factory=dict)  # item (device, SKPD) -> reason
    message: str | None = None  # why it failed, was skipped or had no input
    findings: bool = False  # the stage's own result reported findings (its exit code 1)
    error_exit: int = 0  # a failed stage: the exit code of its error (2 bad input, 3 a bug)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "counts": dict(self.counts),
            "failures": dict(self.failures),
            "message": self.message,
        }


def run_exit_code(stages: Iterable[StageOutcome], results: Iterable[ObligationResult]) -> int:
    """0 all good; 1 findings, an unmet obligation or a failure; 2 a stage's bad input; 3 a bug.

    >>> ok = StageOutcome("backup", "ok")
    >>> run_exit_code([ok], [ObligationResult("18.2", "a", State.MET)])
    0
    >>> unchecked = ObligationResult("14.8", "a", State.NOT_CHECKED)
    >>> run_exit_code([ok, StageOutcome("vps", "no_input")], [unchecked])
    0
    >>> run_exit_code([StageOutcome("backup", "ok", failures={"rtr-a": "timeout: x"})], [])
    1
    >>> bad_input, bug = StageOutcome("l", "failed", error_exit=2), StageOutcome("x", "failed", error_exit=3)
    >>> run_exit_code([bad_input, bug], [])
    3
    """
    stages = list(stages)
    worst = max((s.error_exit for s in stages if s.status == "failed"), default=0)
    if worst >= 2:
        return worst
    if any(s.status == "failed" or s.failures or s.findings for s in stages):
        return 1
    return 1 if any(r.state is State.NOT_MET for r in results) else 0


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class SkpdFacts:
    slug: str
    name: str
    mandiri_tik: bool


@dataclass(frozen=True)
class DeviceFacts:
    name: str
    skpd: str | None
    role: str | None
    site: str | None


@dataclass(frozen=True)
class LanFacts:
    """One SKPD's LAN audit: its status, the codes of its findings, the devices it could not read."""

    status: str
    codes: tuple[str, ...] = ()
    unreachable: tuple[str, ...] = ()
    devices: int = 0


@dataclass(frozen=True)
class BandwidthFacts:
    allocations: Mapping[str, tuple[float | None, float | None]]  # SKPD -> (CIR, MIR) Mbps
    violations: tuple[tuple[str, str | None], ...] = ()  # (code, SKPD or None for the regency)
    capacity_mbps: float = 0.0


@dataclass(frozen=True)
class VpsFacts:
    name: str
    skpd: str | None
    status: str | None  # NetBox status; None: the hypervisor has a VM NetBox does not list
    power: str
    drift: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataBackupFacts:
    codes: tuple[str, ...] = ()  # DBK finding codes of the SKPD
    age_hours: float | None = None
    rpo_hours: float | None = None
    has_snapshot: bool = False
    last_drill: str | None = None  # passed / failed, the newest one kept


# Which DBK codes speak for which ayat (simpul.core.data_backup.BACKUP_FINDING_CODES).
DBK_16_1 = frozenset({"DBK-001", "DBK-002", "DBK-003", "DBK-004", "DBK-005", "DBK-006"})
DBK_DRILL = frozenset({"DBK-007", "DBK-008", "DBK-009"})
REG_DIAGRAM = frozenset({"REG-001", "REG-003", "REG-004"})


@dataclass(frozen=True)
class Facts:
    """What the stages of one run found; ``None``: that stage did not run (its obligations not checked)."""

    skpds: tuple[SkpdFacts, ...]
    devices: tuple[DeviceFacts, ...] = ()
    pusat_data_sites: frozenset[str] | None = None
    backup: Mapping[str, str | None] | None = None  # device -> failure reason, None when backed up
    lan: Mapping[str, LanFacts] | None = None
    intended: Mapping[str, bool | None] | None = None  # device -> compliant (None: not comparable)
    bandwidth: BandwidthFacts | None = None
    vps: tuple[VpsFacts, ...] | None = None
    data_backup: Mapping[str, DataBackupFacts] | None = None
    drills: Mapping[str, str] = field(default_factory=dict)  # SKPD -> passed/failed, drilled this run
    continuity: Continuity | None = None  # the internet uplinks, read from the core routers
    target_exposed: bool = False

    def devices_of(self, skpd: str, role: str | None = None) -> list[DeviceFacts]:
        return [d for d in self.devices if d.skpd == skpd and (role is None or d.role == role)]


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Verdict:
    state: State
    en: str
    id: str
    links: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)


def _v(state: State, en: str, id_: str, links: tuple[str, ...] = (), **facts: Any) -> Verdict:
    return Verdict(state, en, id_, links, facts)


NOT_RUN = _v(State.NOT_CHECKED, "the stage did not run", "tahap ini tidak berjalan")
LAN_LINK = "evidence/lan/skpd/{slug}.html"


def _names(items: Iterable[str], most: int = 5) -> str:
    items = sorted(items)
    more = f" +{len(items) - most}" if len(items) > most else ""
    return ", ".join(items[:most]) + more


def check_placement(f: Facts, s: SkpdFacts) -> Verdict:
    """Pasal 14(5): the SKPD's servers (and VPS) sit in the Pusat Data."""
    if f.pusat_data_sites is None:
        return _v(State.NOT_CHECKED, "the Pusat Data is unknown", "Pusat Data tidak diketahui")
    servers = f.devices_of(s.slug, SERVER_ROLE)
    outside = [d.name for d in servers if d.site not in f.pusat_data_sites]
    vms = [v.name for v in f.vps or () if v.skpd == s.slug]
    if outside:
        return _v(
            State.NOT_MET,
            f"{len(outside)} server(s) outside the Pusat Data: {_names(outside)}",
            f"{len(outside)} server di luar Pusat Data: {_names(outside)}",
            outside=sorted(outside),
        )
    inside = len(servers) + len(vms)
    if not inside:
        return _v(State.NOT_APPLICABLE, "no server or VPS", "tidak ada server atau VPS")
    return _v(State.MET, f"{inside} server/VPS in the Pusat Data", f"{inside} server/VPS di Pusat Data")


def check_vps(f: Facts, s: SkpdFacts) -> Verdict:
    """Pasal 14(8): each VPS NetBox records for the SKPD runs on the hypervisor as recorded."""
    if f.vps is None:
        return NOT_RUN
    mine = [v for v in f.vps if v.skpd == s.slug and v.status in VPS_EXPECTED_RUNNING]
    if not mine:
        return _v(State.NOT_APPLICABLE, "no VPS requested", "tidak ada VPS yang diminta")
    bad = [v.name for v in mine if v.power != "running" or v.drift]
    if bad:
        return _v(
            State.NOT_MET,
            f"{len(bad)} of {len(mine)} VPS not running as recorded: {_names(bad)}",
            f"{len(bad)} dari {len(mine)} VPS tidak berjalan sesuai catatan: {_names(bad)}",
            vps=sorted(bad),
        )
    return _v(State.MET, f"{len(mine)} VPS running", f"{len(mine)} VPS berjalan")


def _data(f: Facts, s: SkpdFacts) -> DataBackupFacts | Verdict:
    if f.data_backup is None:
        return NOT_RUN
    found = f.data_backup.get(s.slug)
    if found is None:
        return _v(State.NOT_CHECKED, "not in the backup estate", "tidak terdaftar di cadangan data")
    return found


def check_backup_rpo(f: Facts, s: SkpdFacts) -> Verdict:
    """Pasal 16(1): data backed up to the Pusat Data per the SKPD's policy, within its RPO."""
    d = _data(f, s)
    if isinstance(d, Verdict):
        return d
    codes = sorted(set(d.codes) & DBK_16_1)
    age = f"{d.age_hours:.0f} h" if d.age_hours is not None else "-"
    rpo = f"{d.rpo_hours:.0f} h" if d.rpo_hours is not None else "-"
    hours = {"age": age.replace(" h", " jam"), "rpo": rpo.replace(" h", " jam")}
    en = f"last backup {age} ago (RPO {rpo})"
    id_ = f"cadangan terakhir {hours['age']} lalu (RPO {hours['rpo']})"
    if codes:
        return _v(State.NOT_MET, f"{', '.join(codes)}; {en}", f"{', '.join(codes)}; {id_}", codes=codes)
    return _v(State.MET, en, id_)


DRILL_ID = {"passed": "lulus", "failed": "gagal"}


def check_drill(f: Facts, s: SkpdFacts) -> Verdict:
    """Pasal 16(2): a restore drill passed within the policy's interval (one run tonight counts)."""
    d = _data(f, s)
    if isinstance(d, Verdict):
        return d
    tonight = f.drills.get(s.slug)
    if tonight == "passed":
        return _v(State.MET, "restore drill passed tonight", "uji pemulihan lulus malam ini")
    if tonight == "failed":
        return _v(State.NOT_MET, "restore drill failed tonight", "uji pemulihan gagal malam ini")
    codes = sorted(set(d.codes) & DBK_DRILL)
    if codes:
        return _v(
            State.NOT_MET,
            f"{', '.join(codes)}; last drill: {d.last_drill or 'none'}",
            f"{', '.join(codes)}; uji terakhir: {DRILL_ID.get(d.last_drill or '', 'belum ada')}",
            codes=codes,
        )
    last_id = DRILL_ID.get(d.last_drill or "", d.last_drill)
    return _v(State.MET, f"last drill {d.last_drill}", f"uji pemulihan terakhir {last_id}")


def check_isolation(f: Facts, s: SkpdFacts) -> Verdict:
    """Pasal 17: the SKPD's backups sit in its own encrypted repository, behind a target not exposed."""
    d = _data(f, s)
    if isinstance(d, Verdict):
        return d
    if f.target_exposed:
        return _v(
            State.NOT_MET,
            "the backup target listens without TLS off loopback (DBK-011)",
            "target cadangan terbuka tanpa TLS (DBK-011)",
        )
    if not d.has_snapshot:
        return _v(State.NOT_MET, "no encrypted repository with data yet", "belum ada repositori terenkripsi")
    return _v(
        State.MET,
        "own encrypted repository, own key and user",
        "repositori terenkripsi sendiri, kunci dan pengguna sendiri",
    )


def check_edge(f: Facts, s: SkpdFacts) -> Verdict:
    """Pasal 18(2): the SKPD's edge device is on the Jaringan Intra and answered tonight."""
    if f.backup is None:
        return NOT_RUN
    edges = [d.name for d in f.devices_of(s.slug, EDGE_ROLE)]
    if not edges:
        return _v(State.NOT_MET, "no SKPD edge device in NetBox", "tidak ada perangkat tepi SKPD di NetBox")
    silent = {n: f.backup[n] for n in edges if f.backup.get(n, "not contacted")}
    if silent:
        reasons = "; ".join(f"{n}: {r}" for n, r in sorted(silent.items()))
        return _v(State.NOT_MET, reasons, f"tidak menjawab: {reasons}", failures=dict(silent))
    return _v(State.MET, f"{_names(edges)} answered", f"{_names(edges)} menjawab")


def check_intended(f: Facts, s: SkpdFacts) -> Verdict:
    """Pasal 18(3): every device of the SKPD matches its intended config (from tonight's backup)."""
    if f.intended is None:
        return NOT_RUN
    mine = {d.name: f.intended[d.name] for d in f.devices_of(s.slug) if d.name in f.intended}
    if not mine:
        return _v(State.NOT_APPLICABLE, "no device with an intended config", "tidak ada perangkat bertemplat")
    bad = [n for n, ok in mine.items() if ok is False]
    unknown = [n for n, ok in mine.items() if ok is None]
    if bad:
        return _v(
            State.NOT_MET,
            f"{len(bad)} of {len(mine)} device(s) differ: {_names(bad)}",
            f"{len(bad)} dari {len(mine)} perangkat berbeda: {_names(bad)}",
            devices=sorted(bad),
        )
    if unknown:
        return _v(
            State.NOT_CHECKED, f"no backup of {_names(unknown)}", f"tidak ada cadangan {_names(unknown)}"
        )
    return _v(State.MET, f"{len(mine)} device(s) compliant", f"{len(mine)} perangkat sesuai")


def _lan(f: Facts, s: SkpdFacts) -> LanFacts | Verdict:
    if f.lan is None:
        return NOT_RUN
    return f.lan.get(s.slug) or _v(State.NOT_CHECKED, "not audited", "tidak diaudit")


def check_inspected(f: Facts, s: SkpdFacts) -> Verdict:
    """Pasal 19(2): the Dinas could read every device of the SKPD LAN tonight."""
    lan = _lan(f, s)
    if isinstance(lan, Verdict):
        return lan
    link = (LAN_LINK.format(slug=s.slug),)
    if lan.unreachable:
        return _v(
            State.NOT_MET,
            f"could not read {_names(lan.unreachable)}",
            f"tidak dapat dibaca: {_names(lan.unreachable)}",
            link,
        )
    return _v(State.MET, f"{lan.devices} device(s) read", f"{lan.devices} perangkat dibaca", link)


def check_diagram(f: Facts, s: SkpdFacts) -> Verdict:
    """Pasal 20(1): an SKPD Mandiri TIK's LAN diagram is not older than a year."""
    if not s.mandiri_tik:
        return _v(State.NOT_APPLICABLE, "not Mandiri TIK", "bukan SKPD Mandiri TIK")
    lan = _lan(f, s)
    if isinstance(lan, Verdict):
        return lan
    link = (LAN_LINK.format(slug=s.slug),)
    codes = sorted(set(lan.codes) & REG_DIAGRAM)
    if codes:
        return _v(State.NOT_MET, f"{', '.join(codes)}", f"{', '.join(codes)}", link, codes=codes)
    return _v(State.MET, "diagram current", "diagram terkini", link)


def check_unreported(f: Facts, s: SkpdFacts) -> Verdict:
    """Pasal 20(2): an SKPD Mandiri TIK's LAN is what its diagram says (no unreported change)."""
    if not s.mandiri_tik:
        return _v(State.NOT_APPLICABLE, "not Mandiri TIK", "bukan SKPD Mandiri TIK")
    lan = _lan(f, s)
    if isinstance(lan, Verdict):
        return lan
    link = (LAN_LINK.format(slug=s.slug),)
    if lan.status == "no_diagram":
        return _v(State.NOT_CHECKED, "no diagram to compare with", "tidak ada diagram pembanding", link)
    codes = sorted(c for c in set(lan.codes) if c == "REG-002" or c.startswith("LAN-"))
    if codes:
        return _v(
            State.NOT_MET,
            f"the LAN differs from its diagram: {', '.join(codes)}",
            f"LAN berbeda dari diagramnya: {', '.join(codes)}",
            link,
            codes=codes,
        )
    return _v(State.MET, "the LAN matches its diagram", "LAN sesuai diagramnya", link)


def check_bandwidth(f: Facts, s: SkpdFacts) -> Verdict:
    """Kominfo guidance: the SKPD has an internet allocation, within the regency's capacity."""
    if f.bandwidth is None:
        return NOT_RUN
    codes = sorted({code for code, skpd in f.bandwidth.violations if skpd in (s.slug, None)})
    cir, mir = f.bandwidth.allocations.get(s.slug, (None, None))
    if codes:
        return _v(State.NOT_MET, ", ".join(codes), ", ".join(codes), codes=codes)
    if cir is None or mir is None:
        return _v(State.NOT_MET, "no bandwidth allocated", "belum ada alokasi bandwidth")
    return _v(
        State.MET,
        f"CIR {cir:g} / MIR {mir:g} Mbps of {f.bandwidth.capacity_mbps:g}",
        f"CIR {cir:g} / MIR {mir:g} Mbps dari {f.bandwidth.capacity_mbps:g}",
        cir_mbps=cir,
        mir_mbps=mir,
    )


def check_continuity(f: Facts) -> Verdict:
    """Kominfo guidance: internet access stays available: every uplink answers, and more than one.

    The evidence says what is left when each uplink still up fails (one already down is a problem).

    >>> from simpul.core.continuity import Uplink, judge
    >>> a = Uplink("TLK-SKD-001", "telkom", 300, "core", "Gi0/1", True)
    >>> b = Uplink("LA-SKD-001", "lintasarta", 200, "core", "Gi0/2", False)
    >>> v = check_continuity(Facts(skpds=(), continuity=judge((a, b), 415)))
    >>> v.state.value
    'not_met'
    >>> v.en
    'LA-SKD-001 (core Gi0/2) is down; if TLK-SKD-001 fails, 0 Mbps remain for 415 Mbps of SKPD CIR (0 %)'
    >>> v.id
    'LA-SKD-001 (core Gi0/2) putus; jika TLK-SKD-001 putus, tersisa 0 Mbps untuk CIR SKPD 415 Mbps (0 %)'
    """
    c = f.continuity
    if c is None:
        return NOT_RUN
    down = {u.circuit for u in c.uplinks if u.up is False}
    cases = [x for x in c.failures if x.circuit not in down]
    cases_en = [x.describe() for x in cases]
    cases_id = [
        f"jika {x.circuit} putus, tersisa {x.remaining_mbps:g} Mbps untuk CIR SKPD "
        f"{x.committed_cir_mbps:g} Mbps ({round(x.share * 100)} %)"
        for x in cases
    ]
    uplinks = {u.circuit: u.up for u in c.uplinks}
    if c.verdict == "met":
        answering = ", ".join(f"{u.circuit} {u.commit_mbps:g} Mbps" for u in c.uplinks)
        en = f"{len(c.uplinks)} uplinks answering ({answering}); " + "; ".join(cases_en)
        id_ = f"{len(c.uplinks)} uplink menjawab ({answering}); " + "; ".join(cases_id)
        return _v(State.MET, en, id_, uplinks=uplinks, committed_cir_mbps=c.committed_cir_mbps)
    problems_id = [_problem_id(p) for p in c.problems]
    state = State.NOT_MET if c.verdict == "not_met" else State.NOT_CHECKED
    en, id_ = "; ".join([*c.problems, *cases_en]), "; ".join([*problems_id, *cases_id])
    return _v(state, en, id_, uplinks=uplinks, committed_cir_mbps=c.committed_cir_mbps)


def _problem_id(problem: str) -> str:
    """The Indonesian words of a continuity problem (:func:`simpul.core.continuity.judge` writes English)."""
    for en, id_ in (
        (" is down", " putus"),
        (" was not read", " tidak terbaca"),
        (": one failure cuts the Pemda off the internet", ": satu gangguan memutus internet Pemda"),
        ("a single uplink", "hanya satu uplink"),
        (
            "no internet uplink: no circuit of type internet is cabled to a core router",
            "tidak ada uplink internet: tidak ada sirkuit internet yang tersambung ke router inti",
        ),
    ):
        problem = problem.replace(en, id_)
    return problem


#: Checks of the whole regency (scope ``regency``), judged once rather than per SKPD.
REGENCY_CHECKS: Mapping[str, Callable[[Facts], Verdict]] = {"internet.continuity": check_continuity}

Check = Callable[[Facts, SkpdFacts], Verdict]
#: Every check an obligation may name (``check:`` in compliance/obligations.yaml).
CHECKS: Mapping[str, Check] = {
    "pusat_data.placement": check_placement,
    "vps.running": check_vps,
    "data_backup.rpo": check_backup_rpo,
    "data_backup.drill": check_drill,
    "data_backup.isolation": check_isolation,
    "jaringan_intra.edge": check_edge,
    "intended.compliance": check_intended,
    "lan.inspected": check_inspected,
    "lan.diagram_current": check_diagram,
    "lan.no_unreported_change": check_unreported,
    "bandwidth.allocation": check_bandwidth,
}
NO_CHECK = _v(State.NOT_CHECKED, "no check yet", "belum ada pemeriksaan")
#: The stage whose facts each check reads (``pusat_data.placement`` reads NetBox, read by every run).
CHECK_STAGES: Mapping[str, str] = {
    "vps.running": "vps",
    "data_backup.rpo": "data_backup",
    "data_backup.drill": "data_backup",
    "data_backup.isolation": "data_backup",
    "jaringan_intra.edge": "backup",
    "intended.compliance": "intended",
    "lan.inspected": "lan",
    "lan.diagram_current": "lan",
    "lan.no_unreported_change": "lan",
    "bandwidth.allocation": "bandwidth",
    "internet.continuity": "bandwidth",
}


def recorded(obligations: Sequence[Obligation], skipped: Iterable[str]) -> frozenset[str]:
    """The obligations a run records: not those whose stage was left out on purpose (``--only``).

    A stage that failed or lacked input still records ``not_checked``: that is what happened that
    night. A partial run started by hand says nothing about the stages it did not ask for.

    >>> obs = [Obligation("19.2", "P", "A", {}, "lan.inspected", {}), Obligation("x", "P", "A", {}, None, {})]
    >>> sorted(recorded(obs, ["lan"])), sorted(recorded(obs, []))
    (['x'], ['19.2', 'x'])
    """
    left_out = set(skipped)
    return frozenset(o.id for o in obligations if CHECK_STAGES.get(o.check or "") not in left_out)


def evaluate(obligations: Sequence[Obligation], facts: Facts) -> tuple[ObligationResult, ...]:
    """One result per SKPD and SKPD-scope obligation, one per regency-scope obligation.

    A regency-scope obligation with a check is met when it is met (or not applicable) for every SKPD.

    >>> s = SkpdFacts("disdik", "Dinas Pendidikan", mandiri_tik=False)
    >>> ob = Obligation("kominfo.continuity", "Kominfo", "-", {}, None, {}, scope="regency")
    >>> [(r.skpd, r.state.value, r.evidence["en"]) for r in evaluate([ob], Facts(skpds=(s,)))]
    [('regency', 'not_checked', 'no check yet')]
    """
    out: list[ObligationResult] = []
    for ob in obligations:
        check = CHECKS.get(ob.check) if ob.check else None
        whole = REGENCY_CHECKS.get(ob.check or "")
        if ob.scope == "regency" and whole is not None:
            out.append(_result(ob.id, REGENCY, whole(facts)))
            continue
        if ob.scope == "regency":
            verdict = _regency(check, facts) if check else NO_CHECK
            out.append(_result(ob.id, REGENCY, verdict))
            continue
        for skpd in facts.skpds:
            out.append(_result(ob.id, skpd.slug, check(facts, skpd) if check else NO_CHECK))
    return tuple(out)


def _regency(check: Check, facts: Facts) -> Verdict:
    verdicts = [check(facts, s) for s in facts.skpds]
    states = {v.state for v in verdicts}
    for state in (State.NOT_MET, State.NOT_CHECKED):
        if state in states:
            n = sum(v.state is state for v in verdicts)
            return _v(state, f"{n} SKPD {state.value}", f"{n} SKPD {state.value}")
    if State.MET in states:
        return _v(State.MET, "met for every SKPD", "terpenuhi di semua SKPD")
    return _v(State.NOT_APPLICABLE, "applies to no SKPD", "tidak berlaku")


def _result(obligation: str, skpd: str, v: Verdict) -> ObligationResult:
    return ObligationResult(obligation, skpd, v.state, {"id": v.id, "en": v.en}, v.links, dict(v.facts))


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class NightlyFinding:
    """A finding any stage made, keyed so the same problem tomorrow has the same fingerprint."""

    source: str  # the stage: lan, intended, bandwidth, vps, data_backup, backup
    code: str
    severity: str
    skpd: str | None
    pasal: str
    text: Mapping[str, str]  # lang -> one line
    key: tuple[str, ...] = ()  # what identifies it besides code and SKPD (device, port, peer ...)

    @property
    def fingerprint(self) -> str:
        """Stable across runs: source, code, SKPD and key; never a value that drifts (an age, a time).

        >>> a = NightlyFinding("lan", "LAN-003", "high", "disdik", "Pasal 20 ayat (2)", {}, ("sw-1",))
        >>> b = NightlyFinding("lan", "LAN-003", "low", "disdik", "", {"en": "x"}, ("sw-1",))
        >>> a.fingerprint == b.fingerprint
        True
        >>> len(a.fingerprint)
        16
        """
        raw = "\x1f".join((self.source, self.code, self.skpd or "", *self.key))
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def subject(self) -> str:
        return subject_of(self.skpd or REGENCY)

    def detail(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "pasal": self.pasal, "text": dict(self.text)}


@dataclass(frozen=True)
class HistoryRow:
    """A row for the history store (the service turns it into :class:`simpul.store.history.Row`)."""

    subject: str
    check: str
    state: str
    detail: Mapping[str, Any] = field(default_factory=dict)


def obligation_rows(results: Iterable[ObligationResult]) -> list[HistoryRow]:
    return [
        HistoryRow(subject_of(r.skpd), check_of(r.obligation), r.state.value, r.detail()) for r in results
    ]


def latest_states(
    entries: Iterable[tuple[str, str, str, Mapping[str, Any]]],
) -> dict[tuple[str, str], tuple[str, Mapping[str, Any]]]:
    """The newest state (and detail) of each ``(subject, check)``, from entries oldest first."""
    out: dict[tuple[str, str], tuple[str, Mapping[str, Any]]] = {}
    for subject, check, state, detail in entries:
        out[(subject, check)] = (state, detail)
    return out


def finding_rows(
    current: Iterable[NightlyFinding],
    latest: Mapping[tuple[str, str], tuple[str, Mapping[str, Any]]],
    checked_sources: Iterable[str] | None = None,
) -> list[HistoryRow]:
    """``open`` for every finding now; ``resolved`` once for each finding open last time and gone now.

    ``checked_sources``: the stages that ran tonight; a finding of a stage that did not run is neither
    open nor resolved (nobody looked), so it gets no row. None: every source ran.

    >>> a = NightlyFinding("lan", "LAN-003", "high", "disdik", "", {"en": "link gone"}, ("sw-1",))
    >>> b = NightlyFinding("lan", "LAN-006", "medium", "disdik", "", {"en": "vlan"}, ("sw-2",))
    >>> first = finding_rows([a, b], {})
    >>> [r.state for r in first]
    ['open', 'open']
    >>> latest = latest_states((r.subject, r.check, r.state, {**r.detail, "source": "lan"}) for r in first)
    >>> [(r.check == "finding:" + b.fingerprint, r.state) for r in finding_rows([a], latest)]
    [(False, 'open'), (True, 'resolved')]
    >>> finding_rows([], latest, checked_sources=["vps"])
    []
    """
    sources = None if checked_sources is None else set(checked_sources)
    rows: list[HistoryRow] = []
    now: set[tuple[str, str]] = set()
    for finding in current:
        key = (finding.subject, FINDING_PREFIX + finding.fingerprint)
        if key in now:
            continue
        now.add(key)
        rows.append(HistoryRow(key[0], key[1], OPEN, {**finding.detail(), "source": finding.source}))
    for (subject, check), (state, detail) in sorted(latest.items()):
        if not check.startswith(FINDING_PREFIX) or state != OPEN or (subject, check) in now:
            continue
        if sources is not None and detail.get("source") not in sources:
            continue
        rows.append(HistoryRow(subject, check, RESOLVED, dict(detail)))
    return rows


# --------------------------------------------------------------------------- history view


@dataclass(frozen=True)
class HistoryLine:
    """One obligation or finding of one SKPD over time (``simpul report history``)."""

    skpd: str
    check: str
    state: str
    since: dt.datetime
    first_seen: dt.datetime
    last_seen: dt.datetime
    resolved: dt.datetime | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "finding" if self.check.startswith(FINDING_PREFIX) else "obligation"

    @property
    def name(self) -> str:
        return self.check.split(":", 1)[1]


def summarise_history(
    entries: Iterable[tuple[dt.datetime, str, str, str, Mapping[str, Any]]],
) -> list[HistoryLine]:
    """Entries ``(time, subject, check, state, detail)`` oldest first -> one line per subject and check.

    ``first_seen``/``last_seen``: for a finding, the first and last run that saw it open; for an
    obligation, its first and last recorded run. ``since``: when the current state began.

    >>> t = [dt.datetime(2026, 11, d, tzinfo=dt.UTC) for d in (1, 2, 3)]
    >>> lines = summarise_history([(t[0], "skpd:a", "finding:x", "open", {}),
    ...                            (t[1], "skpd:a", "finding:x", "open", {}),
    ...                            (t[2], "skpd:a", "finding:x", "resolved", {}),
    ...                            (t[0], "skpd:a", "obligation:18.2", "met", {}),
    ...                            (t[2], "skpd:a", "obligation:18.2", "not_met", {})])
    >>> [(x.name, x.state, x.since.day, x.first_seen.day, x.last_seen.day, x.resolved and x.resolved.day)
    ...  for x in lines]
    [('x', 'resolved', 3, 1, 2, 3), ('18.2', 'not_met', 3, 1, 3, None)]
    """
    grouped: dict[tuple[str, str], list[tuple[dt.datetime, str, Mapping[str, Any]]]] = {}
    for time, subject, check, state, detail in entries:
        grouped.setdefault((subject, check), []).append((time, state, detail))
    lines = []
    for (subject, check), rows in sorted(
        grouped.items(), key=lambda kv: (kv[0][0], not kv[0][1].startswith(FINDING_PREFIX), kv[0][1])
    ):
        state = rows[-1][1]
        since = rows[-1][0]
        for time, past, _ in reversed(rows):
            if past != state:
                break
            since = time
        seen = (
            [t for t, s, _ in rows if s == OPEN]
            if check.startswith(FINDING_PREFIX)
            else [t for t, _, _ in rows]
        )
        seen = seen or [rows[0][0]]
        lines.append(
            HistoryLine(
                skpd=skpd_of(subject),
                check=check,
                state=state,
                since=since,
                first_seen=seen[0],
                last_seen=seen[-1],
                resolved=since if state == RESOLVED else None,
                detail=rows[-1][2],
            )
        )
    return lines


__all__ = [
    "CHECKS",
    "CHECK_STAGES",
    "REGENCY_CHECKS",
    "STAGES",
    "BandwidthFacts",
    "DataBackupFacts",
    "DeviceFacts",
    "Facts",
    "HistoryLine",
    "HistoryRow",
    "LanFacts",
    "NightlyFinding",
    "SkpdFacts",
    "StageOutcome",
    "VpsFacts",
    "evaluate",
    "finding_rows",
    "latest_states",
    "obligation_rows",
    "recorded",
    "run_exit_code",
    "summarise_history",
]
