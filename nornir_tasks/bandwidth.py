"""Nornir tasks: push the rendered bandwidth plan to a core router, diff first, one per platform.

The shape of nornir_napalm's ``napalm_configure``: compute the diff between what the device runs
and what was rendered; push only when ``commit`` and there is a diff; ``changed=bool(diff)``.
The decisions (what differs, which commands fix it) are ``simpul.core.bandwidth_diff``'s; these
tasks only read the device, push the commands and read it again to prove the push took.

- ``bandwidth_apply`` (Linux): the tc script, see below.
- ``bandwidth_apply_ios`` (Cisco IOS): hier_config remediation of the ``SIMPUL-BW-*`` MQC objects
  against ``show running-config``; pushed with ``send_config_set``, then ``write memory``.
- ``bandwidth_apply_routeros`` (MikroTik): remove/set/add of the ``simpul-bw`` address lists,
  mangle rules and queues against ``/<menu> export``; RouterOS persists every command itself.

What the device "runs" is the script last applied (kept at ``<state_dir>/bandwidth-<uplink>.sh``)
provided the HTB root qdisc it creates is still on the uplink; if someone removed the qdisc (a reboot,
a manual ``tc qdisc del``), the current state is empty and the whole script is the diff.

Host data (optional): ``bandwidth_state_dir`` (default ``/etc/simpul``) and ``bandwidth_exec_prefix``
(prepended to ``tc`` and ``sh``; the namespace lab uses ``ip netns exec <ns>``).
"""

from __future__ import annotations

import base64
import difflib
import re
import shlex
from typing import Any

from nornir.core.task import Result, Task

from simpul.core.bandwidth_diff import ROS_READ_COMMANDS, ConfigDiff, ios_remediation, routeros_remediation

DEFAULT_STATE_DIR = "/etc/simpul"
RC_MARK = "SIMPUL_RC="
CHUNK = 400


class ApplyFailed(RuntimeError):
    """The script ran on the device and failed (its output says why)."""


def _send(conn: Any, command: str, *, verify: bool = True) -> tuple[int, str]:
    # verify=False for long lines: the terminal wraps them and netmiko's echo check cannot match
    out = conn.send_command(f"{command}; echo {RC_MARK}$?", read_timeout=60, cmd_verify=verify)
    match = re.search(rf"{RC_MARK}(\d+)\s*$", out)
    if not match:
        raise ApplyFailed(f"no exit status from {command!r}: {out[-300:]}")
    return int(match.group(1)), out[: match.start()].rstrip("\n")


def current_state(conn: Any, uplink: str, state_dir: str, prefix: str) -> str:
    path = shlex.quote(f"{state_dir}/bandwidth-{uplink}.sh")
    _, qdisc = _send(conn, f"{prefix}tc qdisc show dev {shlex.quote(uplink)}")
    if not re.search(r"qdisc htb 1: root", qdisc):
        return ""
    rc, text = _send(conn, f"cat {path} 2>/dev/null")
    text = text.replace("\r\n", "\n").strip("\n")  # the script starts with #!, never a blank line
    return text + "\n" if rc == 0 and text else ""


def bandwidth_apply(task: Task, script: str, uplink: str, commit: bool = False) -> Result:
    """Diff the rendered tc script against the device; apply it only with ``commit``."""
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
    if commit and diff:
        path = shlex.quote(f"{state_dir}/bandwidth-{uplink}.sh")
        payload = base64.b64encode(script.encode()).decode()
        rc, out = _send(conn, f"mkdir -p {shlex.quote(state_dir)} && : > {path}.b64")
        # short lines: a terminal (and netmiko's echo check) copes badly with one 4 kB command line
        for start in range(0, len(payload), CHUNK):
            if rc == 0:
                rc, out = _send(
                    conn, f"printf %s {payload[start : start + CHUNK]} >> {path}.b64", verify=False
                )
        if rc == 0:
            rc, out = _send(conn, f"base64 -d {path}.b64 > {path}.new && rm -f {path}.b64")
        if rc != 0:
            raise ApplyFailed(f"cannot write {path}.new: {out[-300:]}")
        rc, out = _send(conn, f"{prefix}sh {path}.new")
        if rc != 0:
            raise ApplyFailed(f"tc script failed (exit {rc}): {out[-500:]}")
        rc, out = _send(conn, f"mv {path}.new {path}")
        if rc != 0:
            raise ApplyFailed(f"cannot keep {path}: {out[-300:]}")
    return Result(host=task.host, diff=diff, changed=bool(diff))


ROS_PROMPT = re.compile(r"\[[^\]\s]+@[^\]]+\] >")
IOS_ERRORS = r"% ?(Invalid|Incomplete|Ambiguous)|% \w.*(not|cannot|in use)"
#: Platform (NetBox slug) -> the render target of simpul.templates.bandwidth
TARGETS = {"linux": "linux", "cisco_ios": "ios", "mikrotik_routeros": "routeros"}


def _result(task: Task, change: ConfigDiff) -> Result:
    return Result(host=task.host, diff=change.diff, changed=change.changed, result=list(change.commands))


def ios_running(conn: Any) -> str:
    if not conn.check_enable_mode():
        conn.enable()
    return str(conn.send_command("show running-config", read_timeout=120))


def bandwidth_apply_ios(task: Task, config: str, commit: bool = False) -> Result:
    """Diff the rendered MQC config against the running config; push the remediation with ``commit``.

    After a push the running config is read again: if anything still differs the device did not
    take the commands (ApplyFailed, with what is left), so ``changed`` is never claimed blindly.
    """
    conn = task.host.get_connection("netmiko", task.nornir.config)
    change = ios_remediation(ios_running(conn), config)
    if commit and change.commands:
        out = conn.send_config_set(list(change.commands), error_pattern=IOS_ERRORS, read_timeout=120)
        left = ios_remediation(ios_running(conn), config)
        if left.commands:
            raise ApplyFailed(f"the device did not take: {list(left.commands)[:5]}; output: {out[-300:]}")
        conn.save_config()
    return _result(task, change)


def routeros_running(conn: Any) -> str:
    return "\n".join(str(conn.send_command(cmd, read_timeout=60)) for cmd in ROS_READ_COMMANDS)


def bandwidth_apply_routeros(task: Task, config: str, commit: bool = False) -> Result:
    """Diff the rendered RouterOS config against ``/<menu> export``; push only what differs with ``commit``.

    A RouterOS command that succeeds prints nothing: any answer is a failure (ApplyFailed names the
    command and the answer); the menus are read again after the push to prove it took.
    """
    conn = task.host.get_connection("netmiko", task.nornir.config)
    change = routeros_remediation(routeros_running(conn), config)
    if commit and change.commands:
        for command in change.commands:
            out = str(conn.send_command(command, read_timeout=60))
            # a prompt left in the output (netmiko on a slow echo) is not an answer
            out = "\n".join(x for x in out.splitlines() if not ROS_PROMPT.fullmatch(x.strip())).strip()
            if out:
                raise ApplyFailed(f"{command!r} answered: {out[-300:]}")
        left = routeros_remediation(routeros_running(conn), config)
        if left.commands:
            raise ApplyFailed(f"the device did not take: {list(left.commands)[:5]}")
    return _result(task, change)
