"""Ansible action plugin: the config backup steps of playbooks/backup_configs.yml, by simpul's library.

Runs on the controller (the Python of ansible-playbook, where simpul is installed). Three modes:

- ``plan``: the commands to fetch the config of ``platform`` (nornir_tasks.backup.COMMANDS);
- ``stage``: check and scrub one host's fetched output with simpul.backup.process_config (the same
  rules file as ``simpul backup configs``) and stage the *scrubbed* text (or the failure reason)
  as JSON in ``stage_dir``: nothing unscrubbed is ever written;
- ``commit``: commit every staged host in ONE commit (simpul.backup.commit_backups), record the
  status, and fail the task when a device failed (the play then exits non-zero).
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

DOCUMENTATION = r"""
module: simpul_config_backup
short_description: Scrub and commit device config backups with simpul's library
options:
  mode: {description: plan, stage or commit, required: true, type: str}
  platform: {description: NetBox platform slug (plan, stage), type: str}
  name: {description: inventory hostname (stage), type: str}
  skpd: {description: SKPD (tenant) slug or null (stage), type: str}
  site: {description: site slug (stage), type: str}
  host: {description: the device address, probed when a fetch failed (stage), type: str}
  port: {description: the device SSH port (stage), type: int}
  fetched: {description: the registered result of the fetch task (stage), type: raw}
  stage_dir: {description: directory for staged, scrubbed results (stage, commit), type: path}
  repo: {description: the backup git repository (commit), type: path}
  rules: {description: scrub rules file (stage), type: path}
"""


def _probe(host: str | None, port: Any) -> str | None:
    """Why a TCP connection to the device fails, if it does (a fetch hidden by no_log failed)."""
    if not host:
        return None
    try:
        with socket.create_connection((host, int(port or 22)), timeout=5):
            return None
    except ConnectionRefusedError:
        return "unreachable: connection refused"
    except TimeoutError:
        return "unreachable: TCP connection timed out"
    except OSError as exc:
        return f"unreachable: {exc.strerror or type(exc).__name__}"


def _reason_from_ansible(fetched: dict[str, Any], host: str | None = None, port: Any = None) -> str:
    """A secret-free reason from a failed Ansible result: categories, never the device's output.

    The fetch tasks run with no_log (raw configs hold secrets), which also hides their error
    message; a TCP probe then tells an unreachable device from the other failures.
    """
    msg = str(fetched.get("msg") or "")
    if not msg and fetched.get("censored"):
        return (
            _probe(host, port)
            or "fetch failed in Ansible (no_log hides the error; try simpul backup configs --device)"
        )
    low = msg.lower()
    if "authentic" in low or "permission denied" in low:
        return "authentication failed"
    if "refused" in low or "unable to connect" in low:
        return _probe(host, port) or "unreachable"
    if "timed out" in low or "timeout" in low:
        return "timeout: the device did not answer in time"
    if "closed" in low or "eof" in low or "reset by peer" in low:
        return "disconnected mid-output"
    if fetched.get("unreachable"):
        return "unreachable"
    return "failed in Ansible (see the play output)"


def _raw_text(platform: str, fetched: dict[str, Any], commands: list[str]) -> str:
    from simpul.core.scrub import LINUX_END, LINUX_SECTION

    if platform == "linux":
        outs = [r.get("stdout", "") for r in fetched.get("results", [])]
        return "".join(f"{LINUX_SECTION}{c}\n{o.strip()}\n" for c, o in zip(commands, outs, strict=False)) + (
            LINUX_END + "\n" if len(outs) == len(commands) else ""
        )
    stdout = fetched.get("stdout") or [""]
    return str(stdout[0])


class ActionModule(ActionBase):  # type: ignore[misc]
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = self._task.args
        mode = args.get("mode")
        try:
            if mode == "plan":
                return {**result, **self._plan(args)}
            if mode == "stage":
                return {**result, **self._stage(args)}
            if mode == "commit":
                return {**result, **self._commit(args)}
        except Exception as exc:  # a SimpulError (bad rules, bad repo) becomes a clear task failure
            from simpul.errors import SimpulError

            if isinstance(exc, SimpulError):
                raise AnsibleActionFail(exc.render()) from None
            raise
        raise AnsibleActionFail(f"mode must be plan, stage or commit, not {mode!r}")

    def _plan(self, args: dict[str, Any]) -> dict[str, Any]:
        from nornir_tasks.backup import COMMANDS

        platform = str(args.get("platform") or "")
        if platform not in COMMANDS:
            raise AnsibleActionFail(f"no backup command for platform {platform!r}")
        return {"changed": False, "commands": list(COMMANDS[platform])}

    def _stage(self, args: dict[str, Any]) -> dict[str, Any]:
        from nornir_tasks.backup import COMMANDS
        from simpul.backup import process_config
        from simpul.cli.backup import load_rules_file
        from simpul.settings import load_settings
        from simpul.store.git_store import _atomic_write, backup_path

        name, platform = str(args["name"]), str(args.get("platform") or "")
        fetched = args.get("fetched") or {}
        path = backup_path(name, args.get("skpd") or None, args.get("site") or None)
        text: str | None = None
        if fetched.get("failed") or fetched.get("unreachable") or fetched.get("skipped"):
            reason: str | None = _reason_from_ansible(fetched, args.get("host"), args.get("port"))
        else:
            rules = load_rules_file(Path(args["rules"]) if args.get("rules") else None)
            raw = _raw_text(platform, fetched, list(COMMANDS.get(platform, ())))
            text, reason = process_config(name, platform, raw, rules, load_settings().secrets())
        record = {"name": name, "path": path, "text": text, "reason": reason}
        _atomic_write(Path(args["stage_dir"]) / f"{name}.json", json.dumps(record))
        return {"changed": False, "backup_path": path, "reason": reason}

    def _commit(self, args: dict[str, Any]) -> dict[str, Any]:
        from simpul.backup import Fetched, commit_backups
        from simpul.settings import load_settings
        from simpul.store import GitStore

        repo = Path(args["repo"]) if args.get("repo") else Path(load_settings().backup_repo)
        fetched = []
        for staged in sorted(Path(args["stage_dir"]).glob("*.json")):
            rec = json.loads(staged.read_text())
            fetched.append(
                Fetched(name=rec["name"], path=rec["path"], text=rec["text"], reason=rec["reason"])
            )
        if self._task.check_mode:  # report what would change, write nothing
            if not (repo / ".git").is_dir():
                return {"changed": bool(fetched), "msg": f"would create {repo}"}
            store = GitStore(repo)
            files = {f.path: f.text for f in fetched if f.text is not None}
            would = sorted(store.changed_paths(files))
            return {"changed": bool(would), "would_change": would}
        store = GitStore(repo)
        with store.locked():
            outcome = commit_backups(store, fetched, dt.datetime.now(dt.UTC).astimezone())
        summary = outcome.as_json()
        out = {"changed": outcome.commit is not None, "backup": summary, "repo": str(store.root)}
        if outcome.failed:
            out["failed"] = True
            out["msg"] = "backup failed for " + "; ".join(
                f"{n}: {r}" for n, r in sorted(outcome.failed.items())
            )
        return out
