"""The restic / rclone edge: run restic with secrets that never reach argv, and serve the Pusat Data.

Secrets (a repository password, a repository location holding the SKPD's HTTP password) are handed
to restic through a pipe: ``--password-file /dev/fd/N`` and ``--repository-file /dev/fd/M``, the pipe
written and closed before restic starts. A password already in a 0600 file (the Dinas keys on the
Pusat Data) is given by path. Nothing secret is in argv, in the environment or in a log line; what
restic prints is censored against the secrets as a last safety belt.

restic 0.14 retries a refused request (HTTP 401/403) for ~49 s before giving up, e.g. a client's
``forget`` against the append-only server. :class:`Restic` watches restic's stderr and stops it at
the first retry of a 401/403: the caller gets a ``refused`` (or ``auth``) error at once. Every run is
also bounded by a timeout (the whole process group is killed).

:class:`RestServer` runs ``rclone serve restic --append-only --private-repos`` (the command line
comes from :func:`simpul.core.data_backup.rclone_serve_argv`, the same one the server role's unit
runs); :func:`set_htpasswd_user` keeps its users (bcrypt, rclone re-reads the file on change).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt

from simpul.core.data_backup import PusatDataTarget, classify_restic_error, rclone_serve_argv
from simpul.errors import DeviceError, LabError
from simpul.settings import censor

log = logging.getLogger(__name__)

# restic 0.14 prints one line per retry: "Remove(<snapshot/...>) returned error, retrying after 1.08s:
# blob not removed, server response: 403 Forbidden (403)". A 401/403 will not change by retrying.
# rclone checks the bcrypt hash on every request (restic makes dozens per command): at cost 10 that
# is ~2 s per backup. The passwords simpul generates are 24 random bytes (192 bits): no cost factor
# adds anything against guessing them, so the minimum cost is used.
BCRYPT_ROUNDS = 4

_PERMANENT = re.compile(r"returned error, retrying after .*\b(401|403)\b")


class ResticError(DeviceError):
    """restic failed for one repository; ``category`` as for devices (unreachable, auth, refused...)."""


@dataclass(frozen=True)
class ResticResult:
    command: str  # the restic sub-command and its arguments (never a secret)
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.stdout)

    def json_lines(self) -> list[Any]:
        out = []
        for raw in self.stdout.splitlines():
            line = raw.strip()
            if line.startswith(("{", "[")):
                out.append(json.loads(line))
        return out

    def last_error(self) -> str:
        """restic's ``Fatal:`` line (or its last line), without Go stack frames."""
        lines = [
            line.strip()
            for line in self.stderr.splitlines()
            if line.strip() and not line.startswith(("\t", "github.com/", "main.", "runtime."))
        ]
        fatal = [line for line in lines if line.startswith("Fatal:")]
        return (fatal or lines or [""])[-1]


def _pipe_with(data: str) -> int:
    """A pipe holding ``data`` (closed for writing): restic reads it as a file."""
    read, write = os.pipe()
    try:
        os.write(write, data.encode())
    finally:
        os.close(write)
    return read


@dataclass
class Restic:
    """restic against one repository.

    ``repository``: a directory (the Pusat Data side) or a ``rest:`` location; ``repository_secret``:
    the location holds a password (sent through a pipe). ``password``: the secret itself (sent
    through a pipe) or the path of a 0600 file holding it.
    """

    repository: str
    password: str | Path
    repository_secret: bool = False
    binary: str = "restic"
    cache_dir: Path | None = None
    name: str = ""  # what errors name (the SKPD)
    extra_secrets: Sequence[str] = ()
    env: dict[str, str] = field(default_factory=dict)

    @property
    def secrets(self) -> list[str]:
        out = [s for s in self.extra_secrets if s]
        if isinstance(self.password, str):
            out.append(self.password)
        if self.repository_secret:
            out.append(self.repository)
        return out

    def _argv(self, args: Sequence[str], fds: list[int]) -> list[str]:
        argv = [self.binary]
        if self.repository_secret:
            fd = _pipe_with(self.repository)
            fds.append(fd)
            argv += ["--repository-file", f"/dev/fd/{fd}"]
        else:
            argv += ["--repo", self.repository]
        if isinstance(self.password, Path):
            argv += ["--password-file", str(self.password)]
        else:
            fd = _pipe_with(self.password)
            fds.append(fd)
            argv += ["--password-file", f"/dev/fd/{fd}"]
        if self.cache_dir is not None:
            argv += ["--cache-dir", str(self.cache_dir)]
        else:
            argv.append("--no-cache")
        return [*argv, *args]

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RESTIC_")}
        return {**env, **self.env}

    def run(
        self,
        *args: str,
        timeout: float = 600.0,
        check: bool = True,
        stdout_path: Path | None = None,
        stdin_data: bytes | None = None,
    ) -> ResticResult:
        """Run ``restic ARGS``; a refused retry loop or the timeout stops it (the whole process group)."""
        fds: list[int] = []
        start = time.monotonic()
        command = " ".join(args)
        try:
            argv = self._argv(args, fds)
            out_file = stdout_path.open("wb") if stdout_path is not None else None
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                    stdout=out_file if out_file is not None else subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    pass_fds=fds,
                    env=self._env(),
                    start_new_session=True,
                )
            finally:
                for fd in fds:
                    os.close(fd)
            try:
                stdout, stderr, stopped = self._communicate(proc, stdin_data, timeout)
            finally:
                if out_file is not None:
                    out_file.close()
        except FileNotFoundError:
            raise ResticError(
                "error", f"{self.binary} is not installed", device=self.name, hint="apt-get install -y restic"
            ) from None
        result = ResticResult(
            command=command,
            returncode=proc.returncode,
            stdout=censor(stdout, self.secrets),
            stderr=censor(stderr, self.secrets),
            seconds=time.monotonic() - start,
        )
        log.debug("restic %s -> %s in %.2fs", args[0] if args else "", proc.returncode, result.seconds)
        if stopped:
            category, message = stopped
            if args and args[0] != "unlock":
                self._unlock_after_kill()
            raise ResticError(category, f"restic {args[0]}: {message}", device=self.name)
        if check and proc.returncode != 0:
            category, message = classify_restic_error(result.last_error())
            raise ResticError(category, f"restic {args[0]}: {message}", device=self.name)
        return result

    def _communicate(
        self, proc: subprocess.Popen[bytes], stdin_data: bytes | None, timeout: float
    ) -> tuple[str, str, tuple[str, str] | None]:
        stopped: list[tuple[str, str]] = []
        err_lines: list[bytes] = []

        def kill(reason: tuple[str, str]) -> None:
            if not stopped:
                stopped.append(reason)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        def watch_stderr() -> None:
            assert proc.stderr is not None
            for raw in proc.stderr:
                err_lines.append(raw)
                match = _PERMANENT.search(raw.decode("utf-8", "replace"))
                if match:
                    code = match.group(1)
                    kill(
                        ("auth", "the target refused the credentials (401)")
                        if code == "401"
                        else (
                            "refused",
                            "the target refused the operation (403 Forbidden: append-only or private)",
                        )
                    )

        watcher = threading.Thread(target=watch_stderr, daemon=True)
        watcher.start()
        timer = threading.Timer(
            timeout, kill, args=(("timeout", f"restic did not finish within {timeout:.0f} s"),)
        )
        timer.start()
        try:
            if stdin_data is not None and proc.stdin is not None:
                try:
                    proc.stdin.write(stdin_data)
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
            stdout = proc.stdout.read() if proc.stdout is not None else b""
            proc.wait()
            watcher.join(timeout=5)
        finally:
            timer.cancel()
        return (
            stdout.decode("utf-8", "replace"),
            b"".join(err_lines).decode("utf-8", "replace"),
            stopped[0] if stopped else None,
        )

    def _unlock_after_kill(self) -> None:
        """The restic just killed left its lock: remove it (``unlock`` removes only stale locks, i.e.
        this host's dead processes), so the next backup or prune is not blocked."""
        try:
            self.run("unlock", timeout=60, check=False)
        except ResticError as err:
            log.warning("could not remove the lock of a stopped restic: %s", err.reason)

    # -- the operations simpul uses ------------------------------------------------------------

    def init(self) -> None:
        self.run("init")

    def opens(self) -> bool:
        """True when this password opens the repository (``cat config``)."""
        try:
            self.run("cat", "config", timeout=60)
        except ResticError as err:
            if err.category == "auth":
                return False
            raise
        return True

    def key_add(self, new_password: str, *, user: str, host: str) -> None:
        fd = _pipe_with(new_password)
        try:
            self._run_with_fd(
                ["key", "add", "--new-password-file", f"/dev/fd/{fd}", "--user", user, "--host", host], fd
            )
        finally:
            os.close(fd)

    def _run_with_fd(self, args: list[str], fd: int) -> ResticResult:
        # ``run`` passes its own pipes; this one carries the new key's password.
        fds: list[int] = []
        argv = self._argv(args, fds)
        try:
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                pass_fds=[*fds, fd],
                env=self._env(),
                timeout=120,
                check=False,
            )
        finally:
            for own in fds:
                os.close(own)
        if proc.returncode != 0:
            category, message = classify_restic_error(censor(proc.stderr, self.secrets).strip()[-300:])
            raise ResticError(category, f"restic {args[0]}: {message}", device=self.name)
        return ResticResult(" ".join(args), 0, censor(proc.stdout, self.secrets), "", 0.0)

    def key_list(self) -> list[dict[str, Any]]:
        data = self.run("key", "list", "--json").json()
        return list(data) if isinstance(data, list) else []

    def key_remove(self, key_id: str) -> None:
        self.run("key", "remove", key_id)

    def snapshots(self, timeout: float = 300) -> list[dict[str, Any]]:
        data = self.run("snapshots", "--json", timeout=timeout).json()
        return list(data) if isinstance(data, list) else []

    def unlock(self, *, remove_all: bool = False) -> None:
        self.run("unlock", *(["--remove-all"] if remove_all else []), timeout=120)

    def forget(self, snapshot_ids: Sequence[str], timeout: float = 1800) -> ResticResult | None:
        if not snapshot_ids:
            return None
        return self.run("forget", *snapshot_ids, timeout=timeout)

    def prune(self, timeout: float = 6 * 3600) -> ResticResult:
        return self.run("prune", timeout=timeout)

    def check(self, *, read_data_subset: str | None = None, timeout: float = 6 * 3600) -> ResticResult:
        args = ["check"] + ([f"--read-data-subset={read_data_subset}"] if read_data_subset else [])
        return self.run(*args, timeout=timeout, check=False)

    def ls(self, snapshot: str) -> list[dict[str, Any]]:
        """The nodes of a snapshot (files, dirs), without the leading snapshot line."""
        result = self.run("ls", "--json", snapshot, timeout=1800)
        return [n for n in result.json_lines() if isinstance(n, dict) and n.get("struct_type") == "node"]

    def restore(
        self, snapshot: str, target: Path, *, includes: Sequence[str] = (), verify: bool = True
    ) -> ResticResult:
        args = ["restore", snapshot, "--target", str(target)]
        for pattern in includes:
            args += ["--include", pattern]
        if verify:
            args.append("--verify")
        return self.run(*args, timeout=6 * 3600, check=False)

    def dump(self, snapshot: str, path: str, out: Path) -> None:
        self.run("dump", snapshot, path, stdout_path=out, timeout=6 * 3600)

    def raw_data_size(self) -> int:
        data = self.run("stats", "--json", "--mode", "raw-data", timeout=600).json()
        return int(data.get("total_size", 0)) if isinstance(data, dict) else 0


# -- the REST server (rclone) ------------------------------------------------------------------


def read_htpasswd(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    users = {}
    for line in path.read_text().splitlines():
        user, sep, hashed = line.strip().partition(":")
        if sep and user and not user.startswith("#"):
            users[user] = hashed
    return users


def htpasswd_matches(hashed: str, password: str) -> bool:
    """bcrypt entries only (what simpul writes); anything else is rewritten."""
    if not hashed.startswith(("$2y$", "$2b$", "$2a$")):
        return False
    try:
        return bcrypt.checkpw(password.encode(), hashed.replace("$2y$", "$2b$", 1).encode())
    except ValueError:
        return False


def set_htpasswd_user(path: Path, user: str, password: str, *, check_mode: bool = False) -> bool:
    """Make ``user`` log in with ``password`` (bcrypt); True when the file changed (or would)."""
    users = read_htpasswd(path)
    if user in users and htpasswd_matches(users[user], password):
        return False
    if check_mode:
        return True
    users[user] = (
        bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=BCRYPT_ROUNDS))
        .decode()
        .replace("$2b$", "$2y$", 1)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(f"{name}:{hashed}\n" for name, hashed in sorted(users.items())))
    tmp.chmod(0o640)
    if path.exists():
        st = path.stat()
        os.chown(tmp, st.st_uid, st.st_gid)
    tmp.replace(path)
    return True


def port_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@dataclass
class RestServer:
    """``rclone serve restic --append-only --private-repos`` for one target (the lab and the tests;
    production runs the same command line from the server role's systemd unit)."""

    target: PusatDataTarget
    log_path: Path
    pid: int | None = None
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.target.listen.rpartition(":")
        return host.strip("[]"), int(port)

    def start(self, timeout: float = 20.0) -> int:
        host, port = self.host_port
        if port_answers(host, port):
            raise LabError(f"{self.target.listen} is already in use", hint="choose another listen port")
        Path(self.target.repos_dir).mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as logf:
            try:
                self._proc = subprocess.Popen(
                    rclone_serve_argv(self.target),
                    stdin=subprocess.DEVNULL,
                    stdout=logf,
                    stderr=logf,
                    start_new_session=True,
                    env={**os.environ, "RCLONE_CONFIG": "/dev/null"},
                )
            except FileNotFoundError:
                raise LabError("rclone is not installed", hint="apt-get install -y rclone") from None
        self.pid = self._proc.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise LabError(f"rclone serve restic exited ({self._proc.returncode}); see {self.log_path}")
            if port_answers(host, port):
                return self.pid
            time.sleep(0.05)
        self.stop()
        raise LabError(f"rclone serve restic did not answer on {self.target.listen} within {timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                return
            if self._proc is None and not pid_alive(pid):
                return
            time.sleep(0.05)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        if self._proc is not None:
            self._proc.wait(timeout=5)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> RestServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def tree_size(path: Path) -> int:
    """Bytes on disk under ``path`` (a repository's size as the Pusat Data pays for it)."""
    total = 0
    for entry in _walk(path):
        try:
            total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
    return total


def _walk(path: Path) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(path) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    yield from _walk(Path(entry.path))
                else:
                    yield entry
    except OSError:
        return
