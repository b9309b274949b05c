"""Ansible action plugin: the config backup steps of playbooks/backup_configs.yml, by simpul's library.

Runs on the controller (the Python of ansible-playbook, where simpul is installed) and calls the
same service functions as ``simpul backup configs`` (simpul.services.backup). Three modes:

- ``plan``: what to run on ``platform``, from the one platform table: ``commands``, ``via``
  (``cli``: one network_cli command each; ``shell``), or ``refused`` for a platform simpul does
  not drive;
- ``stage``: check and scrub one host's fetched output (``stage_fetched``, the same rules file as
  ``simpul backup configs``) and stage the *scrubbed* text (or the failure reason) as JSON in
  ``stage_dir``: nothing unscrubbed is ever written;
- ``commit``: commit every staged host in ONE commit (``commit_staged``), moving the file of a
  device NetBox moved, record the status, and fail the task when a device failed (the play then
  exits non-zero). In check mode it reports what would change and writes nothing.
"""

from __future__ import annotations

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


def _path(value: Any) -> Path | None:
    return Path(value) if value else None


class ActionModule(ActionBase):  # type: ignore[misc]
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        from simpul.errors import SimpulError

        result = super().run(tmp, task_vars)
        args = self._task.args
        mode = args.get("mode")
        modes = {"plan": self._plan, "stage": self._stage, "commit": self._commit}
        if mode not in modes:
            raise AnsibleActionFail(f"mode must be plan, stage or commit, not {mode!r}")
        try:
            return {**result, **modes[mode](args)}
        except SimpulError as exc:  # bad rules, a bad repo: a clear task failure, no traceback
            raise AnsibleActionFail(exc.render()) from None

    def _plan(self, args: dict[str, Any]) -> dict[str, Any]:
        from simpul.services.backup import fetch_plan

        return {"changed": False, **fetch_plan(args.get("platform") or None).as_json()}

    def _stage(self, args: dict[str, Any]) -> dict[str, Any]:
        from simpul.services.backup import StageRequest, stage_fetched

        request = StageRequest(
            name=str(args["name"]),
            platform=args.get("platform") or None,
            skpd=args.get("skpd") or None,
            site=args.get("site") or None,
            fetched=args.get("fetched") or {},
            stage_dir=Path(args["stage_dir"]),
            host=args.get("host") or None,
            port=int(args.get("port") or 22),
            rules=_path(args.get("rules")),
        )
        staged = stage_fetched(None, request)
        return {"changed": False, "backup_path": staged.path, "reason": staged.reason}

    def _commit(self, args: dict[str, Any]) -> dict[str, Any]:
        from simpul.services.backup import CommitStagedRequest, commit_staged

        request = CommitStagedRequest(
            stage_dir=Path(args["stage_dir"]), repo=_path(args.get("repo")), check=bool(self._task.check_mode)
        )
        outcome = commit_staged(None, request)
        summary = outcome.as_json()
        would = bool(outcome.changed or outcome.stale)
        out: dict[str, Any] = {
            "changed": would if outcome.dry_run else outcome.commit is not None,
            "backup": summary,
            "repo": outcome.repo,
        }
        if outcome.failed and not outcome.dry_run:
            out["failed"] = True
            out["msg"] = "backup failed for " + "; ".join(
                f"{n}: {r}" for n, r in sorted(outcome.failed.items())
            )
        return out
