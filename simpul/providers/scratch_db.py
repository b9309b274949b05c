"""Throwaway database servers: where a restore drill loads each dump to prove it, and the lab's SKPD
application databases.

:class:`ScratchPostgres` runs PostgreSQL 15 (``initdb`` + ``pg_ctl`` as the ``postgres`` user, as the
NetBox lab does) in a directory of its own, on a Unix socket (and a loopback port when asked).
:class:`ScratchMariaDB` does the same for MariaDB/MySQL dumps. Both stop exactly the server they
started, and both are context managers, so a drill or a test that fails still cleans up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from simpul.errors import SimpulError

log = logging.getLogger(__name__)

PG_BIN = Path(os.environ.get("SIMPUL_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_OPTS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class ScratchDbError(SimpulError):
    """A scratch database server cannot be started or used."""

    code = "E5101"


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _as(user: str | None, argv: list[str]) -> list[str]:
    if user and os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *argv]
    return argv


def _grant_traverse(path: Path) -> None:
    """The database user must walk down to its data directory (search bit only, never read)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _run(argv: list[str], *, what: str, input_text: str | None = None, timeout: float = 600) -> str:
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, input=input_text, timeout=timeout, check=False
        )
    except FileNotFoundError:
        raise ScratchDbError(f"{argv[0]} is not installed", hint="see docs/data-backups.md") from None
    except subprocess.TimeoutExpired:
        raise ScratchDbError(f"{what} did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        raise ScratchDbError(f"{what} failed: {(proc.stderr or proc.stdout).strip()[-400:]}")
    return proc.stdout


@dataclass
class ScratchPostgres:
    """A PostgreSQL 15 server of our own in ``base`` (created if missing; owned by ``postgres``)."""

    base: Path
    port: int = 5432  # with tcp=False only the socket's name uses it
    tcp: bool = False
    os_user: str | None = field(default_factory=lambda: "postgres" if os.geteuid() == 0 else None)
    started: bool = False

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def sockdir(self) -> Path:
        return self.base / "run"

    def start(self) -> ScratchPostgres:
        if not (PG_BIN / "pg_ctl").exists():
            raise ScratchDbError(
                f"PostgreSQL server binaries not found in {PG_BIN}",
                hint="apt-get install -y postgresql-15 (or set SIMPUL_PG_BIN)",
            )
        self.base.mkdir(parents=True, exist_ok=True)
        self.sockdir.mkdir(exist_ok=True)
        if self.os_user:
            if not _user_exists(self.os_user):
                raise ScratchDbError(
                    f"user {self.os_user!r} does not exist", hint="apt-get install -y postgresql-15"
                )
            _grant_traverse(self.base)
            for path in (self.base, self.sockdir):
                shutil.chown(path, self.os_user, self.os_user)
        if not (self.data / "PG_VERSION").exists():
            _run(
                _as(
                    self.os_user,
                    [
                        str(PG_BIN / "initdb"),
                        "-D",
                        str(self.data),
                        "-U",
                        "postgres",
                        "--auth-local=trust",
                        "--auth-host=scram-sha-256",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                    ],
                ),
                what="initdb",
            )
        listen = "127.0.0.1" if self.tcp else "''"
        opts = f"-p {self.port} -k {self.sockdir} -c listen_addresses={listen} {PG_OPTS}"
        _run(
            _as(
                self.os_user,
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    opts,
                    "-l",
                    str(self.base / "postgres.log"),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            ),
            what="pg_ctl start",
        )
        self.started = True
        return self

    def stop(self) -> None:
        if not self.started and not (self.data / "postmaster.pid").exists():
            return
        self.started = False
        pidfile = self.data / "postmaster.pid"
        proc = subprocess.run(
            _as(
                self.os_user, [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 and pidfile.exists():
            with contextlib.suppress(ValueError, OSError):
                os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)

    def psql_argv(self, db: str = "postgres") -> list[str]:
        return _as(
            self.os_user,
            [
                "psql",
                "-h",
                str(self.sockdir),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-v",
                "ON_ERROR_STOP=1",
                "-X",
                "-q",
            ],
        )

    def sql(self, sql: str, db: str = "postgres") -> str:
        """Run SQL as the superuser over the socket; the unaligned, tuples-only output."""
        return _run([*self.psql_argv(db), "-At"], what="psql", input_text=sql)

    def create_database(self, name: str) -> None:
        self.sql(f'create database "{name}"')

    def load(self, db: str, dump: Path, timeout: float = 3 * 3600) -> None:
        """Load a plain SQL dump in one transaction, stopping at the first error."""
        os.chmod(dump, 0o644)
        _grant_traverse(dump.parent)
        _run(
            [*self.psql_argv(db), "-1", "-f", str(dump)], what=f"loading the dump into {db}", timeout=timeout
        )

    def __enter__(self) -> ScratchPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


MARIADB_BIN = Path("/usr/sbin/mariadbd")


@dataclass
class ScratchMariaDB:
    """A MariaDB server of our own in ``base``, on a Unix socket only (root logs in by socket auth)."""

    base: Path
    os_user: str | None = field(default_factory=lambda: "mysql" if os.geteuid() == 0 else None)
    pid: int | None = None

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def socket(self) -> Path:
        return self.base / "run" / "mysqld.sock"

    def start(self, timeout: float = 60) -> ScratchMariaDB:
        if not MARIADB_BIN.exists():
            raise ScratchDbError("MariaDB server not installed", hint="apt-get install -y mariadb-server")
        (self.base / "run").mkdir(parents=True, exist_ok=True)
        self.data.mkdir(exist_ok=True)
        if self.os_user:
            _grant_traverse(self.base)
            for path in (self.base, self.base / "run", self.data):
                shutil.chown(path, self.os_user, self.os_user)
        if not (self.data / "mysql").exists():
            _run(
                [
                    "mariadb-install-db",
                    "--no-defaults",
                    f"--datadir={self.data}",
                    "--auth-root-authentication-method=socket",
                    "--skip-test-db",
                    *([f"--user={self.os_user}"] if self.os_user else []),
                ],
                what="mariadb-install-db",
            )
        log_file = (self.base / "mariadb.log").open("ab")
        try:
            proc = subprocess.Popen(
                [
                    str(MARIADB_BIN),
                    "--no-defaults",
                    f"--datadir={self.data}",
                    f"--socket={self.socket}",
                    "--skip-networking",
                    f"--pid-file={self.base / 'run' / 'mysqld.pid'}",
                    "--innodb-flush-log-at-trx-commit=0",
                    *([f"--user={self.os_user}"] if self.os_user else []),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                start_new_session=True,
            )
        finally:
            log_file.close()
        self.pid = proc.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ScratchDbError(f"mariadbd exited ({proc.returncode}); see {self.base / 'mariadb.log'}")
            if self.socket.exists() and self._ping():
                return self
            time.sleep(0.1)
        self.stop()
        raise ScratchDbError(f"mariadbd did not answer within {timeout:.0f} s")

    def _ping(self) -> bool:
        proc = subprocess.run(
            ["mariadb-admin", "--no-defaults", f"--socket={self.socket}", "-u", "root", "ping"],
            capture_output=True,
            check=False,
        )
        return proc.returncode == 0

    def stop(self, timeout: float = 30) -> None:
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._exited(pid):
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    @staticmethod
    def _exited(pid: int) -> bool:
        """Reaped if it is our child; otherwise gone (or a zombie) from /proc."""
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            return bool(done)
        except ChildProcessError:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                return True
            return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")

    def client_argv(self, db: str | None = None) -> list[str]:
        return ["mariadb", "--no-defaults", f"--socket={self.socket}", "-u", "root", *([db] if db else [])]

    def sql(self, sql: str, db: str | None = None) -> str:
        return _run([*self.client_argv(db), "-N", "-B"], what="mariadb", input_text=sql)

    def load(self, dump: Path, timeout: float = 3 * 3600) -> None:
        with dump.open() as handle:
            proc = subprocess.run(
                self.client_argv(), stdin=handle, capture_output=True, text=True, timeout=timeout, check=False
            )
        if proc.returncode != 0:
            raise ScratchDbError(f"loading the dump failed: {proc.stderr.strip()[-400:]}")

    def __enter__(self) -> ScratchMariaDB:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
