"""Nornir task: fetch one device's running config as raw text (processing is simpul.services.backup's).

What is fetched is the platform's ``backup_commands`` in the one platform table
(:mod:`simpul.devices.platforms`): ``show running-config`` in enable mode on IOS/EOS, ``/export`` on
RouterOS, and on Linux the network-relevant state, each command under a ``### <command>`` header and
a final ``### end``.

The task reads the session itself (not netmiko ``send_command``) so that a device closing the
session mid-output is reported as such at once instead of after the read timeout; the read goes to
the raw channel, not through netmiko's logging (a config read here still holds its secrets).
The connection is closed at the end of the task: a backup of 500 devices keeps none open.
"""

from __future__ import annotations

import contextlib
import re
import time
from typing import Any

from nornir.core.task import Result, Task

from simpul.core.scrub import LINUX_END, LINUX_SECTION
from simpul.devices.outcomes import CommandTimeout, DeviceDisconnected
from simpul.devices.platforms import PlatformSpec, platform_of

DEFAULT_READ_TIMEOUT = 60.0


def _closed(conn: Any) -> bool:
    channel = conn.remote_conn
    if channel is None:
        return True
    transport = channel.get_transport() if hasattr(channel, "get_transport") else None
    return bool(
        channel.closed or channel.eof_received or (transport is not None and not transport.is_active())
    )


def run_command(conn: Any, command: str, timeout: float, newline: str | None = None) -> str:
    """Send ``command`` and read until the prompt comes back; the echo and the prompt are removed.

    ``newline`` defaults to netmiko's RETURN for the platform; RouterOS gets a bare CR (what its
    terminal receives from an Enter key): with CR LF some CLIs run an empty second command whose
    echo and prompt land in the middle of the output.
    """
    prompt = conn.base_prompt
    ends = re.compile(r"(?:^|\n)[^\n]*" + re.escape(prompt) + r"[^\n]{0,4}[#>$\]]\s*$")
    conn.clear_buffer()
    conn.write_channel(command + (conn.RETURN if newline is None else newline))
    output = ""
    deadline = time.monotonic() + timeout
    while True:
        # the raw channel, not conn.read_channel(): netmiko logs what it reads at DEBUG, and a
        # config read here still holds its secrets
        chunk = conn.channel.read_channel()
        if chunk and conn.ansi_escape_codes:
            chunk = conn.strip_ansi_escape_codes(chunk)
        if chunk:
            output += chunk
            # the prompt counts only after the echo of the command: a stray prompt left over
            # from the previous return must not end the read early
            echo = output.find(command)
            if echo >= 0 and ends.search(output, echo + len(command)):
                break
            continue
        if _closed(conn):
            raise DeviceDisconnected(f"session closed after {len(output)} bytes of output")
        if time.monotonic() > deadline:
            raise CommandTimeout(f"no prompt {timeout:.0f}s after the command")
        time.sleep(0.02)
    lines = output.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    def is_prompt(line: str) -> bool:
        text = line.strip()
        return not text or (prompt in text and len(text) <= len(prompt) + 6 and text[-1] in "#>$]")

    # Some CLIs answer a CR LF return with two prompts; the extra one may lead or trail.
    while lines and is_prompt(lines[0]):
        lines.pop(0)
    if lines and command in lines[0]:
        lines.pop(0)  # the echoed command
    while lines and is_prompt(lines[-1]):
        lines.pop()
    lines = [line for line in lines if not line.strip() or not is_prompt(line)]  # stray prompts
    return "\n".join(lines).strip("\n") + "\n"


def fetch_config(conn: Any, spec: PlatformSpec, timeout: float) -> str:
    """The raw config text of an open netmiko connection."""
    if spec.enable and not conn.check_enable_mode():
        conn.enable()
    if not spec.sectioned_backup:
        return run_command(conn, spec.backup_commands[0], timeout, spec.newline)
    parts = [
        f"{LINUX_SECTION}{command}\n{run_command(conn, command, timeout, spec.newline)}"
        for command in spec.backup_commands
    ]
    return "".join(parts) + LINUX_END + "\n"


def backup_config(task: Task) -> Result:
    """Fetch the running config of ``task.host``; ``result`` is the raw text (secrets included).

    Never changes the device: ``changed`` is always False (whether the *backup* changed is decided
    against the git repo). Raises on any failure; Nornir records the exception.
    """
    host = task.host
    spec = platform_of(host)
    timeout = float(host.get("backup_read_timeout", DEFAULT_READ_TIMEOUT))
    try:
        conn = host.get_connection("netmiko", task.nornir.config)
        text = fetch_config(conn, spec, timeout)
    finally:
        # a broken session may fail to close cleanly; it is gone either way
        with contextlib.suppress(Exception):
            host.close_connection("netmiko")
    return Result(host=host, result=text, changed=False)
