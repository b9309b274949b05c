"""The config backup run: fetch (Nornir, concurrently), check, scrub, commit once, record status.

``run_backup`` is what ``simpul backup configs`` and the nightly job call; ``process_config`` and
``commit_backups`` are the steps the Ansible playbook shares (playbooks/backup_configs.yml), so
both paths write the same files with the same rules.

A device that fails (unreachable, timeout, wrong password, session closed mid-output, truncated or
error output) keeps its last good file; its reason is recorded and never quotes device output.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simpul.core.scrub import ScrubRules, check_complete, scrub
from simpul.settings import censor
from simpul.store.git_store import DeviceStatus, GitStore, backup_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupResult:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    commit: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "commit": self.commit,
        }

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


@dataclass(frozen=True)
class Fetched:
    """One device's outcome before the commit: scrubbed text, or the reason it failed."""

    name: str
    path: str
    text: str | None = None
    reason: str | None = None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def failure_reason(exc: BaseException | None, secrets: Iterable[str] = ()) -> str:
    """A short, secret-free reason for a failed fetch (categories, not raw device output).

    >>> failure_reason(ConnectionRefusedError(111, "Connection refused"))
    'unreachable: connection refused'
    >>> failure_reason(TimeoutError("timed out"))
    'timeout: the device did not answer in time'
    """
    if exc is None:
        return "failed: no result"
    names = {type(e).__name__ for e in _chain(exc)} | {
        base.__name__ for e in _chain(exc) for base in type(e).__mro__
    }
    text = " ".join(str(e) for e in _chain(exc))
    for e in _chain(exc):  # paramiko's NoValidConnectionsError keeps the socket errors per address
        errors = getattr(e, "errors", None)
        if isinstance(errors, dict):
            names |= {type(err).__name__ for err in errors.values()}
    if names & {"NetmikoAuthenticationException", "AuthenticationException", "BadAuthenticationType"}:
        reason = "authentication failed"
    elif "ConnectionRefusedError" in names or "Connection refused" in text:
        reason = "unreachable: connection refused"
    elif "DeviceDisconnected" in names or names & {"EOFError"} or "Socket is closed" in text:
        reason = "disconnected mid-output"
    elif "CommandTimeout" in names or "ReadTimeout" in names:
        reason = "timeout: the device stopped answering mid-command"
    elif "TCP connection to device failed" in text or names & {"gaierror", "NoValidConnectionsError"}:
        reason = "unreachable: TCP connection failed"
    elif names & {"NetmikoTimeoutException", "TimeoutError", "timeout"} or isinstance(exc, socket.timeout):
        reason = "timeout: the device did not answer in time"
    elif "UnsupportedPlatform" in names:
        reason = f"unsupported platform: {exc}"
    elif names & {"SSHException"}:
        reason = "SSH error: " + str(exc).splitlines()[0][:120] if str(exc) else "SSH error"
    else:
        reason = f"error: {type(exc).__name__}"
    return censor(reason, list(secrets))


def process_config(
    name: str, platform: str, raw: str, rules: ScrubRules, secrets: Iterable[str] = ()
) -> tuple[str | None, str | None]:
    """(scrubbed text, None) or (None, reason): the check and scrub every path shares.

    ``secrets`` (the device credentials from settings) are a last safety belt: if a rule missed
    one, it is censored rather than committed.
    """
    reason = check_complete(platform, raw)
    if reason is not None:
        return None, reason
    text = scrub(raw, platform, rules)
    belt = [s for s in secrets if s and len(s) >= 4]
    if any(s in text for s in belt):
        log.warning("%s: a credential survived the scrub rules; censored (add a rule for it)", name)
        text = censor(text, belt)
    return text, None


def summary_message(result: BackupResult, now: dt.datetime) -> str:
    """The commit message: a subject with the counts, then the names.

    >>> print(summary_message(BackupResult(changed=["a"], unchanged=["b", "c"], failed={"d": "timeout"}),
    ...                       dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)))
    backup 2026-11-23T02:00:00+00:00: 1 changed, 2 unchanged, 1 failed
    <BLANKLINE>
    changed: a
    failed:
      d: timeout
    """
    lines = [
        f"backup {now.isoformat(timespec='seconds')}: {len(result.changed)} changed, "
        f"{len(result.unchanged)} unchanged, {len(result.failed)} failed",
        "",
    ]
    if result.changed:
        lines.append("changed: " + ", ".join(result.changed))
    if result.failed:
        lines.append("failed:")
        lines += [f"  {name}: {reason}" for name, reason in sorted(result.failed.items())]
    return "\n".join(lines)


def commit_backups(store: GitStore, fetched: Iterable[Fetched], now: dt.datetime) -> BackupResult:
    """Classify, commit once (or not at all), and record each device's status."""
    fetched = sorted(fetched, key=lambda f: f.name)
    files = {f.path: f.text for f in fetched if f.text is not None}
    changed_paths = store.changed_paths(files)
    changed = [f.name for f in fetched if f.text is not None and f.path in changed_paths]
    unchanged = [f.name for f in fetched if f.text is not None and f.path not in changed_paths]
    failed = {f.name: f.reason or "failed" for f in fetched if f.text is None}
    draft = BackupResult(changed=changed, unchanged=unchanged, failed=failed)
    sha = store.commit(files, summary_message(draft, now), now) if changed else None
    result = BackupResult(changed=changed, unchanged=unchanged, failed=failed, commit=sha)
    previous = store.status()
    records = {}
    for f in fetched:
        prev = previous.get(f.name)
        ok = f.text is not None
        records[f.name] = DeviceStatus(
            device=f.name,
            path=f.path,
            result="failed" if not ok else ("changed" if f.name in changed else "unchanged"),
            reason=f.reason,
            time=now,
            last_success=now if ok else (prev.last_success if prev else None),
            commit=store.head(),
        )
    store.write_status(records)
    log.info(
        "backup: %d changed, %d unchanged, %d failed, commit %s",
        len(changed),
        len(unchanged),
        len(failed),
        sha,
    )
    return result


def run_backup(
    nornir: Any,
    store: GitStore,
    rules: ScrubRules,
    *,
    now: dt.datetime | None = None,
    secrets: Iterable[str] = (),
) -> BackupResult:
    """Back up every host of ``nornir`` into ``store``: one commit, failures isolated per device."""
    from nornir.core.plugins.connections import ConnectionPluginRegister

    from nornir_tasks.backup import backup_config, backup_platform

    ConnectionPluginRegister.auto_register()  # a Nornir built without InitNornir has none registered
    secrets = list(secrets)
    with store.locked():
        agg = nornir.run(task=backup_config, name="backup_config", on_failed=True)
        stamp = now or dt.datetime.now(dt.UTC).astimezone()
        fetched = []
        for name, host in sorted(nornir.inventory.hosts.items()):
            path = backup_path(name, host.data.get("skpd"), host.data.get("site"))
            multi = agg.get(name)
            if multi is None or multi.failed:
                exc = multi.exception if multi is not None else None
                if multi is not None and exc is None:
                    exc = next((r.exception for r in multi if r.exception is not None), None)
                fetched.append(Fetched(name=name, path=path, reason=failure_reason(exc, secrets)))
                continue
            text, reason = process_config(name, backup_platform(host), str(multi[0].result), rules, secrets)
            fetched.append(Fetched(name=name, path=path, text=text, reason=reason))
        for f in fetched:
            if f.reason:
                log.warning("backup of %s failed: %s", f.name, f.reason)
        return commit_backups(store, fetched, stamp)


def status_rows(statuses: Mapping[str, DeviceStatus]) -> list[dict[str, Any]]:
    return [s.model_dump(mode="json") for _, s in sorted(statuses.items())]
