"""Use cases of ``simpul backup data``: SKPD data backups to the Pusat Data (Perbup Pasal 16-17).

- :func:`run_backups` (``run``): start every SKPD server's agent now (dry run: the commands each
  would run); one SKPD failing never stops the others;
- :func:`backup_status` (``status``): each SKPD's last complete backup against its RPO, retention,
  size and growth, last drill; every gap a finding citing Pasal 16 (and 17 for the target);
- :func:`restore_drill` (``drill``): restore the latest (or a random) complete run into a scratch
  place on the Pusat Data, verify the files against the snapshot, load each dump into a scratch
  database server and run its check query, time it, and keep a report per SKPD as evidence;
- :func:`maintain` (``maintain``, the server's timer): retention (forget/prune) and ``restic check``
  on the Pusat Data side, with the Dinas's key, on the repository directory itself;
- :func:`ensure_repository` (the ``simpul_backup_server`` role's module): one private repository,
  one HTTP user and one SKPD key per SKPD, idempotent, check mode supported;
- :func:`agent_script` / :func:`agent_files` (the ``simpul_backup_agent`` role's filters, the lab).

Where things come from: policies from ``backup_policies/<name>.yaml``; the SKPD list, each SKPD's
policy (tenant custom field ``backup_policy``) and its servers (devices/VMs with the policy's role
or tag, its VPS) from NetBox, or from an *estate* file (the lab writes one; it also says how to
reach each server); the Pusat Data target from ``target.yaml`` (written by the server role).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

from simpul.core.data_backup import (
    AgentConfig,
    AgentReport,
    BackupFinding,
    DatabaseSource,
    DataPolicy,
    DrillRecord,
    Estate,
    PusatDataTarget,
    RunRecord,
    ServerAccess,
    SkpdBackupFacts,
    SkpdDrill,
    SkpdEntry,
    SkpdStatus,
    Snapshot,
    agent_credential_files,
    agent_plan,
    drill_due,
    drill_verdict,
    glob_escape,
    judge_check_query,
    judge_files,
    load_model,
    load_policy,
    parse_agent_output,
    parse_calendar,
    parse_snapshots,
    pick_run,
    pick_sample,
    rclone_serve_argv,
    render_agent_script,
    rest_location,
    retention_plan,
    runs_of,
    status_findings,
    target_findings,
    validate_skpd,
)
from simpul.errors import DeviceError, InputError, SettingsError
from simpul.providers.backup_agents import runner_for
from simpul.providers.restic import Restic, ResticError, set_htpasswd_user, tree_size
from simpul.providers.scratch_db import ScratchDbError, ScratchMariaDB, ScratchPostgres
from simpul.settings import Settings, censor

log = logging.getLogger(__name__)

POLICIES_DIR = "backup_policies"
NOT_POLICIES = frozenset({"config_scrub"})  # the config backup's scrub rules share the directory
STATE_SUBDIR = "data-backup"
SKPD_KEY_USER = "skpd-{skpd}"
DINAS_KEY_USER = "dinas"
NOT_IN_SERVICE = frozenset({"planned", "staged"})  # NetBox statuses of servers that hold no data yet
T = TypeVar("T")


# -- where things come from ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    """Where a use case reads its inputs (None: the defaults described in the module docstring)."""

    estate: Path | None = None
    target: Path | None = None
    policies: Path | None = None


def state_dir(settings: Settings) -> Path:
    return Path(settings.state_dir) / STATE_SUBDIR


def policies_dir(settings: Settings, given: Path | None = None) -> Path:
    return given if given is not None else Path(settings.project_dir) / POLICIES_DIR


def load_policy_file(directory: Path, name: str) -> DataPolicy | None:
    """``<directory>/<name>.yaml`` validated, or None when there is no such file."""
    if name in NOT_POLICIES or "/" in name or name.startswith("."):
        return None
    path = directory / f"{name}.yaml"
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot read the policy: {exc.strerror}", source=str(path)) from None
    return load_policy(text, str(path), name=name)


def load_policies(directory: Path) -> dict[str, DataPolicy]:
    """Every data policy of the directory (the first bad file stops it: exit 2 with file/line/field)."""
    out = {}
    for path in sorted(directory.glob("*.yaml")):
        policy = load_policy_file(directory, path.stem)
        if policy is not None:
            out[path.stem] = policy
    return out


def target_file(settings: Settings, given: Path | None = None) -> Path:
    if given is not None:
        return given
    configured = settings.values.get("data_backup_target")
    return Path(configured) if configured else state_dir(settings) / "target.yaml"


def load_target(settings: Settings, given: Path | None = None) -> PusatDataTarget:
    path = target_file(settings, given)
    try:
        text = path.read_text()
    except OSError:
        raise SettingsError(
            f"no Pusat Data backup target at {path}",
            source=str(path),
            hint="apply the simpul_backup_server role (it writes target.yaml), or give --target FILE",
        ) from None
    return load_model(PusatDataTarget, text, str(path), "the target file")


def _read_estate_file(path: Path) -> Estate:
    try:
        text = path.read_text()
    except OSError as exc:
        raise InputError(
            f"cannot read the estate file: {exc.strerror}", source=str(path), field="--estate"
        ) from None
    estate = load_model(Estate, text, str(path), "the estate file")
    for skpd in estate.skpd:
        validate_skpd(skpd)
    return estate


def load_estate(settings: Settings, sources: Sources, policies: Path) -> Estate:
    """The SKPD, their policies and servers: the estate file if given, else NetBox (with the default
    estate file, when present, telling how to reach each server: the lab's local runners)."""
    if sources.estate is not None:
        return _read_estate_file(sources.estate)
    default = state_dir(settings) / "estate.yaml"
    overrides = _read_estate_file(default) if default.exists() else None
    if settings.values.get("netbox_url"):
        return estate_from_netbox(settings, policies, overrides)
    if overrides is not None:
        return overrides
    raise SettingsError(
        "no NetBox and no estate file: simpul does not know the SKPD and their servers",
        hint=f"set NETBOX_URL/NETBOX_TOKEN, or give --estate FILE (or write {default})",
    )


def estate_from_netbox(settings: Settings, policies: Path, overrides: Estate | None = None) -> Estate:
    """SKPD tenants, their ``backup_policy`` and the devices/VMs the policy's selector picks."""
    from simpul.netbox.client import connect, get_all

    settings.require("netbox_url", "netbox_token")
    api = connect(settings)
    tenants = list(get_all(api, "tenancy/tenants", [("group", "skpd")], "id,slug,custom_fields"))
    fields = "name,tenant,role,tags,primary_ip4,status"
    machines = [
        *(("device", d) for d in get_all(api, "dcim/devices", [("tenant_group", "skpd")], fields)),
        *(
            ("vm", v)
            for v in get_all(api, "virtualization/virtual-machines", [("tenant_group", "skpd")], fields)
        ),
    ]
    skpd: dict[str, SkpdEntry] = {}
    for tenant in sorted(tenants, key=lambda t: str(t["slug"])):
        slug = str(tenant["slug"])
        name = (tenant.get("custom_fields") or {}).get("backup_policy") or None
        policy = load_policy_file(policies, name) if name else None
        known = overrides.skpd[slug].servers if overrides and slug in overrides.skpd else {}
        servers: dict[str, ServerAccess] = {}
        for kind, obj in machines:
            if ((obj.get("tenant") or {}).get("slug")) != slug or policy is None:
                continue
            if (obj.get("status") or {}).get("value") in NOT_IN_SERVICE:
                continue  # a planned or staged server (a VPS not started yet) runs no agent
            role = (obj.get("role") or {}).get("slug")
            tags = {t.get("slug") for t in obj.get("tags") or []}
            sel = policy.servers
            if role in sel.roles or tags & set(sel.tags) or (kind == "vm" and sel.vps):
                servers[obj["name"]] = known.get(obj["name"]) or _netbox_access(
                    obj, lab=overrides is not None
                )
        skpd[slug] = SkpdEntry(policy=name, servers=servers)
    return Estate(skpd=skpd)


def _netbox_access(obj: Mapping[str, Any], *, lab: bool) -> ServerAccess:
    """SSH to the primary address; with an overrides file (the lab) a server it does not name is
    refused: never send traffic to an address of the demo's NetBox."""
    address = ((obj.get("primary_ip4") or {}).get("address") or "").split("/")[0]
    refused = "refused: not simulated in the lab" if lab else None
    return ServerAccess(host=address or str(obj["name"]), refused=refused)


@dataclass(frozen=True)
class Context:
    estate: Estate
    policies_dir: Path
    policies: Mapping[str, DataPolicy | None]

    def policy(self, skpd: str) -> DataPolicy | None:
        name = self.estate.skpd[skpd].policy
        return self.policies.get(name) if name else None


def _context(settings: Settings, sources: Sources, only: Sequence[str]) -> Context:
    directory = policies_dir(settings, sources.policies)
    estate = load_estate(settings, sources, directory).only(list(only))
    names = {e.policy for e in estate.skpd.values() if e.policy}
    return Context(estate, directory, {name: load_policy_file(directory, name) for name in sorted(names)})


def _each_skpd(names: Sequence[str], work: Callable[[str], T], workers: int = 4) -> list[T]:
    """Run ``work`` for every SKPD concurrently; results in the SKPD order."""
    if len(names) <= 1:
        return [work(n) for n in names]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(names)))) as pool:
        return list(pool.map(work, names))


def dinas_restic(target: PusatDataTarget, skpd: str) -> Restic:
    """The Dinas's key on the repository directory itself (the Pusat Data side, never the server)."""
    cache = Path(target.cache_dir) / skpd if target.cache_dir else None
    key = Path(target.key_file(skpd))
    return Restic(target.repo_dir(skpd), password=key, binary=target.restic, cache_dir=cache, name=skpd)


def _repo_ready(target: PusatDataTarget, skpd: str) -> bool:
    return (Path(target.repo_dir(skpd)) / "config").exists() and Path(target.key_file(skpd)).exists()


# -- provisioning (server role, lab) ------------------------------------------------------------


@dataclass(frozen=True)
class SkpdCredentials:
    """One SKPD's secrets: its HTTP password (the REST server) and its repository key's password.

    They live in Ansible Vault (or the Pemda's secret store) and on the SKPD's own server (0600);
    the Pusat Data keeps only the bcrypt hash of the HTTP password.
    """

    skpd: str
    http_password: str = field(repr=False)
    repo_password: str = field(repr=False)

    @classmethod
    def generate(cls, skpd: str) -> SkpdCredentials:
        return cls(skpd, secrets.token_urlsafe(24), secrets.token_urlsafe(32))

    def secrets(self) -> list[str]:
        return [self.http_password, self.repo_password]


@dataclass(frozen=True)
class RepositoryChange:
    skpd: str
    actions: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.actions)


def _write_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(secrets.token_urlsafe(32) + "\n")
    tmp.replace(path)


def ensure_repository(
    target: PusatDataTarget, creds: SkpdCredentials, *, check_mode: bool = False
) -> RepositoryChange:
    """One SKPD's place on the Pusat Data, idempotent: the Dinas key (generated here, 0600, never
    leaves the Pusat Data), the repository (initialised with the Dinas key), the SKPD's key (added
    with the SKPD's password; an old SKPD key is removed when the password rotates), and the SKPD's
    HTTP user. ``check_mode``: say what would change, change nothing."""
    skpd = validate_skpd(creds.skpd)
    actions: list[str] = []
    key = Path(target.key_file(skpd))
    repo = Path(target.repo_dir(skpd))
    if not key.exists():
        actions.append("create the Dinas key")
        if not check_mode:
            _write_key(key)
    dinas = dinas_restic(target, skpd)
    if not (repo / "config").exists():
        actions += ["initialise the repository", "add the SKPD key"]
        if not check_mode:
            repo.parent.mkdir(parents=True, exist_ok=True)
            dinas.init()
            dinas.key_add(creds.repo_password, user=SKPD_KEY_USER.format(skpd=skpd), host="agent")
    else:
        skpd_side = Restic(str(repo), password=creds.repo_password, binary=target.restic, name=skpd)
        if not skpd_side.opens():
            actions.append("rotate the SKPD key")
            if not check_mode:
                dinas.key_add(creds.repo_password, user=SKPD_KEY_USER.format(skpd=skpd), host="agent")
                for old in skpd_side.key_list():
                    if old.get("userName") == SKPD_KEY_USER.format(skpd=skpd) and not old.get("current"):
                        skpd_side.key_remove(str(old["id"]))
    if set_htpasswd_user(Path(target.htpasswd), skpd, creds.http_password, check_mode=check_mode):
        actions.append("set the SKPD's HTTP user")
    if not check_mode and repo.exists():
        _same_owner(repo, Path(target.repos_dir))
    return RepositoryChange(skpd, tuple(actions))


def _same_owner(repo: Path, parent: Path) -> None:
    """The REST server (the repos directory's owner) must write what ``restic init`` created as root."""
    owner = parent.stat()
    if repo.stat().st_uid == owner.st_uid and repo.stat().st_gid == owner.st_gid:
        return
    for path in [repo, *repo.rglob("*")]:
        shutil.chown(path, owner.st_uid, owner.st_gid)


def agent_config(
    skpd: str,
    server: str,
    policy_name: str,
    policy: DataPolicy,
    access: ServerAccess | None = None,
    **extra: Any,
) -> AgentConfig:
    access = access or ServerAccess()
    values: dict[str, Any] = {"root": access.root or ""}
    if access.postgres is not None:
        values["postgres"] = access.postgres
    if access.mysql is not None:
        values["mysql"] = access.mysql
    return AgentConfig(
        skpd=skpd, server=server, policy_name=policy_name, policy=policy, **{**values, **extra}
    )


def agent_script(cfg: AgentConfig) -> str:
    """The agent script of one server (what the agent role installs and the timer runs)."""
    return render_agent_script(cfg)


def agent_files(
    target_url: str, cfg: AgentConfig, creds: SkpdCredentials, **database_secrets: str
) -> dict[str, str]:
    """The agent's credential files (0600) for one server: secrets, for a 0600 writer only.
    ``target_url``: the Pusat Data REST server as the agents reach it (``PusatDataTarget.base_url``)."""
    return agent_credential_files(
        cfg,
        repository=rest_location(target_url, cfg.skpd, creds.http_password),
        password=creds.repo_password,
        **database_secrets,
    )


@dataclass(frozen=True)
class AgentInstall:
    """What the agent role puts on an SKPD server: the script, its credential files (secrets: 0600,
    never logged) and the schedule of its timer (and the same as a cron spec, when cron can say it)."""

    script: str
    files: Mapping[str, str] = field(repr=False)
    schedule: str
    cron: str | None
    packages: tuple[str, ...] = ("restic",)

    def as_dict(self) -> dict[str, Any]:
        return {
            "script": self.script,
            "files": dict(self.files),
            "schedule": self.schedule,
            "cron": self.cron,
            "packages": list(self.packages),
        }


def agent_install(
    policies: Path,
    *,
    skpd: str,
    server: str,
    policy: str,
    target_url: str,
    creds: SkpdCredentials,
    access: ServerAccess | None = None,
    **database_secrets: str,
) -> AgentInstall:
    """Everything the ``simpul_backup_agent`` role installs for one server, from the policy file."""
    validate_skpd(skpd)
    loaded = load_policy_file(policies, policy)
    if loaded is None:
        raise InputError(f"no backup policy {policy!r} in {policies}", field="simpul_backup_agent_policy")
    cfg = agent_config(skpd, server, policy, loaded, access)
    engines = {db.engine for db in loaded.database_sources}
    packages = ["restic"] + (["postgresql-client"] if "postgresql" in engines else [])
    return AgentInstall(
        script=agent_script(cfg),
        files=agent_files(target_url, cfg, creds, **database_secrets),
        schedule=loaded.schedule,
        cron=parse_calendar(loaded.schedule).cron(),
        packages=tuple(packages + (["mariadb-client"] if "mysql" in engines else [])),
    )


def serve_command(target: PusatDataTarget) -> list[str]:
    """The REST server's command line (the server role's unit runs it; the lab too)."""
    return rclone_serve_argv(target)


# -- run ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRequest:
    skpd: tuple[str, ...] = ()
    commit: bool = False
    sources: Sources = Sources()
    timeout: float = 6 * 3600.0


@dataclass(frozen=True)
class ServerRun:
    server: str
    result: Literal["ok", "failed", "planned"]
    run: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict)
    reason: str | None = None
    seconds: float = 0.0
    bytes_added: int = 0
    plan: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "result": self.result,
            "run": self.run,
            "sources": dict(self.sources),
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
            "bytes_added": self.bytes_added,
        }
        if self.plan:
            out["plan"] = list(self.plan)
        return out


@dataclass(frozen=True)
class SkpdRun:
    skpd: str
    policy: str | None
    servers: tuple[ServerRun, ...] = ()
    skipped: str | None = None

    @property
    def result(self) -> str:
        if self.skipped:
            return "skipped"
        if any(s.result == "failed" for s in self.servers):
            return "failed"
        return "planned" if any(s.result == "planned" for s in self.servers) else "ok"

    def as_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "result": self.result,
            "reason": self.skipped,
            "servers": {s.server: s.as_json() for s in self.servers},
        }


@dataclass(frozen=True)
class RunResult:
    dry_run: bool
    skpd: tuple[SkpdRun, ...]

    @property
    def failed(self) -> tuple[SkpdRun, ...]:
        return tuple(s for s in self.skpd if s.result == "failed")

    def as_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "skpd": {s.skpd: s.as_json() for s in self.skpd}}

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def _server_run(server: str, report: AgentReport, seconds: float) -> ServerRun:
    return ServerRun(
        server=server,
        result="ok" if report.ok else "failed",
        run=report.run,
        sources={s.source: "ok" if s.ok else "failed" for s in report.sources},
        reason=DeviceError(report.category or "error", report.reason).reason if report.reason else None,
        seconds=seconds,
        bytes_added=sum(s.bytes_added for s in report.sources),
    )


def _run_one(ctx: Context, skpd: str, request: RunRequest) -> SkpdRun:
    entry = ctx.estate.skpd[skpd]
    policy = ctx.policy(skpd)
    if entry.policy is None:
        return SkpdRun(skpd, None, skipped="no backup policy (Pasal 16 ayat (1)): nothing to run")
    if policy is None:
        return SkpdRun(
            skpd, entry.policy, skipped=f"policy {entry.policy!r} has no file in {ctx.policies_dir}"
        )
    if not entry.servers:
        return SkpdRun(skpd, entry.policy, skipped="no server carries the policy's role or tag")
    runs = []
    for server, access in sorted(entry.servers.items()):
        if not request.commit:
            plan = agent_plan(agent_config(skpd, server, entry.policy, policy, access))
            runs.append(ServerRun(server, "planned", plan=tuple(plan)))
            continue
        if access.refused:
            runs.append(ServerRun(server, "failed", reason=access.refused))
            continue
        invocation = runner_for(server, access).run(timeout=request.timeout)
        report = parse_agent_output(invocation.stdout, invocation.returncode)
        if invocation.timed_out:
            report = AgentReport(
                run=report.run,
                sources=report.sources,
                category="timeout",
                reason=f"the agent did not finish within {request.timeout:.0f} s",
            )
        elif invocation.returncode == 255 and not invocation.stdout.strip():
            report = AgentReport(run=None, category="unreachable", reason=f"ssh to {server} failed")
        log.info("agent %s/%s: exit %s, %s", skpd, server, invocation.returncode, report.reason or "ok")
        runs.append(_server_run(server, report, invocation.seconds))
    return SkpdRun(skpd, entry.policy, tuple(runs))


def run_backups(settings: Settings, request: RunRequest) -> RunResult:
    """Start every selected SKPD's agents now (``commit``), or say what each would run."""
    ctx = _context(settings, request.sources, request.skpd)
    names = sorted(ctx.estate.skpd)
    results = _each_skpd(names, lambda s: _run_one(ctx, s, request), workers=int(settings.workers or 4))
    return RunResult(dry_run=not request.commit, skpd=tuple(results))


# -- status -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusRequest:
    skpd: tuple[str, ...] = ()
    sources: Sources = Sources()
    now: dt.datetime | None = None  # tests and "as of" reports; default: now


@dataclass(frozen=True)
class StatusResult:
    statuses: tuple[SkpdStatus, ...]
    sizes: Mapping[str, int] = field(default_factory=dict)  # bytes on disk per repository
    errors: Mapping[str, str] = field(default_factory=dict)  # SKPD -> why its repository was unreadable
    target_findings: tuple[BackupFinding, ...] = ()

    @property
    def findings(self) -> tuple[BackupFinding, ...]:
        return self.target_findings + tuple(f for s in self.statuses for f in s.findings)

    def as_json(self) -> dict[str, Any]:
        return {"skpd": {s.skpd: s.as_json() for s in self.statuses}}

    @property
    def exit_code(self) -> int:
        return 1 if self.findings or self.errors else 0


def last_drill(target: PusatDataTarget, skpd: str) -> DrillRecord | None:
    """The newest drill report kept as evidence for ``skpd``."""
    folder = Path(target.reports_dir) / skpd
    reports = sorted(folder.glob("drill-*.json")) if folder.exists() else []
    for path in reversed(reports):
        try:
            data = json.loads(path.read_text())
            return DrillRecord(at=dt.datetime.fromisoformat(data["at"]), result=data["result"])
        except (OSError, ValueError, KeyError):
            continue
    return None


def read_snapshots(target: PusatDataTarget, skpd: str) -> list[Snapshot]:
    """The repository's snapshots, read with the Dinas key without taking a lock (a prune running on
    the Pusat Data must not make the supervision view fail)."""
    if not _repo_ready(target, skpd):
        return []
    return parse_snapshots(
        dinas_restic(target, skpd).run("--no-lock", "snapshots", "--json", timeout=300).json()
    )


def _status_one(
    ctx: Context, target: PusatDataTarget, skpd: str, now: dt.datetime
) -> tuple[SkpdStatus, int, str | None]:
    entry = ctx.estate.skpd[skpd]
    policy = ctx.policy(skpd)
    error = None
    try:
        snapshots = read_snapshots(target, skpd)
    except ResticError as err:
        snapshots, error = [], err.reason
    runs = runs_of(snapshots)
    removable = 0
    if policy is not None and snapshots:
        plan = retention_plan(snapshots, policy.retention, now=now)
        removable = len({r.marker for r in runs} - set(plan.keep_runs))
    facts = SkpdBackupFacts(
        skpd=skpd,
        policy_name=entry.policy,
        policy=policy,
        servers=tuple(sorted(entry.servers)),
        runs=tuple(runs),
        last_drill=last_drill(target, skpd),
        removable_runs=removable,
        repo_exists=_repo_ready(target, skpd),
    )
    size = tree_size(Path(target.repo_dir(skpd))) if facts.repo_exists else 0
    return status_findings(facts, now=now), size, error


def backup_status(settings: Settings, request: StatusRequest) -> StatusResult:
    """Each SKPD's backups against its policy (the Dinas's supervision duty, Pasal 16 ayat (2))."""
    target = load_target(settings, request.sources.target)
    ctx = _context(settings, request.sources, request.skpd)
    now = request.now or dt.datetime.now(dt.UTC)
    names = sorted(ctx.estate.skpd)
    rows = _each_skpd(names, lambda s: _status_one(ctx, target, s, now))
    return StatusResult(
        statuses=tuple(r[0] for r in rows),
        sizes={n: r[1] for n, r in zip(names, rows, strict=True)},
        errors={n: r[2] for n, r in zip(names, rows, strict=True) if r[2]},
        target_findings=tuple(target_findings(target)),
    )


# -- drills -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillRequest:
    skpd: tuple[str, ...] = ()
    sources: Sources = Sources()
    seed: int | None = None  # random choices (run, file sample); default: from the clock, recorded
    keep_scratch: bool = False
    only_due: bool = False  # only SKPD whose policy says a drill is due (the Pusat Data's daily timer)


@dataclass(frozen=True)
class DrillResult:
    drills: tuple[SkpdDrill, ...]

    @property
    def failed(self) -> tuple[SkpdDrill, ...]:
        return tuple(d for d in self.drills if d.result == "failed")

    def as_json(self) -> dict[str, Any]:
        return {"skpd": {d.skpd: d.as_json() for d in self.drills}}

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


class _ScratchServers:
    """The scratch database servers of one drill, started on first use, stopped at the end."""

    def __init__(self, base: Path, stack: ExitStack) -> None:
        self.base, self.stack = base, stack
        self._pg: ScratchPostgres | None = None
        self._my: ScratchMariaDB | None = None

    def postgres(self) -> ScratchPostgres:
        if self._pg is None:
            self._pg = self.stack.enter_context(ScratchPostgres(self.base / "postgres"))
        return self._pg

    def mariadb(self) -> ScratchMariaDB:
        if self._my is None:
            self._my = self.stack.enter_context(ScratchMariaDB(self.base / "mariadb"))
        return self._my


def _restic_verified(result: Any) -> tuple[bool, str]:
    text = f"{result.stdout}\n{result.stderr}"
    if result.returncode != 0 or "There were" in text or "verification failed" in text.lower():
        return False, result.last_error() or f"restic restore exited {result.returncode}"
    return True, ""


def _drill_files(
    restic: Restic, snapshot: str, scratch: Path, sample: int | None, seed: int
) -> dict[str, Any]:
    nodes = restic.ls(snapshot)
    files = {str(n["path"]): int(n.get("size") or 0) for n in nodes if n.get("type") == "file"}
    chosen = pick_sample(list(files), sample, seed)
    includes = [glob_escape(p) for p in chosen] if sample is not None and len(chosen) < len(files) else []
    result = restic.restore(snapshot, scratch, includes=includes, verify=True)
    verified, why = _restic_verified(result)
    restored: dict[str, int | None] = {}
    for path in chosen:
        local = scratch / path.lstrip("/")
        restored[path] = local.stat().st_size if local.is_file() else None
    verdict = judge_files({p: files[p] for p in chosen}, restored, verified=verified, verify_reason=why)
    return {
        "snapshot": snapshot,
        "files_in_snapshot": len(files),
        "files_checked": verdict.files_checked,
        "bytes_restored": verdict.bytes_restored,
        "ok": verdict.ok,
        "reason": verdict.reason,
    }


def _drill_database(
    restic: Restic,
    snapshot: str,
    source: str,
    db: DatabaseSource,
    scratch: Path,
    servers: _ScratchServers,
    skpd: str,
) -> dict[str, Any]:
    dump = scratch / f"{source}.sql"
    restic.dump(snapshot, f"/{source}.sql", dump)
    name = source.split("-", 1)[1] if "-" in source else source
    query = db.check_query or db.default_check()
    try:
        if db.engine == "postgresql":
            pg = servers.postgres()
            scratch_db = f"drill_{skpd}_{name}".replace("-", "_")[:63]
            pg.sql(f'drop database if exists "{scratch_db}"')
            pg.create_database(scratch_db)
            pg.load(scratch_db, dump)
            answer = pg.sql(query, db=scratch_db)
            pg.sql(f'drop database "{scratch_db}"')
        else:
            my = servers.mariadb()
            my.sql(f"drop database if exists `{name}`")
            my.load(dump)
            answer = my.sql(query, db=name)
            my.sql(f"drop database `{name}`")
    except ScratchDbError as err:
        return {"snapshot": snapshot, "ok": False, "reason": err.message, "bytes": dump.stat().st_size}
    ok = judge_check_query(answer)
    return {
        "snapshot": snapshot,
        "ok": ok,
        "check_query": query,
        "answer": answer.strip()[:80],
        "bytes": dump.stat().st_size,
        "reason": None if ok else f"the check query answered {answer.strip()[:40]!r}",
    }


def _database_of(policy: DataPolicy, kind: str | None) -> DatabaseSource | None:
    return next((db for db in policy.database_sources if db.engine == kind), None)


def _drill_run(
    target: PusatDataTarget,
    skpd: str,
    policy: DataPolicy,
    run: RunRecord,
    snapshots: Sequence[Snapshot],
    scratch: Path,
    servers: _ScratchServers,
    seed: int,
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    restic = dinas_restic(target, skpd)
    by_short = {s.short_id: s for s in snapshots}
    files: dict[str, Any] = {}
    databases: dict[str, Any] = {}
    reasons: list[str] = []
    for source, short in sorted(run.ok.items()):
        kind = by_short[short].tag("kind")
        place = scratch / source
        place.mkdir(parents=True, exist_ok=True)
        if kind == "paths":
            files[source] = _drill_files(restic, short, place, policy.drill.sample_files, seed)
            if not files[source]["ok"]:
                reasons.append(f"{source}: {files[source]['reason']}")
            continue
        db = _database_of(policy, kind)
        if db is None:
            databases[source] = {"snapshot": short, "ok": False, "reason": f"the policy no longer has {kind}"}
        else:
            databases[source] = _drill_database(restic, short, source, db, place, servers, skpd)
        if not databases[source]["ok"]:
            reasons.append(f"{source}: {databases[source]['reason']}")
    return files, databases, reasons


def _write_report(target: PusatDataTarget, skpd: str, report: dict[str, Any]) -> Path:
    folder = Path(target.reports_dir) / skpd
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.fromisoformat(report["at"]).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"drill-{stamp}.json"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


def _drill_attempt(
    ctx: Context, target: PusatDataTarget, skpd: str, seed: int, scratch_base: Path, servers: _ScratchServers
) -> tuple[SkpdDrill, dict[str, Any]]:
    entry = ctx.estate.skpd[skpd]
    policy = ctx.policy(skpd)
    if policy is None:
        why = (
            "no backup policy (Pasal 16 ayat (1))"
            if entry.policy is None
            else f"no file for {entry.policy!r}"
        )
        return SkpdDrill(skpd, "failed", reason=why), {}
    try:
        snapshots = read_snapshots(target, skpd)
    except ResticError as err:
        return SkpdDrill(skpd, "failed", reason=err.reason), {}
    run = pick_run(runs_of(snapshots), policy.drill.snapshot, seed)
    if run is None:
        return SkpdDrill(skpd, "failed", reason="no complete backup to restore"), {}
    start = time.monotonic()
    try:
        files, databases, reasons = _drill_run(
            target, skpd, policy, run, snapshots, scratch_base / skpd, servers, seed
        )
    except (ResticError, ScratchDbError) as err:
        files, databases, reasons = {}, {}, [err.reason if isinstance(err, DeviceError) else err.message]
    seconds = time.monotonic() - start
    db_verdicts: dict[str, Literal["passed", "failed"]] = {
        s: "passed" if d["ok"] else "failed" for s, d in databases.items()
    }
    drill = SkpdDrill(
        skpd=skpd,
        result=drill_verdict(reasons, db_verdicts),
        files_checked=sum(f["files_checked"] for f in files.values()),
        bytes_restored=sum(f["bytes_restored"] for f in files.values())
        + sum(d.get("bytes", 0) for d in databases.values()),
        restore_seconds=seconds,
        databases=db_verdicts,
        reason="; ".join(reasons) or None,
        run=run.run_id,
    )
    details = {
        "run": run.run_id,
        "server": run.host,
        "run_time": run.time.isoformat(),
        "sample_files": policy.drill.sample_files,
        "files": files,
        "database_details": databases,
    }
    return drill, details


def _drill_one(
    ctx: Context, target: PusatDataTarget, skpd: str, seed: int, scratch_base: Path, servers: _ScratchServers
) -> SkpdDrill:
    """One SKPD's drill; its report is kept whatever the outcome (a failed drill is evidence too)."""
    at = dt.datetime.now(dt.UTC)
    drill, details = _drill_attempt(ctx, target, skpd, seed, scratch_base, servers)
    report = {
        **drill.as_json(),
        "skpd": skpd,
        "policy": ctx.estate.skpd[skpd].policy,
        "at": at.isoformat(),
        "seed": seed,
        "article": "Pasal 16 ayat (2)",
        **details,
    }
    return replace(drill, report=str(_write_report(target, skpd, report)))


def _due(target: PusatDataTarget, skpd: str, policy: DataPolicy, now: dt.datetime) -> bool:
    last = last_drill(target, skpd)
    return drill_due(last.at if last else None, policy.drill.every_days, now=now)


@contextmanager
def _scratch_dir(target: PusatDataTarget, keep: bool) -> Iterator[Path]:
    base = Path(target.scratch_dir) if target.scratch_dir else Path("/var/tmp")
    base.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="simpul-drill-", dir=base))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def restore_drill(settings: Settings, request: DrillRequest) -> DrillResult:
    """Restore, verify and time each SKPD's backup; keep a report per SKPD (evidence for Pasal 16(2))."""
    target = load_target(settings, request.sources.target)
    ctx = _context(settings, request.sources, request.skpd)
    seed = request.seed if request.seed is not None else int(time.time())
    names = sorted(ctx.estate.skpd)
    if request.only_due:
        now = dt.datetime.now(dt.UTC)
        names = [s for s in names if (p := ctx.policy(s)) is not None and _due(target, s, p, now)]
    drills = []
    with _scratch_dir(target, request.keep_scratch) as scratch, ExitStack() as stack:
        servers = _ScratchServers(scratch / "servers", stack)
        for skpd in names:  # one at a time: drills measure restore time
            drills.append(_drill_one(ctx, target, skpd, seed, scratch, servers))
    return DrillResult(tuple(drills))


# -- maintenance (the Pusat Data side) ----------------------------------------------------------


@dataclass(frozen=True)
class MaintainRequest:
    skpd: tuple[str, ...] = ()
    commit: bool = False
    sources: Sources = Sources()
    check_subset: str | None = "5%"  # restic check --read-data-subset; None: structure only
    now: dt.datetime | None = None


@dataclass(frozen=True)
class SkpdMaintenance:
    skpd: str
    forget: tuple[str, ...] = ()
    keep_runs: int = 0
    pruned: bool = False
    check: Literal["passed", "failed", "skipped"] = "skipped"
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "forget": list(self.forget),
            "keep_runs": self.keep_runs,
            "pruned": self.pruned,
            "check": self.check,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class MaintainResult:
    dry_run: bool
    skpd: tuple[SkpdMaintenance, ...]

    def as_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "skpd": {m.skpd: m.as_json() for m in self.skpd}}

    @property
    def exit_code(self) -> int:
        return 1 if any(m.reason or m.check == "failed" for m in self.skpd) else 0


def _maintain_one(
    ctx: Context, target: PusatDataTarget, skpd: str, request: MaintainRequest
) -> SkpdMaintenance:
    policy = ctx.policy(skpd)
    if policy is None or not _repo_ready(target, skpd):
        return SkpdMaintenance(
            skpd, reason=None if policy else "no backup policy: retention unknown, nothing forgotten"
        )
    now = request.now or dt.datetime.now(dt.UTC)
    restic = dinas_restic(target, skpd)
    try:
        snapshots = parse_snapshots(restic.snapshots())
        plan = retention_plan(snapshots, policy.retention, now=now)
        if not request.commit:
            return SkpdMaintenance(skpd, plan.forget, len(plan.keep_runs))
        restic.unlock()  # only stale locks (a killed run's, older than 30 min, or this host's dead pids)
        restic.forget(plan.forget)
        pruned = bool(plan.forget)
        if pruned:
            restic.prune()
        check = restic.check(read_data_subset=request.check_subset)
    except ResticError as err:
        return SkpdMaintenance(skpd, reason=err.reason)
    verdict: Literal["passed", "failed"] = "passed" if check.returncode == 0 else "failed"
    return SkpdMaintenance(
        skpd,
        plan.forget,
        len(plan.keep_runs),
        pruned,
        verdict,
        None if verdict == "passed" else f"restic check: {check.last_error() or 'errors found'}",
    )


def maintain(settings: Settings, request: MaintainRequest) -> MaintainResult:
    """Retention and integrity on the Pusat Data side (forget + prune + check), with the Dinas key."""
    target = load_target(settings, request.sources.target)
    ctx = _context(settings, request.sources, request.skpd)
    names = sorted(ctx.estate.skpd)
    return MaintainResult(
        not request.commit, tuple(_each_skpd(names, lambda s: _maintain_one(ctx, target, s, request)))
    )


def censored(text: str, creds: Sequence[SkpdCredentials]) -> str:
    """Last safety belt for anything that might quote a credential."""
    return censor(text, [s for c in creds for s in c.secrets()])
