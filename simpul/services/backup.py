"""Use cases of ``simpul backup``: back up every device's config into git, and read its history.

``backup_configs`` is what ``simpul backup configs`` and the nightly job call: fetch (Nornir,
concurrently, through :func:`simpul.devices.runner.run_on_devices`), check and scrub per the
device's :class:`~simpul.devices.platforms.PlatformSpec`, commit once, record each device's status.
``backup_status`` / ``backup_diff`` / ``backup_show`` read the repository.

The Ansible playbook (``playbooks/backup_configs.yml``, action plugin ``simpul_config_backup``)
shares the same steps: ``fetch_plan`` (what to run on a platform), ``stage_fetched`` (check and
scrub one host's output) and ``commit_staged`` (:func:`commit_backups`, the one commit), so both
paths write the same files with the same rules.

Rules every path keeps:

- a device that fails (unreachable, timeout, wrong password, session closed mid-output, truncated or
  error output) keeps its last good file; its reason (``category: message``, from
  :mod:`simpul.devices.outcomes`) is recorded and never quotes device output;
- one commit per run, none when nothing changed;
- a device is found by its name: moved in NetBox, its file moves in the same commit (a git rename),
  and a repo that holds two files for one device is repaired (:mod:`simpul.store.layout`);
- the configured credentials are a last safety belt: if a scrub rule missed one, it is censored
  rather than committed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from paramiko.ssh_exception import AuthenticationException

from simpul.core.scrub import LINUX_END, LINUX_SECTION, ScrubRules, check_complete, load_scrub_rules, scrub
from simpul.devices.outcomes import DeviceDisconnected, DeviceOutcome, failure_reason
from simpul.devices.platforms import PlatformSpec, UnsupportedPlatform, platform, platform_of, scrub_families
from simpul.errors import DeviceError, InputError
from simpul.inventory import Filters
from simpul.settings import Settings, censor, load_settings
from simpul.store.files import write_atomic
from simpul.store.git_store import DeviceStatus, GitStore
from simpul.store.layout import FilePlan, backup_path, by_device_file, device_file, plan_files

log = logging.getLogger(__name__)

RULES_FILE = "backup_policies/config_scrub.yaml"


# -- requests and results ---------------------------------------------------------------------


@dataclass(frozen=True)
class BackupRequest:
    """Which devices (NetBox filters), into which repo (default: setting ``backup_repo``), with
    which scrub rules (default: ``backup_policies/config_scrub.yaml`` of the project)."""

    filters: Filters = field(default_factory=Filters)
    repo: Path | None = None
    rules: Path | None = None


@dataclass(frozen=True)
class Fetched:
    """One device's outcome before the commit: scrubbed text at its path now, or why it failed."""

    name: str
    path: str
    text: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class BackupResult:
    """One backup run. ``moved``: device -> (old path, new path); ``stale``: device -> duplicate
    files removed (a repo written before moves were renames); ``dry_run``: nothing was written."""

    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    failed: Mapping[str, str] = field(default_factory=dict)
    commit: str | None = None
    moved: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    stale: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    repo: str | None = None
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "changed": list(self.changed),
            "unchanged": list(self.unchanged),
            "failed": dict(self.failed),
            "commit": self.commit,
            "moved": {name: {"from": old, "to": new} for name, (old, new) in self.moved.items()},
            "removed_stale": {name: list(paths) for name, paths in self.stale.items()},
            "repo": self.repo,
        }

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


@dataclass(frozen=True)
class StatusRequest:
    repo: Path | None = None


@dataclass(frozen=True)
class StatusResult:
    """The last backup attempt of each device (by name, wherever its file now is)."""

    repo: str
    head: str | None
    devices: tuple[DeviceStatus, ...]

    @property
    def failed(self) -> tuple[DeviceStatus, ...]:
        return tuple(d for d in self.devices if d.result == "failed")

    def as_json(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "head": self.head,
            "devices": [d.model_dump(mode="json") for d in self.devices],
        }

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


@dataclass(frozen=True)
class DiffRequest:
    device: str
    since: str | None = None  # YYYY-MM-DD, ISO time or git revision; None: the device's last change
    repo: Path | None = None


@dataclass(frozen=True)
class DiffResult:
    device: str
    since: str | None
    diff: str

    def as_json(self) -> dict[str, Any]:
        return {"device": self.device, "since": self.since, "diff": self.diff}

    @property
    def exit_code(self) -> int:
        return 0


@dataclass(frozen=True)
class ShowRequest:
    device: str
    at: str | None = None  # YYYY-MM-DD (end of that day), ISO time or git revision; None: now
    repo: Path | None = None


@dataclass(frozen=True)
class ShowResult:
    device: str
    at: str | None
    config: str

    def as_json(self) -> dict[str, Any]:
        return {"device": self.device, "at": self.at, "config": self.config}

    @property
    def exit_code(self) -> int:
        return 0


# -- inputs -----------------------------------------------------------------------------------


def load_rules(settings: Settings, path: Path | None = None) -> ScrubRules:
    """The scrub rules (default: ``backup_policies/config_scrub.yaml`` of the project).

    A missing or unreadable file, or a malformed rule, is an InputError naming the file (and the
    line and field of the rule).
    """
    if path is None:
        path = Path(settings.project_dir) / RULES_FILE
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise InputError(
            f"cannot read the scrub rules: {exc.strerror}",
            source=str(path),
            field="--rules",
            hint=f"give --rules FILE or restore {RULES_FILE}",
        ) from None
    return load_scrub_rules(text, str(path), scrub_families())


def repo_path(settings: Settings, repo: Path | None) -> Path:
    return Path(repo) if repo is not None else Path(settings.backup_repo)


def open_backup_repo(settings: Settings, repo: Path | None) -> GitStore:
    """An existing backup repository (the history commands never create one)."""
    path = repo_path(settings, repo)
    if not (path / ".git").is_dir():
        raise InputError(
            "not a backup repository (no .git)",
            source=str(path),
            field="--repo",
            hint="run `simpul backup configs` first, or give --repo",
        )
    return GitStore(path)


# -- the backup run ---------------------------------------------------------------------------


def backup_configs(settings: Settings, request: BackupRequest) -> BackupResult:
    """Back up the running config of every device NetBox lists (filtered): one commit per run.

    Bad rules or a bad repo path fail (exit 2) before NetBox or any device is contacted.
    """
    from simpul.devices.runner import build_nornir

    rules = load_rules(settings, request.rules)
    store = GitStore(repo_path(settings, request.repo))
    nornir = build_nornir(settings, request.filters)
    return run_backup(nornir, store, rules, secrets=settings.secrets())


def run_backup(
    nornir: Any,
    store: GitStore,
    rules: ScrubRules,
    *,
    now: dt.datetime | None = None,
    secrets: Iterable[str] = (),
) -> BackupResult:
    """Back up every host of ``nornir`` into ``store``: one commit, failures isolated per device."""
    secrets = list(secrets)
    with store.locked():
        fetched = fetch_configs(nornir, rules, secrets)
        stamp = now or dt.datetime.now(dt.UTC).astimezone()
        return commit_backups(store, fetched, stamp)


def fetch_configs(nornir: Any, rules: ScrubRules, secrets: Iterable[str] = ()) -> list[Fetched]:
    """Fetch, check and scrub every host of ``nornir`` (no commit): what a local run and a queue
    worker (:mod:`simpul.scale`) both do before the one commit."""
    from nornir_tasks.backup import backup_config
    from simpul.devices.runner import run_on_devices

    secrets = list(secrets)
    outcomes = run_on_devices(nornir, backup_config, secrets=secrets, name="backup_config")
    # each raw config is dropped as soon as its scrubbed text exists: one copy of the fleet's
    # configs is held at a time, not two (2,000 devices: docs/nightly.md, "Memory at scale")
    return [
        fetched_of(nornir.inventory.hosts[name], outcomes.pop(name), rules, secrets)
        for name in list(outcomes)
    ]


def fetched_of(host: Any, outcome: DeviceOutcome, rules: ScrubRules, secrets: list[str]) -> Fetched:
    """One Nornir host's outcome as a :class:`Fetched` (scrubbed text at its path, or the reason)."""
    path = backup_path(host.name, host.data.get("skpd"), host.data.get("site"))
    if not outcome.ok:
        return Fetched(name=host.name, path=path, reason=outcome.reason)
    text, reason = process_config(host.name, platform_of(host), str(outcome.result), rules, secrets)
    return Fetched(name=host.name, path=path, text=text, reason=reason)


def process_config(
    name: str, spec: PlatformSpec, raw: str, rules: ScrubRules, secrets: Iterable[str] = ()
) -> tuple[str | None, str | None]:
    """(scrubbed text, None) or (None, reason): the check and scrub every path shares.

    ``secrets`` (the device credentials from settings) are a last safety belt: if a rule missed
    one, it is censored rather than committed.
    """
    problem = check_complete(raw, spec.config_shape)
    if problem is not None:
        reason = DeviceError(problem.category, problem.message, device=name).reason
        log.warning("backup of %s failed: %s", name, reason)
        return None, reason
    text = scrub(raw, spec.scrub_family, rules)
    belt = [s for s in secrets if s and len(s) >= 4]
    if any(s in text for s in belt):
        log.warning("%s: a credential survived the scrub rules; censored (add a rule for it)", name)
        text = censor(text, belt)
    return text, None


def plan_commit(store: GitStore | None, fetched: Sequence[Fetched]) -> FilePlan:
    """What committing ``fetched`` does to the repo (``store`` None: a repo not created yet)."""
    backups = {f.name: (f.path, f.text) for f in fetched if f.text is not None}
    if store is None:
        return plan_files({}, {}, backups)
    return plan_files(store.device_paths(), store.head_blobs(), backups)


def _result(fetched: Sequence[Fetched], plan: FilePlan, repo: str | None) -> BackupResult:
    names = {device_file(f.name): f.name for f in fetched}
    return BackupResult(
        changed=plan.changed,
        unchanged=tuple(f.name for f in fetched if f.text is not None and f.name not in plan.changed),
        failed={f.name: f.reason or "error: failed" for f in fetched if f.text is None},
        moved=dict(plan.moved),
        stale={
            names.get(file, file.removesuffix(".cfg")): removed
            for file, (removed, _) in sorted(plan.stale.items())
        },
        repo=repo,
    )


def commit_backups(store: GitStore, fetched: Iterable[Fetched], now: dt.datetime) -> BackupResult:
    """Classify, commit once (or not at all), and record each device's status. Hold the lock."""
    fetched = sorted(fetched, key=lambda f: f.name)
    plan = plan_commit(store, fetched)
    draft = _result(fetched, plan, str(store.root))
    sha = None
    if not plan.empty:
        sha = store.commit(plan.writes, summary_message(draft, now, plan), now, remove=plan.removes)
    result = replace(draft, commit=sha)
    store.write_status(_status_records(store, fetched, result, now))
    log.info(
        "backup: %d changed, %d unchanged, %d failed, %d moved, commit %s",
        len(result.changed),
        len(result.unchanged),
        len(result.failed),
        len(result.moved),
        sha,
    )
    return result


def _status_records(
    store: GitStore, fetched: Sequence[Fetched], result: BackupResult, now: dt.datetime
) -> dict[str, DeviceStatus]:
    previous = store.status()
    head = store.head()
    where = by_device_file(store.head_blobs()) if result.failed else {}
    records = {}
    for f in fetched:
        prev = previous.get(f.name)
        ok = f.text is not None
        kept = where.get(device_file(f.name), [None])[0] if not ok else None
        records[f.name] = DeviceStatus(
            device=f.name,
            path=f.path if ok else kept,  # a failed device: where its last good file is
            result="failed" if not ok else ("changed" if f.name in result.changed else "unchanged"),
            reason=f.reason,
            time=now,
            last_success=now if ok else (prev.last_success if prev else None),
            commit=head,
        )
    return records


def summary_message(result: BackupResult, now: dt.datetime, plan: FilePlan | None = None) -> str:
    """The commit message: a subject with the counts, then the names, moves and repairs.

    >>> print(summary_message(BackupResult(changed=("a",), unchanged=("b", "c"), failed={"d": "timeout: x"},
    ...                                    moved={"a": ("s/s/a.cfg", "t/t/a.cfg")}),
    ...                       dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)))
    backup 2026-11-23T02:00:00+00:00: 1 changed, 2 unchanged, 1 failed
    <BLANKLINE>
    changed: a
    moved (NetBox site or SKPD changed; git records a rename):
      a: s/s/a.cfg -> t/t/a.cfg
    failed:
      d: timeout: x
    """
    lines = [
        f"backup {now.isoformat(timespec='seconds')}: {len(result.changed)} changed, "
        f"{len(result.unchanged)} unchanged, {len(result.failed)} failed",
        "",
    ]
    if result.changed:
        lines.append("changed: " + ", ".join(result.changed))
    if result.moved:
        lines.append("moved (NetBox site or SKPD changed; git records a rename):")
        lines += [f"  {name}: {old} -> {new}" for name, (old, new) in sorted(result.moved.items())]
    if plan is not None and plan.stale:
        lines.append("removed stale duplicates (one device, one file; the newest is kept):")
        for removed, kept in (plan.stale[file] for file in sorted(plan.stale)):
            lines += [f"  {path} (kept {kept})" for path in removed]
    if result.failed:
        lines.append("failed:")
        lines += [f"  {name}: {reason}" for name, reason in sorted(result.failed.items())]
    return "\n".join(lines)


# -- history ----------------------------------------------------------------------------------


def backup_status(settings: Settings, request: StatusRequest) -> StatusResult:
    """The last backup attempt of each device; exit code 1 if any last attempt failed."""
    store = open_backup_repo(settings, request.repo)
    devices = tuple(status for _, status in sorted(store.status().items()))
    return StatusResult(repo=str(store.root), head=store.head(), devices=devices)


def backup_diff(settings: Settings, request: DiffRequest) -> DiffResult:
    """What changed in a device's config since a date or revision (default: its last change),
    following the device across moves."""
    store = open_backup_repo(settings, request.repo)
    return DiffResult(request.device, request.since, store.diff(request.device, request.since))


def backup_show(settings: Settings, request: ShowRequest) -> ShowResult:
    """A device's backed-up config, now or as it was at a date, wherever NetBox had it then."""
    store = open_backup_repo(settings, request.repo)
    return ShowResult(request.device, request.at, store.show(request.device, request.at))


# -- the Ansible path (playbooks/backup_configs.yml) ------------------------------------------


@dataclass(frozen=True)
class FetchPlan:
    """What the playbook runs on one host: ``via`` ``cli`` (network_cli, one command each) or
    ``shell``; ``refused``: why nothing may be run (a platform simpul does not drive)."""

    platform: str
    commands: tuple[str, ...] = ()
    via: Literal["cli", "shell"] | None = None
    refused: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"commands": list(self.commands), "via": self.via, "refused": self.refused}


def fetch_plan(slug: str | None) -> FetchPlan:
    """The backup commands of a platform, from the one platform table.

    >>> fetch_plan("mikrotik_routeros").as_json()
    {'commands': ['/export'], 'via': 'cli', 'refused': None}
    >>> fetch_plan("juniper_junos").refused
    "refused: platform 'juniper_junos' is not supported"
    """
    try:
        spec = platform(slug)
    except UnsupportedPlatform as err:
        return FetchPlan(slug or "", refused=DeviceError("refused", err.message).reason)
    via: Literal["cli", "shell"] = "cli" if spec.ansible_connection.endswith("network_cli") else "shell"
    return FetchPlan(spec.slug, commands=spec.backup_commands, via=via)


@dataclass(frozen=True)
class StageRequest:
    """One host's fetch as Ansible registered it, and where NetBox has the host."""

    name: str
    platform: str | None
    skpd: str | None
    site: str | None
    fetched: Mapping[str, Any]
    stage_dir: Path
    host: str | None = None  # the device address, probed when a fetch hidden by no_log failed
    port: int = 22
    rules: Path | None = None


def stage_fetched(settings: Settings | None, request: StageRequest) -> Fetched:
    """Check and scrub one host's fetched output and stage the *scrubbed* text (or the failure
    reason) as JSON in ``stage_dir``: nothing unscrubbed is ever written."""
    settings = settings or load_settings()
    secrets = settings.secrets()
    plan = fetch_plan(request.platform)
    path = backup_path(request.name, request.skpd, request.site)
    fetched = request.fetched
    if plan.refused:
        staged = Fetched(request.name, path, reason=plan.refused)
    elif fetched.get("failed") or fetched.get("unreachable") or fetched.get("skipped"):
        staged = Fetched(
            request.name, path, reason=ansible_failure(fetched, request.host, request.port, secrets)
        )
    else:
        spec = platform(request.platform)
        raw = _raw_from_ansible(spec, fetched)
        text, reason = process_config(request.name, spec, raw, load_rules(settings, request.rules), secrets)
        staged = Fetched(request.name, path, text=text, reason=reason)
    record = {"name": staged.name, "path": staged.path, "text": staged.text, "reason": staged.reason}
    write_atomic(Path(request.stage_dir) / f"{request.name}.json", json.dumps(record))
    return staged


def _raw_from_ansible(spec: PlatformSpec, fetched: Mapping[str, Any]) -> str:
    """The raw text Nornir's task would have read, from the registered loop over the commands."""
    outs = [str(r.get("stdout", "")) for r in fetched.get("results", [])]
    if not spec.sectioned_backup:
        return outs[0] if outs else ""
    text = "".join(
        f"{LINUX_SECTION}{command}\n{out.strip()}\n"
        for command, out in zip(spec.backup_commands, outs, strict=False)
    )
    return text + (LINUX_END + "\n" if len(outs) == len(spec.backup_commands) else "")


def _probe(host: str | None, port: int) -> BaseException | None:
    """Why a TCP connection to the device fails, if it does."""
    if not host:
        return None
    try:
        with socket.create_connection((host, int(port or 22)), timeout=5):
            return None
    except (ConnectionRefusedError, TimeoutError) as exc:
        return exc
    except OSError as exc:
        return DeviceError("unreachable", exc.strerror or "TCP connection failed")


# Ansible's words for a failed fetch -> the exception simpul's own run would have seen.
_ANSIBLE_WORDS: tuple[tuple[tuple[str, ...], type[BaseException]], ...] = (
    (("authentic", "permission denied"), AuthenticationException),
    (("timed out", "timeout"), TimeoutError),
    (("closed", "eof", "reset by peer"), DeviceDisconnected),
)


def ansible_failure(
    fetched: Mapping[str, Any], host: str | None, port: int, secrets: Iterable[str] = ()
) -> str:
    """A failed Ansible fetch as ``category: message`` (simpul.devices.outcomes' words, censored).

    The fetch tasks run with no_log (raw configs hold secrets), which also hides their error
    message; a TCP probe then tells an unreachable device from the other failures.

    >>> ansible_failure({"failed": True, "msg": "timed out waiting for the prompt"}, None, 22)
    'timeout: the device did not answer in time'
    """
    items = [r for r in fetched.get("results") or [] if isinstance(r, Mapping)]
    msg = " ".join(str(r.get("msg") or "") for r in [fetched, *items]).lower()
    hidden = any("censored" in r for r in [fetched, *items])
    # Ansible's own words first; where they say nothing (no_log) or only "could not connect", a
    # TCP probe tells an unreachable device from the rest
    exc: BaseException | None = next(
        (kind(msg) for words, kind in _ANSIBLE_WORDS if any(w in msg for w in words)), None
    )
    if exc is None:
        exc = _probe(host, port)
    if exc is None:
        exc = DeviceError(
            "error",
            "fetch failed in Ansible (no_log hides the error; try `simpul backup configs --device NAME`)"
            if hidden
            else "fetch failed in Ansible (see the play output)",
        )
    return failure_reason(exc, secrets)


@dataclass(frozen=True)
class CommitStagedRequest:
    stage_dir: Path
    repo: Path | None = None
    check: bool = False  # Ansible --check: say what would change, write nothing


def commit_staged(settings: Settings | None, request: CommitStagedRequest) -> BackupResult:
    """Commit every staged host in ONE commit and record the status (or, in check mode, only
    plan it: no repo is created, nothing is written)."""
    settings = settings or load_settings()
    fetched = []
    for staged in sorted(Path(request.stage_dir).glob("*.json")):
        rec = json.loads(staged.read_text())
        fetched.append(Fetched(name=rec["name"], path=rec["path"], text=rec["text"], reason=rec["reason"]))
    repo = repo_path(settings, request.repo)
    if request.check:
        store = GitStore(repo) if (repo / ".git").is_dir() else None
        fetched.sort(key=lambda f: f.name)
        return replace(_result(fetched, plan_commit(store, fetched), str(repo)), dry_run=True)
    store = GitStore(repo)
    with store.locked():
        return commit_backups(store, fetched, dt.datetime.now(dt.UTC).astimezone())
