"""Nornir tasks: push the rendered bandwidth plan to a core router, diff first, dry-run aware.

The shape of nornir_napalm's ``napalm_configure``: compute the diff between what the device runs
and what was rendered; push only when the run is not a dry run (Nornir's own dry-run, read with
``task.is_dry_run(dry_run)``) and there is a diff; ``Result(changed=bool(diff), diff=diff)``.
The decisions (what differs, which commands fix it) are ``simpul.core.bandwidth_diff``'s; these
tasks only read the device, push the commands and read it again to prove the push took.

- ``bandwidth_apply``: the one task ``simpul bandwidth apply`` runs on every core router at once;
  each host gets its own rendered config (``BandwidthConfig``) and the task of its render target
  (``PlatformSpec.bandwidth_target``);
- ``bandwidth_apply_linux``: the tc script, see below;
- ``bandwidth_apply_ios`` (Cisco IOS): hier_config remediation of the ``SIMPUL-BW-*`` MQC objects
  against ``show running-config``; pushed with ``send_config_set``, then ``write memory``;
- ``bandwidth_apply_routeros`` (MikroTik): remove/set/add of the ``simpul-bw`` address lists,
  mangle rules and queues against ``/<menu> export``; RouterOS persists every command itself.

A failure is raised in simpul's family (:mod:`simpul.devices.outcomes`): ``CommandRejected`` when
the device refused or did not take a command, ``ParseError`` when its answer cannot be read; the
runner turns it into a censored ``DeviceOutcome.reason`` (``rejected: ...``), never a page of output.

Linux: what the device "runs" is the script last applied (kept at ``<state_dir>/bandwidth-<uplink>.sh``)
provided the HTB root qdisc it creates is still on the uplink; if someone removed the qdisc (a reboot,
a manual ``tc qdisc del``), the current state is empty and the whole script is the diff. Host data
(optional): ``bandwidth_state_dir`` (default ``/etc/simpul``) and ``bandwidth_exec_prefix``
(prepended to ``tc`` and ``sh``; the namespace lab uses ``ip netns exec <ns>``).
"""

from __future__ import annotations

import base64
import difflib
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netmiko.exceptions import ConfigInvalidException
from nornir.core.task import Result, Task

from simpul.core.bandwidth_diff import ROS_READ_COMMANDS, ConfigDiff, ios_remediation, routeros_remediation
from simpul.devices.outcomes import CommandRejected
from simpul.parsers import ParseError

DEFAULT_STATE_DIR = "/etc/simpul"
RC_MARK = "SIMPUL_RC="
CHUNK = 400
ROS_PROMPT = re.compile(r"\[[^\]\s]+@[^\]]+\] >")
IOS_ERRORS = r"% ?(Invalid|Incomplete|Ambiguous)|% \w.*(not|cannot|in use)"


@dataclass(frozen=True)
class BandwidthConfig:
    """What one core router should run: the config rendered for its target, and the uplink it shapes."""

    target: str  # a simpul.templates.bandwidth target: PlatformSpec.bandwidth_target of the host
    uplink: str
    config: str = field(repr=False)  # Nornir logs a run's arguments: not the whole config


def _last_line(text: str, limit: int = 100) -> str:
    """The last non-empty line of a device's answer, cut short: a reason, not a transcript.

    >>> _last_line("sh: 1: tc: not found\\n\\n")
    'sh: 1: tc: not found'
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:limit] if lines else "(no output)"


# =============================================================================================
# Linux (tc script)
# =============================================================================================


def _send(conn: Any, command: str, *, verify: bool = True) -> tuple[int, str]:
    # verify=False for long lines: the terminal wraps them and netmiko's echo check cannot match
    out = conn.send_command(f"{command}; echo {RC_MARK}$?", read_timeout=60, cmd_verify=verify)
    match = re.search(rf"{RC_MARK}(\d+)\s*$", out)
    if not match:
        raise ParseError(f"no exit status after {command.split(maxsplit=1)[0]!r}")
    return int(match.group(1)), out[: match.start()].rstrip("\n")


def current_state(conn: Any, uplink: str, state_dir: str, prefix: str) -> str:
    path = shlex.quote(f"{state_dir}/bandwidth-{uplink}.sh")
    _, qdisc = _send(conn, f"{prefix}tc qdisc show dev {shlex.quote(uplink)}")
    if not re.search(r"qdisc htb 1: root", qdisc):
        return ""
    rc, text = _send(conn, f"cat {path} 2>/dev/null")
    text = text.replace("\r\n", "\n").strip("\n")  # the script starts with #!, never a blank line
    return text + "\n" if rc == 0 and text else ""


def _push_script(conn: Any, script: str, path: str, state_dir: str, prefix: str) -> None:
    """Write the script next to the kept one, run it, keep it: CommandRejected at the first failure."""
    payload = base64.b64encode(script.encode()).decode()
    rc, out = _send(conn, f"mkdir -p {shlex.quote(state_dir)} && : > {path}.b64")
    # short lines: a terminal (and netmiko's echo check) copes badly with one 4 kB command line
    for start in range(0, len(payload), CHUNK):
        if rc == 0:
            rc, out = _send(conn, f"printf %s {payload[start : start + CHUNK]} >> {path}.b64", verify=False)
    if rc == 0:
        rc, out = _send(conn, f"base64 -d {path}.b64 > {path}.new && rm -f {path}.b64")
    if rc != 0:
        raise CommandRejected(f"cannot write {path}.new (exit {rc}): {_last_line(out)}")
    rc, out = _send(conn, f"{prefix}sh {path}.new")
    if rc != 0:
        raise CommandRejected(f"the tc script failed (exit {rc}): {_last_line(out)}")
    rc, out = _send(conn, f"mv {path}.new {path}")
    if rc != 0:
        raise CommandRejected(f"cannot keep {path} (exit {rc}): {_last_line(out)}")


def bandwidth_apply_linux(task: Task, script: str, uplink: str, dry_run: bool | None = None) -> Result:
    """Diff the rendered tc script against the device; apply it unless this is a dry run."""
    state_dir = str(task.host.data.get("bandwidth_state_dir") or DEFAULT_STATE_DIR)
    prefix = str(task.host.data.get("bandwidth_exec_prefix") or "")
    if prefix and not prefix.endswith(" "):
        prefix += " "
    conn = task.host.get_connection("netmiko", task.nornir.config)
    script = script.rstrip("\n") + "\n"  # the terminal returns the file without trailing blank lines
    before = current_state(conn, uplink, state_dir, prefix)
    diff = "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            script.splitlines(keepends=True),
            fromfile=f"{task.host.name}:{uplink} (running)",
            tofile=f"{task.host.name}:{uplink} (rendered)",
        )
    )
    if diff and not task.is_dry_run(dry_run):
        _push_script(conn, script, shlex.quote(f"{state_dir}/bandwidth-{uplink}.sh"), state_dir, prefix)
    return Result(host=task.host, diff=diff, changed=bool(diff))


# =============================================================================================
# Cisco IOS and MikroTik RouterOS (remediation of the owned part)
# =============================================================================================


def _result(task: Task, change: ConfigDiff) -> Result:
    return Result(host=task.host, diff=change.diff, changed=change.changed, result=list(change.commands))


def _not_taken(left: ConfigDiff) -> CommandRejected:
    first = left.commands[0].strip()
    return CommandRejected(f"the device did not take {len(left.commands)} command(s), first {first!r}")


def ios_running(conn: Any) -> str:
    if not conn.check_enable_mode():
        conn.enable()
    return str(conn.send_command("show running-config", read_timeout=120))


def bandwidth_apply_ios(task: Task, config: str, dry_run: bool | None = None) -> Result:
    """Diff the rendered MQC config against the running config; push the remediation unless dry run.

    After a push the running config is read again: if anything still differs the device did not
    take the commands (CommandRejected), so ``changed`` is never claimed blindly.
    """
    conn = task.host.get_connection("netmiko", task.nornir.config)
    change = ios_remediation(ios_running(conn), config)
    if change.commands and not task.is_dry_run(dry_run):
        try:
            conn.send_config_set(list(change.commands), error_pattern=IOS_ERRORS, read_timeout=120)
        except ConfigInvalidException as exc:  # netmiko's words: the command and the matched error
            raise CommandRejected(str(exc).splitlines()[0]) from exc
        left = ios_remediation(ios_running(conn), config)
        if left.commands:
            raise _not_taken(left)
        conn.save_config()
    return _result(task, change)


def routeros_running(conn: Any) -> str:
    return "\n".join(str(conn.send_command(cmd, read_timeout=60)) for cmd in ROS_READ_COMMANDS)


def bandwidth_apply_routeros(task: Task, config: str, dry_run: bool | None = None) -> Result:
    """Diff the rendered RouterOS config against ``/<menu> export``; push only what differs unless dry run.

    A RouterOS command that succeeds prints nothing: any answer is a failure (CommandRejected names
    the command and the answer); the menus are read again after the push to prove it took.
    """
    conn = task.host.get_connection("netmiko", task.nornir.config)
    change = routeros_remediation(routeros_running(conn), config)
    if change.commands and not task.is_dry_run(dry_run):
        for command in change.commands:
            out = str(conn.send_command(command, read_timeout=60))
            # a prompt left in the output (netmiko on a slow echo) is not an answer
            out = "\n".join(x for x in out.splitlines() if not ROS_PROMPT.fullmatch(x.strip())).strip()
            if out:
                raise CommandRejected(f"{command[:60]!r} answered: {_last_line(out, 60)}")
        left = routeros_remediation(routeros_running(conn), config)
        if left.commands:
            raise _not_taken(left)
    return _result(task, change)


# =============================================================================================
# The one task of `simpul bandwidth apply`
# =============================================================================================

#: A render target (``PlatformSpec.bandwidth_target``) -> how its config reaches the device.
BY_TARGET: Mapping[str, Callable[[Task, BandwidthConfig, bool | None], Result]] = {
    "linux": lambda task, wanted, dry: bandwidth_apply_linux(task, wanted.config, wanted.uplink, dry),
    "ios": lambda task, wanted, dry: bandwidth_apply_ios(task, wanted.config, dry),
    "routeros": lambda task, wanted, dry: bandwidth_apply_routeros(task, wanted.config, dry),
}


def bandwidth_apply(
    task: Task, configs: Mapping[str, BandwidthConfig], dry_run: bool | None = None
) -> Result:
    """Bring ``task.host`` to ``configs[host]``: diff first, push unless dry run, ``changed=bool(diff)``.

    Run once over every core router (whatever their platforms): each host picks its own config and
    the task of its target.
    """
    wanted = configs[task.host.name]
    return BY_TARGET[wanted.target](task, wanted, dry_run)
