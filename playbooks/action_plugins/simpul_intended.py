"""Ansible action plugin of playbooks/intended.yml: push one device's intended config with simpul.

Runs on the controller (the Python of ansible-playbook, where simpul is installed) and calls the
same use case as ``simpul intended push`` (:func:`simpul.services.intended_push.push`) for the
host it runs for: the intended config rendered from NetBox, the same remediation, the same
closed-loop push (fresh backup, push, re-read, re-check, rollback). Devices are reached with
simpul's settings (``SIMPUL_*`` env vars / settings file), never with Ansible's connection.

- check mode is the dry run: the remediation is computed and nothing is sent (``changed`` says
  whether a real run would change the device);
- ``--diff`` shows the remediation (the lines a real run sends);
- a device rolled back or failed fails the task with simpul's reason; a second run reports no change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

DOCUMENTATION = r"""
module: simpul_intended
short_description: Push a device's intended config (remediation, closed loop) with simpul's library
options:
  device: {description: the NetBox device name (default inventory_hostname), type: str}
  feature: {description: only this compliance feature, type: str}
  templates: {description: template directory (default the shipped tree), type: path}
  commit_confirm: {description: napalm commit-confirm revert timer in seconds, type: int}
"""


class ActionModule(ActionBase):  # type: ignore[misc]
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_diff = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        from simpul.errors import SimpulError
        from simpul.inventory import Filters
        from simpul.services.intended_push import PushRequest, push
        from simpul.settings import load_settings

        result = super().run(tmp, task_vars)
        args = self._task.args
        name = str(args.get("device") or (task_vars or {}).get("inventory_hostname"))
        request = PushRequest(
            filters=Filters(device=(name,)),
            feature=args.get("feature") or None,
            commit=not self._task.check_mode,
            commit_confirm=int(args["commit_confirm"]) if args.get("commit_confirm") else None,
            templates=Path(args["templates"]) if args.get("templates") else None,
        )
        try:
            outcome = push(load_settings(), request)
        except SimpulError as exc:  # bad rules, templates or settings: a clear failure, no traceback
            raise AnsibleActionFail(exc.render()) from None
        device = outcome.devices.get(name)
        if device is None:
            raise AnsibleActionFail(f"{name}: not in NetBox (or filtered out)")
        out: dict[str, Any] = {**result, **device.as_json(), "commands": list(device.commands)}
        out["changed"] = device.changed and device.result in ("applied", "unchanged")
        if self._play_context.diff and device.commands:
            out["diff"] = {"prepared": "\n".join(device.commands) + "\n"}
        if device.result in ("rolled_back", "failed"):
            out["failed"] = True
            out["msg"] = f"{name}: {device.result}: {device.reason}"
        return out
