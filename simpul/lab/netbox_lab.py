"""A real NetBox 4.7 for the lab and the test suite: PostgreSQL 15, Redis and gunicorn on loopback.

Everything a lab runs lives in one directory (``lab_dir/netbox``); what is slow to make and the
same for every lab lives in the cache (``cache_dir/netbox-<version>``): the NetBox venv, and a
``pg_dump`` of a freshly migrated database (812 migrations, ~6 minutes) with an admin user and an
API token already in it. Every later boot restores that dump in about a second.

Reset points are PostgreSQL template databases: ``snapshot("seeded")`` copies the live database,
``reset()`` swaps it back (drop + ``CREATE DATABASE ... TEMPLATE``, ~0.5 s) and flushes Redis, so
the running NetBox keeps serving (it checks connections before use: ``CONN_HEALTH_CHECKS``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from simpul.errors import LabError, PortInUseError, SimpulError
from simpul.settings import Settings

log = logging.getLogger(__name__)

NETBOX_VERSION = "4.7.3"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
DB_NAME = "netbox"
DB_USER = "netbox"
ADMIN_USER = "admin"
PROGRESS_EVERY = 25  # migrations between two progress lines ...
PROGRESS_SECONDS = 10.0  # ... or seconds, whichever comes first

Progress = Callable[[str], None]


def _log_progress(message: str) -> None:
    log.warning("%s", message)


@dataclass(frozen=True)
class Ports:
    http: int = 8400
    postgres: int = 54315
    redis: int = 63795

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Ports:
        env = dict(os.environ) if env is None else env
        return cls(
            http=int(env.get("SIMPUL_LAB_NETBOX_PORT", cls.http)),
            postgres=int(env.get("SIMPUL_LAB_PG_PORT", cls.postgres)),
            redis=int(env.get("SIMPUL_LAB_REDIS_PORT", cls.redis)),
        )


@dataclass
class LabState:
    url: str
    token: str
    version: str
    ports: dict[str, int]
    pids: dict[str, int] = field(default_factory=dict)
    started_at: float = 0.0
    boot_seconds: float = 0.0
    snapshots: list[str] = field(default_factory=list)


def find_python312(env: dict[str, str] | None = None) -> Path:
    """Locate a Python >= 3.12 for NetBox's own venv, or say what to install."""
    env = dict(os.environ) if env is None else env
    candidates: list[Path] = []
    if env.get("SIMPUL_PYTHON312"):
        candidates.append(Path(env["SIMPUL_PYTHON312"]))
    pyenv_root = Path(env.get("PYENV_ROOT") or Path.home() / ".pyenv")
    versions = pyenv_root / "versions"
    if versions.is_dir():
        for v in sorted(versions.iterdir(), reverse=True):
            if v.name.startswith(("3.12", "3.13")):
                candidates.append(v / "bin" / "python")
    for name in ("python3.12", "python3.13"):
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            candidates.append(Path(found))
    for cand in candidates:
        if not cand.exists():
            continue
        probe = subprocess.run(
            [str(cand), "-c", "import sys; print(sys.version_info >= (3, 12))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return cand
    raise LabError(
        "NetBox 4.7 needs Python 3.12 or newer, and none was found",
        hint="install one (pyenv install 3.12, or apt-get install python3.12 on Debian 13) "
        "or point SIMPUL_PYTHON312 at its python binary",
    )


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_reachable_tempdir(prefix: str) -> Path:
    """A fresh private directory that a lab's ``postgres`` user can still be granted access to.

    Not under pytest's basetemp: pytest resets /tmp/pytest-of-<user> to mode 0700 whenever any
    session starts, which would cut ``postgres`` off from a data directory below it.
    """
    import tempfile

    return Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))


def pid_alive(pid: int) -> bool:
    """True when the process exists and is not a zombie (a reaped-late child lingers as 'Z')."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def _run(
    argv: list[str],
    *,
    user: str | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
    cwd: Path | None = None,
    secret: bool = False,
) -> subprocess.CompletedProcess[str]:
    if user and os.geteuid() == 0:
        argv = ["runuser", "-u", user, "--", *argv]
    log.debug("run %s", argv[0] if secret else " ".join(argv))
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, cwd=cwd)
    if check and proc.returncode != 0:
        cmd = argv[4] if argv[0] == "runuser" else argv[0]
        raise LabError(f"{Path(cmd).name} failed: {(proc.stderr or proc.stdout).strip()[-800:]}")
    return proc


class NetBoxLab:
    """One lab NetBox: its directory, cache, ports and processes."""

    def __init__(
        self, settings: Settings, ports: Ports | None = None, progress: Progress | None = None
    ) -> None:
        self.settings = settings
        self.ports = ports or Ports.from_env()
        self.progress: Progress = progress or _log_progress  # long first-time steps report here
        self.root: Path = Path(settings.lab_dir) / "netbox"
        self.cache: Path = Path(settings.cache_dir) / f"netbox-{NETBOX_VERSION}"
        self.venv = self.cache / "venv"
        self.dump = self.cache / "migrated.dump"
        self.cache_secrets = self.cache / "secrets.json"
        self.cache_lock = self.cache / "prepare.lock"  # held while the venv or the dump is being made
        self.cache_status = self.cache / "prepare.json"  # what the holder is doing, for those who wait
        self.pgdata = self.root / "pgdata"
        self.sockdir = self.root / "run"
        self.state_file = self.root / "state.json"
        self.pg_user = "postgres" if os.geteuid() == 0 else None

    # ---------------------------------------------------------------- state
    def state(self) -> LabState | None:
        if not self.state_file.exists():
            return None
        data = json.loads(self.state_file.read_text())
        return LabState(**data)

    def _save_state(self, state: LabState) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state), indent=2))
        tmp.chmod(0o600)
        tmp.replace(self.state_file)

    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.http}"

    # ---------------------------------------------------------------- cache
    def ensure_venv(self) -> Path:
        """The cached NetBox venv; made once per machine (~80 s), one maker at a time."""
        if self._venv_ready():
            return self.venv
        with self._cache_locked("creating the NetBox venv"):
            if self._venv_ready():  # made by the simpul we waited for
                return self.venv
            python = find_python312()
            self.progress(f"creating the NetBox {NETBOX_VERSION} venv in {self.venv} (about 80 s, once)")
            t0 = time.monotonic()
            _run([str(python), "-m", "venv", str(self.venv)])
            _run([str(self.venv / "bin" / "pip"), "install", "-q", f"netbox=={NETBOX_VERSION}", "gunicorn"])
            self.progress(f"NetBox venv ready in {time.monotonic() - t0:.0f} s")
        return self.venv

    def _venv_ready(self) -> bool:
        return (self.venv / "bin" / "netbox").exists() and (self.venv / "bin" / "gunicorn").exists()

    # ---------------------------------------------------- one cache, many labs
    @contextlib.contextmanager
    def _cache_locked(self, step: str) -> Iterator[None]:
        """Hold the cache's lock for ``step``; while another simpul holds it, wait and say what it does.

        Several labs (a user's, test sessions) share one cache: only one makes the venv or migrates,
        the others wait and then use what it made.
        """
        self.cache.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.cache_lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            self._acquire(fd)
            self._set_cache_status(step)
            yield
        finally:
            self.cache_status.unlink(missing_ok=True)
            os.close(fd)  # releases the lock

    def _acquire(self, fd: int) -> None:
        said = ""
        last = 0.0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            other = self._cache_status_text()
            if other != said or time.monotonic() - last >= 60:
                self.progress(f"waiting for another simpul that is {other} (the result is shared)")
                said, last = other, time.monotonic()
            time.sleep(1.0)

    def _set_cache_status(self, step: str, done: int | None = None, total: int | None = None) -> None:
        status = {"pid": os.getpid(), "step": step, "done": done, "total": total}
        tmp = self.cache_status.with_name(f"{self.cache_status.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(status))
        tmp.replace(self.cache_status)

    def _cache_status_text(self) -> str:
        try:
            status = json.loads(self.cache_status.read_text())
        except (OSError, ValueError):
            return "preparing the NetBox cache"
        text = f"{status.get('step', 'preparing the NetBox cache')} (pid {status.get('pid')})"
        if status.get("total"):
            text += f": {status.get('done')}/{status.get('total')} migrations applied"
        return text

    def _cache_secrets(self) -> dict[str, str]:
        """Keys made once per cache: the DB dump holds a token hashed with these peppers."""
        if self.cache_secrets.exists():
            return dict(json.loads(self.cache_secrets.read_text()))
        self.cache.mkdir(parents=True, exist_ok=True)
        data = {
            "secret_key": secrets.token_urlsafe(48),
            "pepper": secrets.token_urlsafe(48),
            "token_key": secrets.token_hex(6),
            "token_secret": secrets.token_hex(20),
            "admin_password": secrets.token_urlsafe(16),
            "db_password": secrets.token_urlsafe(16),
        }
        tmp = self.cache_secrets.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.chmod(0o600)
        tmp.replace(self.cache_secrets)
        return data

    def token(self) -> str:
        s = self._cache_secrets()
        return f"nbt_{s['token_key']}.{s['token_secret']}"

    # ------------------------------------------------------------- processes
    def _netbox_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["NETBOX_ROOT"] = str(self.root)
        env["DJANGO_SETTINGS_MODULE"] = "netbox.settings"
        env.pop("PYTHONPATH", None)
        return env

    def _write_configuration(self) -> None:
        s = self._cache_secrets()
        conf = self.root / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        text = f"""# Written by simpul lab netbox; a throwaway lab NetBox on loopback.
ALLOWED_HOSTS = ["*"]
DATABASES = {{"default": {{
    "NAME": "{DB_NAME}", "USER": "{DB_USER}", "PASSWORD": {s["db_password"]!r},
    "HOST": "127.0.0.1", "PORT": "{self.ports.postgres}", "CONN_MAX_AGE": 300,
    "CONN_HEALTH_CHECKS": True, "ENGINE": "django.db.backends.postgresql",
}}}}
REDIS = {{
    "tasks": {{"HOST": "127.0.0.1", "PORT": {self.ports.redis}, "DATABASE": 0, "SSL": False}},
    "caching": {{"HOST": "127.0.0.1", "PORT": {self.ports.redis}, "DATABASE": 1, "SSL": False}},
}}
SECRET_KEY = {s["secret_key"]!r}
API_TOKEN_PEPPERS = {{1: {s["pepper"]!r}}}
MAX_PAGE_SIZE = 5000
PAGINATE_COUNT = 1000
"""
        path = conf / "configuration.py"
        path.write_text(text)
        path.chmod(0o600)

    def _check_ports(self) -> None:
        for name, port in (
            ("NetBox HTTP", self.ports.http),
            ("PostgreSQL", self.ports.postgres),
            ("Redis", self.ports.redis),
        ):
            if not port_free(port):
                envvar = {
                    "NetBox HTTP": "SIMPUL_LAB_NETBOX_PORT",
                    "PostgreSQL": "SIMPUL_LAB_PG_PORT",
                    "Redis": "SIMPUL_LAB_REDIS_PORT",
                }[name]
                raise PortInUseError(
                    f"port {port} for the lab's {name} is already in use on 127.0.0.1",
                    hint=f"stop whatever listens there, or choose another port with {envvar}=...",
                )

    def _grant_traverse(self) -> None:
        """PostgreSQL runs as ``postgres``: it must be able to walk down to the lab directory.

        Only the search bit (o+x) is added where missing, never read: nothing becomes listable.
        """
        for parent in [self.root, *self.root.parents]:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                log.warning("granting search permission (o+x) on %s so postgres can reach its data", parent)
                parent.chmod(mode | 0o001)

    def _start_postgres(self) -> int:
        self.sockdir.mkdir(parents=True, exist_ok=True)
        if self.pg_user:
            self._grant_traverse()
            shutil.chown(self.root, self.pg_user, self.pg_user)
            shutil.chown(self.sockdir, self.pg_user, self.pg_user)
        if not (self.pgdata / "PG_VERSION").exists():
            self.pgdata.mkdir(parents=True, exist_ok=True)
            if self.pg_user:
                shutil.chown(self.pgdata, self.pg_user, self.pg_user)
            _run(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
                user=self.pg_user,
            )
        opts = (
            f"-p {self.ports.postgres} -k {self.sockdir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        _run(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.pgdata),
                "-o",
                opts,
                "-l",
                str(self.root / "postgres.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            user=self.pg_user,
        )
        pid = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        return pid

    def _psql(self, sql: str, db: str = "postgres", secret: bool = False) -> str:
        proc = _run(
            [
                "psql",
                "-h",
                str(self.sockdir),
                "-p",
                str(self.ports.postgres),
                "-U",
                "postgres",
                "-d",
                db,
                "-v",
                "ON_ERROR_STOP=1",
                "-qAtc",
                sql,
            ],
            user=self.pg_user,
            secret=secret,
        )
        return proc.stdout

    def _start_redis(self) -> int:
        pidfile = self.root / "redis.pid"
        pidfile.unlink(missing_ok=True)
        _run(
            [
                "redis-server",
                "--port",
                str(self.ports.redis),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(pidfile),
                "--logfile",
                str(self.root / "redis.log"),
                "--dir",
                str(self.root),
            ]
        )
        for _ in range(100):
            if pidfile.exists() and pidfile.read_text().strip():
                return int(pidfile.read_text().strip())
            time.sleep(0.05)
        raise LabError("redis-server did not start", hint=f"see {self.root / 'redis.log'}")

    def _start_gunicorn(self) -> int:
        log_file = open(self.root / "gunicorn.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            [
                str(self.venv / "bin" / "gunicorn"),
                "--bind",
                f"127.0.0.1:{self.ports.http}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "300",
                "--no-control-socket",
                "--pid",
                str(self.root / "gunicorn.pid"),
                "netbox.wsgi",
            ],
            env=self._netbox_env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self.root,
        )
        log_file.close()
        return proc.pid

    def _manage(self, *args: str, timeout: float = 900) -> str:
        proc = subprocess.run(
            [str(self.venv / "bin" / "netbox"), *args],
            env=self._netbox_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
        )
        if proc.returncode != 0:
            raise LabError(f"netbox {args[0]} failed: {(proc.stderr or proc.stdout).strip()[-1500:]}")
        return proc.stdout

    def nbshell(self, script: str, timeout: float = 1800) -> str:
        """Run Python inside NetBox (Django ORM), e.g. to bulk-load a benchmark regency."""
        return self._manage("nbshell", "--command", script, timeout=timeout)

    # -------------------------------------------------------------- database
    def _create_db(self, template: str | None = None) -> None:
        s = self._cache_secrets()
        exists = self._psql(f"SELECT 1 FROM pg_roles WHERE rolname='{DB_USER}'")
        if not exists.strip():
            self._psql(f"CREATE ROLE {DB_USER} LOGIN SUPERUSER PASSWORD '{s['db_password']}'", secret=True)
        tmpl = f" TEMPLATE {template}" if template else ""
        self._psql(f"CREATE DATABASE {DB_NAME} OWNER {DB_USER}{tmpl}")

    def _db_exists(self, name: str) -> bool:
        return bool(self._psql(f"SELECT 1 FROM pg_database WHERE datname='{name}'").strip())

    def _migrate_and_cache(self) -> None:
        """First boot on this machine: migrate (~6 min), make admin + token, dump to the cache."""
        t0 = time.monotonic()
        self._migrate()
        s = self._cache_secrets()
        script = (
            "from users.models import User, Token\n"
            f"u = User.objects.filter(username='{ADMIN_USER}').first() or "
            f"User.objects.create_superuser('{ADMIN_USER}', 'admin@lab.invalid', '{s['admin_password']}')\n"
            f"Token.objects.filter(key='{s['token_key']}').delete()\n"
            f"Token(user=u, key='{s['token_key']}', token='{s['token_secret']}', write_enabled=True,"
            " description='simpul lab').save()\n"
        )
        self._manage("nbshell", "--command", script)
        tmp = self.dump.with_name(f"{self.dump.name}.{os.getpid()}.tmp")
        _run(
            [
                "pg_dump",
                "-h",
                str(self.sockdir),
                "-p",
                str(self.ports.postgres),
                "-U",
                "postgres",
                "-Fc",
                "-f",
                str(tmp),
                DB_NAME,
            ],
            user=None,
        )
        tmp.replace(self.dump)
        self.progress(f"NetBox database migrated and cached in {time.monotonic() - t0:.0f} s: {self.dump}")

    def _migration_plan(self) -> tuple[int, int]:
        """(applied, total) migrations, from ``showmigrations --plan`` ([X] applied, [ ] not)."""
        plan = self._manage("showmigrations", "--plan").splitlines()
        marks = [line.strip()[:3] for line in plan if line.strip().startswith("[")]
        return sum(1 for m in marks if m == "[X]"), len(marks)

    def _migrate(self) -> None:
        """``netbox migrate``, streamed: a progress line every PROGRESS_EVERY migrations or seconds."""
        done, total = self._migration_plan()
        self.progress(
            f"migrating a new NetBox {NETBOX_VERSION} database: {total - done} of {total} migrations "
            "to apply (about 6 minutes, once per machine; later boots restore it in seconds)"
        )
        self._set_cache_status("migrating NetBox", done, total)
        proc = subprocess.Popen(
            [str(self.venv / "bin" / "netbox"), "migrate", "--no-input", "-v", "1"],
            env=self._netbox_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=self.root,
        )
        tail: deque[str] = deque(maxlen=40)
        said_n, said_t = done, time.monotonic()
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line)
            if not (line.lstrip().startswith("Applying ") and line.rstrip().endswith("OK")):
                continue
            done += 1
            if done - said_n >= PROGRESS_EVERY or time.monotonic() - said_t >= PROGRESS_SECONDS:
                self.progress(f"  applied {done}/{total}")
                self._set_cache_status("migrating NetBox", done, total)
                said_n, said_t = done, time.monotonic()
        if proc.wait() != 0:
            raise LabError(f"netbox migrate failed: {''.join(tail).strip()[-1500:]}")
        self.progress(f"  applied {done}/{total}")

    def _restore_or_migrate(self) -> None:
        """A database from the cached dump; the first lab on a machine makes that dump (one at a time)."""
        if not self.dump.exists():
            with self._cache_locked("migrating NetBox"):
                if not self.dump.exists():
                    self._create_db()
                    self._migrate_and_cache()
                    return
        self._restore_cached()

    def _pg_client(self, tool: str) -> list[str]:
        return [tool, "-h", str(self.sockdir), "-p", str(self.ports.postgres), "-U", "postgres"]

    def dump_db(self, path: Path) -> None:
        """Save the live database as a ``pg_dump -Fc`` file (written aside, then moved into place)."""
        self._require_running()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        _run([*self._pg_client("pg_dump"), "-Fc", "-f", str(tmp), DB_NAME])
        tmp.replace(path)

    def restore_db(self, path: Path) -> None:
        """Replace the live database with a ``dump_db`` file (about a second); NetBox keeps serving."""
        self._require_running()
        for _ in range(20):
            self._terminate(DB_NAME)
            proc = _run(
                [*self._pg_client("psql"), "-qAtc", f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"],
                user=self.pg_user,
                check=False,
            )
            if proc.returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise LabError(f"could not replace the lab database with {path}")
        self._restore_cached(path)
        _run(["redis-cli", "-p", str(self.ports.redis), "FLUSHALL"])

    def _restore_cached(self, dump: Path | None = None) -> None:
        self._create_db()
        _run(
            [
                "pg_restore",
                "-h",
                str(self.sockdir),
                "-p",
                str(self.ports.postgres),
                "-U",
                "postgres",
                "-d",
                DB_NAME,
                "--no-owner",
                "--role",
                DB_USER,
                "-j",
                "2",
                str(dump or self.dump),
            ]
        )

    # ------------------------------------------------------------------- API
    def answers(self, timeout: float = 2.0) -> dict[str, object] | None:
        req = urllib.request.Request(
            f"{self.url()}/api/status/",
            headers={"Authorization": f"Bearer {self.token()}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return dict(json.loads(resp.read()))
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def _wait_answering(self, pid: int, timeout: float = 120) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.answers()
            if status is not None:
                return status
            if not pid_alive(pid):
                break
            time.sleep(0.25)
        tail = (self.root / "gunicorn.log").read_text(errors="replace")[-1500:]
        raise LabError(
            f"NetBox did not answer on {self.url()}: {tail}", hint=f"see {self.root / 'gunicorn.log'}"
        )

    def up(self) -> LabState:
        """Boot the lab NetBox; a second ``up`` while it runs changes nothing."""
        current = self.state()
        if current and self._all_running(current) and self.answers():
            return current
        if current:
            self.down()  # a half-dead lab: clear it first
        t0 = time.monotonic()
        if not PG_BIN.joinpath("pg_ctl").exists():
            raise LabError(
                "PostgreSQL 15 server binaries are missing", hint="apt-get install -y postgresql-15"
            )
        if not shutil.which("redis-server"):
            raise LabError("redis-server is missing", hint="apt-get install -y redis-server")
        self._check_ports()
        self.ensure_venv()
        self.root.mkdir(parents=True, exist_ok=True)
        self._write_configuration()
        pids: dict[str, int] = {}
        try:
            pids["postgres"] = self._start_postgres()
            pids["redis"] = self._start_redis()
            if not self._db_exists(DB_NAME):
                self._restore_or_migrate()
            if not self._db_exists("snap_base"):
                self._snapshot_db("snap_base")
            pids["gunicorn"] = self._start_gunicorn()
            status = self._wait_answering(pids["gunicorn"])
        except BaseException:
            self._stop_pids(pids, asdict(self.ports))
            raise
        state = LabState(
            url=self.url(),
            token=self.token(),
            version=str(status.get("netbox-version")),
            ports=asdict(self.ports),
            pids=pids,
            started_at=time.time(),
            boot_seconds=round(time.monotonic() - t0, 2),
            snapshots=self._snapshots(),
        )
        self._save_state(state)
        return state

    def _ours(self, name: str, pid: int, ports: dict[str, int]) -> bool:
        """Is ``pid`` still the ``name`` process this lab started? (A stale state file after a reboot or
        a kill can hold pids the system has since given to other processes: those are never signalled.)
        """
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            return False
        marker = {
            "postgres": str(self.pgdata),
            "redis": f"127.0.0.1:{ports.get('redis')}",
            "gunicorn": f"127.0.0.1:{ports.get('http')}",
        }.get(name)
        return marker is not None and any(marker in arg for arg in argv)

    def _all_running(self, state: LabState) -> bool:
        return all(pid_alive(pid) and self._ours(name, pid, state.ports) for name, pid in state.pids.items())

    def _stop_pids(self, pids: dict[str, int], ports: dict[str, int]) -> None:
        pids = {name: pid for name, pid in pids.items() if self._ours(name, pid, ports)}
        if "gunicorn" in pids:
            self._kill(pids["gunicorn"])
        if "redis" in pids:
            self._kill(pids["redis"])
        if "postgres" in pids and pid_alive(pids["postgres"]):
            _run(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
                user=self.pg_user,
                check=False,
            )
            self._kill(pids["postgres"])

    @staticmethod
    def _kill(pid: int, timeout: float = 15) -> None:
        if not pid_alive(pid):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.05)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)

    def down(self) -> bool:
        """Stop exactly the processes this lab started. Returns False when nothing ran."""
        state = self.state()
        if state is None:
            return False
        self._stop_pids(state.pids, state.ports)
        self.state_file.unlink(missing_ok=True)
        return True

    def status(self) -> dict[str, object]:
        state = self.state()
        if state is None:
            return {"running": False, "url": self.url(), "version": None, "pids": {}, "answers": False}
        alive = {
            name: pid_alive(pid) and self._ours(name, pid, state.ports) for name, pid in state.pids.items()
        }
        answer = self.answers() if all(alive.values()) else None
        return {
            "running": all(alive.values()),
            "url": state.url,
            "version": (answer or {}).get("netbox-version", state.version),
            "pids": state.pids,
            "alive": alive,
            "answers": answer is not None,
            "boot_seconds": state.boot_seconds,
            "snapshots": self._snapshots() if all(alive.values()) else state.snapshots,
            "dir": str(self.root),
        }

    # ------------------------------------------------------------- snapshots
    def _snapshots(self) -> list[str]:
        rows = self._psql("SELECT datname FROM pg_database WHERE datname LIKE 'snap\\_%'")
        return sorted(r.removeprefix("snap_") for r in rows.split())

    def _terminate(self, db: str) -> None:
        self._psql(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname='{db}' AND pid <> pg_backend_pid()"
        )

    def _snapshot_db(self, snap: str) -> None:
        if self._db_exists(snap):
            self._psql(f"DROP DATABASE {snap}")
        for _ in range(20):
            self._terminate(DB_NAME)
            proc = _run(
                [
                    "psql",
                    "-h",
                    str(self.sockdir),
                    "-p",
                    str(self.ports.postgres),
                    "-U",
                    "postgres",
                    "-qAtc",
                    f"CREATE DATABASE {snap} TEMPLATE {DB_NAME}",
                ],
                user=self.pg_user,
                check=False,
            )
            if proc.returncode == 0:
                return
            time.sleep(0.1)  # a NetBox worker reconnected between terminate and create
        raise LabError(f"could not snapshot the lab database as {snap!r}")

    def snapshot(self, name: str) -> None:
        """Save the current database as reset point ``name`` (letters, digits, underscore)."""
        if not name.replace("_", "").isalnum():
            raise LabError(f"snapshot name {name!r} must be letters, digits and underscores")
        self._require_running()
        self._snapshot_db(f"snap_{name}")

    def reset(self, name: str | None = None) -> str:
        """Restore reset point ``name`` (default: ``seeded`` when it exists, else ``base``)."""
        self._require_running()
        snaps = self._snapshots()
        name = name or ("seeded" if "seeded" in snaps else "base")
        if name not in snaps:
            raise LabError(f"no reset point {name!r}", hint=f"known: {', '.join(snaps) or 'none'}")
        for _ in range(20):
            self._terminate(DB_NAME)
            proc = _run(
                [
                    "psql",
                    "-h",
                    str(self.sockdir),
                    "-p",
                    str(self.ports.postgres),
                    "-U",
                    "postgres",
                    "-qAtc",
                    f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)",
                ],
                user=self.pg_user,
                check=False,
            )
            if proc.returncode == 0:
                proc = _run(
                    [
                        "psql",
                        "-h",
                        str(self.sockdir),
                        "-p",
                        str(self.ports.postgres),
                        "-U",
                        "postgres",
                        "-qAtc",
                        f"CREATE DATABASE {DB_NAME} OWNER {DB_USER} TEMPLATE snap_{name}",
                    ],
                    user=self.pg_user,
                    check=False,
                )
                if proc.returncode == 0:
                    break
            time.sleep(0.1)
        else:
            raise LabError(f"could not restore reset point {name!r}")
        _run(["redis-cli", "-p", str(self.ports.redis), "FLUSHALL"])
        return name

    def _require_running(self) -> None:
        state = self.state()
        if state is None or not self._all_running(state):
            raise LabError("the lab NetBox is not running", hint="run: simpul lab netbox up")

    def env_lines(self) -> list[str]:
        return [f"export NETBOX_URL={self.url()}", f"export NETBOX_TOKEN={self.token()}"]


def cache_ready(settings: Settings) -> bool:
    """Does the cache hold the NetBox venv and the migrated database dump?"""
    lab = NetBoxLab(settings)
    return lab.dump.exists() and lab._venv_ready()


def prepare_cache(settings: Settings, progress: Progress | None = None) -> Path:
    """Make the cache's NetBox venv and migrated dump now, with a throwaway lab; the dump's path.

    Needs only the standard library, so ``scripts/setup.sh`` runs it with the system Python while
    the project venv is still being installed. A lab that boots meanwhile waits for it (the lock).
    """
    from simpul.settings import load_settings

    if cache_ready(settings):
        return NetBoxLab(settings).dump
    lab_dir = postgres_reachable_tempdir("simpul-prepare-")
    env = {**os.environ, "SIMPUL_LAB_DIR": str(lab_dir), "SIMPUL_CACHE_DIR": str(settings.cache_dir)}
    temp = NetBoxLab(
        load_settings(env=env, settings_file=False),
        Ports(http=free_port(), postgres=free_port(), redis=free_port()),
        progress,
    )
    try:
        temp.up()
    finally:
        temp.down()
        shutil.rmtree(lab_dir, ignore_errors=True)
    return temp.dump


def main(argv: list[str] | None = None) -> int:
    """``python -m simpul.lab.netbox_lab ready|prepare``: 0 when the cache is (made) ready, 2 on error."""
    import argparse
    import sys

    from simpul.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m simpul.lab.netbox_lab")
    parser.add_argument("action", choices=("ready", "prepare"))
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        if args.action == "ready":
            return 0 if cache_ready(settings) else 1
        dump = prepare_cache(settings, progress=lambda message: print(message, file=sys.stderr, flush=True))
    except SimpulError as err:
        print(f"error {err.render()}", file=sys.stderr)
        return err.exit_code
    print(f"NetBox lab cache ready: {dump}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
