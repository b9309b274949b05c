"""Nornir task: bring a device to its intended config, closed loop, in the shape of ``napalm_configure``.

``intended_push`` on one host:

1. take a fresh backup: the running config, read now (the pre-push config the rollback returns to);
2. compute the remediation (:func:`simpul.core.remediation.remediate`, the driver named by
   ``PlatformSpec.remediation``); nothing to do -> ``changed=False``;
3. Nornir's dry-run (``task.is_dry_run()``) -> return the diff, change nothing;
4. push: IOS/EOS config mode (netmiko ``send_config_set``, the device's ``% ...`` answer is a
   rejected line), RouterOS one command at a time (any answer is a rejected command);
5. read the running config again and re-run the compliance check the service gave (``judge``);
6. compliant -> save (``write memory``; RouterOS keeps every command itself), ``changed=True``.
   Otherwise (a rejected line, not compliant, the device stopped answering): roll back in a new
   session (:func:`simpul.core.remediation.restore`: what the push changed goes back to the
   pre-push config, whatever part of it was applied), prove it by reading again, and raise
   :class:`PushFailed` (a ``DeviceError``: rejected/timeout/disconnected...) saying whether the
   device runs its pre-push config again.

With ``commit_confirm`` seconds and a napalm driver for the platform, the push goes through napalm
instead (IOS ``configure replace`` with the archive revert timer, EOS config sessions): commit with
``revert_in``, re-read, re-check, then ``confirm_commit`` or ``rollback``; a device that stops
answering is rolled back by its own timer. No simulator supports it: tested with napalm's ``mock``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netmiko.exceptions import ConfigInvalidException
from nornir.core.task import Result, Task

from nornir_tasks.backup import DEFAULT_READ_TIMEOUT, fetch_config
from simpul.core.remediation import ROUTEROS, Remediation, RemediationRules, cli_lines, remediate, restore
from simpul.devices.outcomes import CommandRejected, classify
from simpul.devices.platforms import PlatformSpec, platform_of
from simpul.errors import DeviceError

CONFIG_ERRORS = r"% ?(Invalid|Incomplete|Ambiguous)|% \w.*(not|cannot|in use)|% ?Error"
ROS_PROMPT = re.compile(r"\[[^\]\s]+@[^\]]+\] >")
ROLLED_BACK = "the device runs its pre-push config again"
NOT_ROLLED_BACK = "the rollback did not complete: check the device by hand"


@dataclass(frozen=True)
class PushPlan:
    """What one device should run, which part simpul may change, and how to judge it afterwards.

    ``judge(running)`` is the service's compliance check of a running config: None when compliant,
    else a short reason (``ntp: 1 missing, 2 extra``).
    """

    intended: str = field(repr=False)  # Nornir logs a run's arguments: not the whole config
    rules: RemediationRules = field(default_factory=RemediationRules)
    judge: Callable[[str], str | None] = field(default=lambda _running: None, repr=False)


@dataclass(frozen=True)
class PushReport:
    """The result of one device's push (``Result.result``)."""

    result: str  # unchanged | applied
    compliant_after: bool
    commands: tuple[str, ...] = ()
    reason: str | None = None  # why the device is not compliant (a dry run, or nothing to push)


class PushFailed(DeviceError):
    """The push did not bring the device to its intended config; ``rolled_back`` says whether the
    device runs its pre-push config again (then the hint says so too)."""

    def __init__(
        self, category: str, message: str, *, device: str, rolled_back: bool, commands: tuple[str, ...] = ()
    ) -> None:
        super().__init__(
            category, message, device=device, hint=ROLLED_BACK if rolled_back else NOT_ROLLED_BACK
        )
        self.rolled_back = rolled_back
        self.commands = commands


def _first_line(text: str, limit: int = 80) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:limit] if lines else "(no output)"


def send_lines(conn: Any, spec: PlatformSpec, commands: tuple[str, ...], timeout: float = 120.0) -> None:
    """Send remediation lines; ``CommandRejected`` at the first line the device answers with an error."""
    if spec.remediation == ROUTEROS:
        for command in commands:
            out = str(conn.send_command(command, read_timeout=timeout))
            out = "\n".join(x for x in out.splitlines() if not ROS_PROMPT.fullmatch(x.strip())).strip()
            if out:  # a RouterOS command that worked prints nothing
                raise CommandRejected(f"{command[:60]!r} answered: {_first_line(out, 60)}")
        return
    if spec.enable and not conn.check_enable_mode():
        conn.enable()
    try:
        conn.send_config_set(cli_lines(commands), error_pattern=CONFIG_ERRORS, read_timeout=timeout)
    except ConfigInvalidException as exc:  # netmiko's words: the line and the device's error
        raise CommandRejected(_first_line(str(exc), 120)) from exc


def _save(conn: Any, spec: PlatformSpec) -> None:
    if spec.remediation != ROUTEROS:  # RouterOS keeps every command at once
        conn.save_config()


def _session(task: Task, fresh: bool = False) -> Any:
    if fresh:
        with contextlib.suppress(Exception):  # a broken session may fail to close; it is gone either way
            task.host.close_connection("netmiko")
    return task.host.get_connection("netmiko", task.nornir.config)


def _roll_back(task: Task, spec: PlatformSpec, before: str, plan: PushPlan, timeout: float) -> str | None:
    """Bring simpul's part of the device back to ``before`` in a new session; None when proven."""
    try:
        conn = _session(task, fresh=True)
        current = fetch_config(conn, spec, timeout)
        commands = restore(spec.remediation, current, before, plan.intended, plan.rules)
        if commands:
            send_lines(conn, spec, commands, timeout)
            left = restore(
                spec.remediation, fetch_config(conn, spec, timeout), before, plan.intended, plan.rules
            )
            if left:
                return f"{len(left)} line(s) still differ from the pre-push config"
            _save(conn, spec)
    except Exception as exc:  # any failure here is reported, the push already failed
        return classify(exc).reason
    return None


def _failed(
    task: Task, category: str, message: str, rollback_error: str | None, change: Remediation
) -> PushFailed:
    if rollback_error:
        message += f"; rollback failed ({rollback_error})"
    return PushFailed(
        category, message, device=task.host.name, rolled_back=rollback_error is None, commands=change.commands
    )


def _push_cli(task: Task, spec: PlatformSpec, plan: PushPlan, timeout: float, dry_run: bool | None) -> Result:
    conn = _session(task)
    before = fetch_config(conn, spec, timeout)  # the fresh backup: what a rollback returns to
    change = remediate(spec.remediation, before, plan.intended, plan.rules)
    if not change.commands:
        reason = plan.judge(before)
        return Result(
            host=task.host, changed=False, diff="", result=PushReport("unchanged", reason is None, (), reason)
        )
    if task.is_dry_run(dry_run):
        report = PushReport("unchanged", False, change.commands, "dry run: nothing was pushed")
        return Result(host=task.host, changed=True, diff=change.diff, result=report)
    try:
        send_lines(conn, spec, change.commands, timeout)
        after = fetch_config(conn, spec, timeout)
    except Exception as exc:  # rejected, timeout, disconnected: roll back, then report
        error = classify(exc, task.host.name)
        raise _failed(
            task, error.category, error.message, _roll_back(task, spec, before, plan, timeout), change
        ) from exc
    reason = plan.judge(after)
    if reason is not None:
        message = f"not compliant after the push ({reason})"
        raise _failed(task, "rejected", message, _roll_back(task, spec, before, plan, timeout), change)
    _save(conn, spec)
    report = PushReport("applied", True, change.commands)
    return Result(host=task.host, changed=True, diff=change.diff, result=report)


def _push_confirmed(
    task: Task, spec: PlatformSpec, plan: PushPlan, seconds: int, dry_run: bool | None
) -> Result:
    """The napalm path: commit with a revert timer, re-check, then confirm or roll back."""
    device = task.host.get_connection("napalm", task.nornir.config)
    before = str(device.get_config(retrieve="running")["running"])
    change = remediate(spec.remediation, before, plan.intended, plan.rules)
    if not change.commands:
        reason = plan.judge(before)
        return Result(
            host=task.host, changed=False, diff="", result=PushReport("unchanged", reason is None, (), reason)
        )
    if task.is_dry_run(dry_run):
        report = PushReport("unchanged", False, change.commands, "dry run: nothing was pushed")
        return Result(host=task.host, changed=True, diff=change.diff, result=report)
    try:
        device.load_merge_candidate(config="\n".join(change.commands) + "\n")
        device.commit_config(revert_in=seconds)
    except Exception as exc:  # nothing was committed: discard the candidate and report
        with contextlib.suppress(Exception):
            device.discard_config()
        error = classify(exc, task.host.name)
        raise _failed(task, "rejected", f"the commit failed: {error.message}", None, change) from exc
    try:
        reason = plan.judge(str(device.get_config(retrieve="running")["running"]))
    except Exception as exc:  # unconfirmed: the device's revert timer restores it
        error = classify(exc, task.host.name)
        message = f"{error.message}; the revert timer ({seconds}s) restores the pre-push config"
        raise _failed(task, error.category, message, None, change) from exc
    if reason is not None:
        device.rollback()
        raise _failed(task, "rejected", f"not compliant after the push ({reason})", None, change)
    device.confirm_commit()
    return Result(
        host=task.host, changed=True, diff=change.diff, result=PushReport("applied", True, change.commands)
    )


def intended_push(
    task: Task,
    plans: Mapping[str, PushPlan],
    commit_confirm: int | None = None,
    dry_run: bool | None = None,
) -> Result:
    """Bring ``task.host`` to ``plans[host].intended``, closed loop (module docstring).

    ``commit_confirm``: seconds of napalm's revert timer, for platforms with a napalm driver;
    without it (or without a napalm driver) the push goes over the CLI with simpul's own rollback.
    """
    spec = platform_of(task.host)
    plan = plans[task.host.name]
    timeout = float(task.host.get("backup_read_timeout", DEFAULT_READ_TIMEOUT))
    if commit_confirm and spec.napalm:
        return _push_confirmed(task, spec, plan, commit_confirm, dry_run)
    try:
        return _push_cli(task, spec, plan, timeout, dry_run)
    finally:
        with contextlib.suppress(Exception):
            task.host.close_connection("netmiko")
