"""Ansible action plugin: VPS in the Pusat Data through simpul's library (playbooks/vps.yml).

Runs on the controller and calls the same service functions as ``simpul vps``
(:mod:`simpul.services.vps`); no logic of its own. Two modes:

- ``request``: record a planned VPS for an SKPD with its address (``request_vps``). A VPS of that
  name already recorded for that SKPD is ``ok`` (not changed), so the play is idempotent. In check
  mode every check runs and nothing is written.
- ``apply``: reconcile NetBox with the hypervisor (``apply_vps``). In check mode: the plan, nothing
  changed anywhere; ``changed`` says whether the plan has work. Any VPS that failed fails the task
  (the others were still applied), with every reason in ``msg``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

DOCUMENTATION = r"""
module: simpul_vps
short_description: Request and apply VPS in the Pusat Data with simpul's library
options:
  mode: {description: request or apply, required: true, type: str}
  skpd: {description: SKPD (tenant) slug (request; apply filter), type: str}
  name: {description: VPS name (request; apply filter), type: str}
  vcpus: {description: vCPUs (request), type: int}
  memory_mb: {description: memory in MB (request), type: int}
  disk_gb: {description: disk in GB (request), type: int}
  image: {description: image (request; default debian-12), type: str}
  ssh_keys: {description: SSH public key lines (request), type: list, elements: str}
  ssh_key_files: {description: SSH public key files (request), type: list, elements: path}
  cluster: {description: the Pusat Data cluster (default the one tagged pusat-data), type: str}
  purge: {description: decommissioning removes the disk now (apply), type: bool, default: false}
  wait: {description: wait until started VPS answer SSH (apply), type: bool, default: false}
"""


class ActionModule(ActionBase):  # type: ignore[misc]
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        from simpul.errors import SimpulError
        from simpul.netbox.client import as_netbox_error, is_netbox_failure

        result = super().run(tmp, task_vars)
        args = self._task.args
        modes = {"request": self._request, "apply": self._apply}
        if args.get("mode") not in modes:
            raise AnsibleActionFail(f"mode must be request or apply, not {args.get('mode')!r}")
        try:
            return {**result, **modes[args["mode"]](args)}
        except SimpulError as exc:  # bad input, refused, hypervisor down: a clear failure, no traceback
            raise AnsibleActionFail(exc.render()) from None
        except Exception as exc:
            if is_netbox_failure(exc):
                raise AnsibleActionFail(as_netbox_error(exc).render()) from None
            raise

    def _request(self, args: dict[str, Any]) -> dict[str, Any]:
        from simpul.services.vps import RequestVps, request_vps
        from simpul.settings import load_settings

        req = RequestVps(
            skpd=str(args["skpd"]),
            name=str(args["name"]),
            vcpus=int(args["vcpus"]),
            memory_mb=int(args["memory_mb"]),
            disk_gb=int(args["disk_gb"]),
            image=args.get("image") or None,
            ssh_keys=tuple(args.get("ssh_keys") or ()),
            ssh_key_files=tuple(Path(p) for p in args.get("ssh_key_files") or ()),
            cluster=args.get("cluster") or None,
            dry_run=bool(self._task.check_mode),
            exist_ok=True,
        )
        out = request_vps(load_settings(), req)
        would = bool(self._task.check_mode) and out.netbox_id is None
        return {"changed": out.changed or would, "vps": out.as_json()}

    def _apply(self, args: dict[str, Any]) -> dict[str, Any]:
        from simpul.services.vps import ApplyVps, apply_vps
        from simpul.settings import load_settings

        req = ApplyVps(
            skpd=args.get("skpd") or None,
            name=args.get("name") or None,
            commit=not self._task.check_mode,
            wait=bool(args.get("wait")),
            purge=bool(args.get("purge")),
            cluster=args.get("cluster") or None,
        )
        out = apply_vps(load_settings(), req)
        summary = out.as_json()
        applied = any(o.result == "applied" for o in out.outcomes)
        changed = applied if out.committed else bool(out.plan.changes)
        res: dict[str, Any] = {"changed": changed, "vms": summary["vms"], "plan_only": not out.committed}
        if out.failed:
            res["failed"] = True
            res["msg"] = "VPS failed: " + "; ".join(f"{o.name}: {o.reason}" for o in out.failed)
        return res
