"""Start an SKPD server's backup agent now: on this host (a lab tree) or over SSH.

Both runners start the *same* installed script (``simpul.core.data_backup.render_agent_script``,
put in place by the ``simpul_backup_agent`` role or, in the lab, by :func:`install_local_agent`) and
hand back what it printed; ``simpul.core.data_backup.parse_agent_output`` reads it. Neither runner
builds a restic command of its own: the script is the one place commands are built.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from simpul.core.data_backup import ServerAccess

AGENT_PATH = "/usr/local/sbin/simpul-backup-agent"


@dataclass(frozen=True)
class AgentInvocation:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False


class AgentRunner(Protocol):
    """Runs the installed agent of one server and returns what it printed."""

    @property
    def server(self) -> str: ...

    def run(self, *, timeout: float) -> AgentInvocation: ...


def _run_group(argv: list[str], *, timeout: float, env: Mapping[str, str] | None = None) -> AgentInvocation:
    """Run ``argv`` in its own process group; on timeout the whole group is killed."""
    start = time.monotonic()
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(env) if env is not None else None,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        timed_out = True
    return AgentInvocation(proc.returncode, out, err, time.monotonic() - start, timed_out)


@dataclass(frozen=True)
class LocalAgent:
    """An SKPD server that is a directory tree on this host (the lab, the tests)."""

    server: str
    root: Path

    @property
    def script(self) -> Path:
        return self.root / AGENT_PATH.lstrip("/")

    def run(self, *, timeout: float) -> AgentInvocation:
        env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "TMPDIR": str(self.root / "tmp"),
            "LANG": "C.UTF-8",
        }
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        return _run_group(["bash", str(self.script)], timeout=timeout, env=env)


@dataclass(frozen=True)
class SshAgent:
    """A real SKPD server: ``ssh`` runs the agent the role installed (key auth, no password prompt)."""

    server: str
    host: str
    port: int = 22
    user: str = "root"
    identity: str | None = None
    known_hosts: str | None = None
    root: str = ""  # a lab tree on the far side (the agent role's simpul_backup_agent_root)

    def argv(self) -> list[str]:
        argv = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15", "-p", str(self.port)]
        if self.identity:
            argv += ["-i", self.identity, "-o", "IdentitiesOnly=yes"]
        if self.known_hosts:
            argv += ["-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=accept-new"]
        return [*argv, f"{self.user}@{self.host}", shlex.quote(self.root.rstrip("/") + AGENT_PATH)]

    def run(self, *, timeout: float) -> AgentInvocation:
        return _run_group(self.argv(), timeout=timeout)


def runner_for(server: str, access: ServerAccess) -> AgentRunner:
    if access.runner == "local":
        if not access.root:
            raise ValueError(f"server {server}: a local runner needs 'root'")
        return LocalAgent(server, Path(access.root))
    return SshAgent(
        server,
        access.host or server,
        access.port,
        access.user,
        access.identity,
        access.known_hosts,
        access.root or "",
    )


def write_private(path: Path, text: str, mode: int = 0o600) -> bool:
    """Write ``text`` with ``mode`` (created private, then renamed); True when it changed."""
    if path.exists() and path.read_text() == text and (path.stat().st_mode & 0o777) == mode:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    tmp.chmod(mode)
    tmp.replace(path)
    return True


def install_local_agent(root: Path, script: str, files: Mapping[str, str]) -> bool:
    """Put the agent script and its credential files (0600) into a lab server's tree."""
    changed = write_private(root / AGENT_PATH.lstrip("/"), script, 0o700)
    for rel, text in files.items():
        changed = write_private(root / rel.lstrip("/"), text, 0o600) or changed
    (root / "etc" / "simpul-backup").chmod(0o700)
    return changed
