"""The data-backup lab: a Pusat Data backup server and SKPD servers on this host, real all the way.

``simpul lab up`` starts it for the demo regency (:class:`LabDataBackup`: under
``<lab_dir>/data-backup``, the SKPD servers NetBox lists in the cluster ``server-skpd-mandiri``);
the tests and ``benches/data_backup.py`` build their own with :class:`DataBackupLab`.

- the Pusat Data: ``rclone serve restic --append-only --private-repos`` on a free loopback port, its
  repositories, the Dinas keys, the drill reports (``<root>/pusat-data``; ``target.yaml``);
- each SKPD server: a directory tree (``<root>/servers/<name>``: its files, the agent script and its
  0600 credentials, exactly where the agent role puts them) plus, when asked, its own PostgreSQL 15
  on a free loopback port and/or MariaDB on a socket, holding the SKPD's application data;
- the "vault" (``<root>/vault``, 0600): what Ansible Vault holds in production, the SKPD credentials;
- ``estate.yaml``: the SKPD, their policies and their servers (local runners).

``simpul backup data run|status|drill --estate <root>/estate.yaml --target <root>/pusat-data/target.yaml``
then works on it unchanged. For the whole lab, :class:`LabDataBackup` also puts the estate (how to
reach each lab server: a local runner) and the target where ``simpul backup data`` looks by default
(``<state_dir>/data-backup/``), so after ``eval "$(simpul lab env)"`` no flag is needed: the SKPD and
their policies come from NetBox, and a server NetBox lists but the lab does not serve is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import socket
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from simpul.core.data_backup import (
    DataPolicy,
    MysqlAccess,
    PostgresAccess,
    PusatDataTarget,
    ServerAccess,
    load_policy,
)
from simpul.errors import LabError
from simpul.providers.backup_agents import install_local_agent
from simpul.providers.restic import RestServer
from simpul.providers.scratch_db import ScratchMariaDB, ScratchPostgres
from simpul.services.data_backup import (
    POLICIES_DIR,
    STATE_SUBDIR,
    SkpdCredentials,
    agent_config,
    agent_files,
    agent_script,
    ensure_repository,
)
from simpul.settings import Settings

BACKUP_DB_USER = "simpul_backup"
KECAMATAN = ("Sekadau Hilir", "Nanga Taman", "Belitang")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lab_tempdir(prefix: str = "simpul-data-lab-") -> Path:
    """Under /var/tmp: the database users must reach their data (pytest's basetemp is 0700)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))


@dataclass(frozen=True)
class LabServer:
    """One SKPD server of the lab and the data it holds."""

    skpd: str
    name: str
    files: Mapping[str, str | bytes] = field(default_factory=dict)  # path on the server -> content
    postgres: Mapping[str, str] = field(default_factory=dict)  # database -> SQL creating its data
    mariadb: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LabSkpd:
    skpd: str
    policy: str | None
    servers: tuple[LabServer, ...] = ()


def demo_estate(rows: int = 2000, files: int = 40) -> tuple[LabSkpd, ...]:
    """The demo: Disdukcapil (policy kritis: PostgreSQL + MariaDB + files), Disdik (mandiri-tik:
    PostgreSQL + files), Dinkes (mandiri-tik, a server never backed up: status shows the finding)."""
    rng = random.Random(13)
    names = ["Siti", "Budi", "Ahmad", "Dewi", "Rina", "Agus", "Yohanes", "Maria", "Hendra", "Lestari"]
    penduduk = ",\n".join(
        f"('{6105000000000000 + i}', '{rng.choice(names)} {rng.choice(names)}', "
        f"'1980-01-01'::date + {rng.randrange(15000)}, 'Kec. {rng.choice(KECAMATAN)}')"
        for i in range(rows)
    )
    simduk = (
        "create table penduduk (nik char(16) primary key, nama text not null, lahir date, alamat text);\n"
        f"insert into penduduk values\n{penduduk};\n"
        "create table kartu_keluarga (no_kk char(16) primary key,\n"
        "  kepala char(16) references penduduk(nik));\n"
        "insert into kartu_keluarga select '7' || substr(nik, 2), nik from penduduk where random() < 0.3;\n"
    )
    arsip = (
        "create table surat (id int primary key auto_increment, nomor varchar(40), perihal text);\n"
        + "".join(
            f"insert into surat (nomor, perihal) values ('470/{i}/DKPS', 'Surat keterangan {i}');\n"
            for i in range(50)
        )
    )
    dapodik = (
        "create table sekolah (npsn char(8) primary key, nama text, jenjang text, siswa int);\n"
        + "".join(
            f"insert into sekolah values ('{30100000 + i}', 'SD Negeri {i} Sekadau', 'SD', "
            f"{rng.randrange(60, 400)});\n"
            for i in range(120)
        )
    )

    def tree(prefix: str, count: int) -> dict[str, str | bytes]:
        out: dict[str, str | bytes] = {}
        for i in range(count):
            out[f"{prefix}/dokumen/{i:04d}.txt"] = f"Dokumen {i}\n" + "isi " * rng.randrange(50, 2000)
        out[f"{prefix}/cache/tmp.bin"] = b"\0" * 4096  # excluded by the policy
        return out

    return (
        LabSkpd(
            "disdukcapil",
            "kritis",
            (
                LabServer(
                    "disdukcapil",
                    "srv-disdukcapil-01",
                    files={**tree("/var/www/simduk", files), "/etc/simduk/app.conf": "db=simduk\n"},
                    postgres={"simduk": simduk},
                    mariadb={"arsip": arsip},
                ),
            ),
        ),
        LabSkpd(
            "disdik",
            "mandiri-tik",
            (
                LabServer(
                    "disdik",
                    "srv-disdik-01",
                    files=tree("/srv/dapodik", files // 2),
                    postgres={"dapodik": dapodik},
                ),
            ),
        ),
        LabSkpd(
            "dinkes", "mandiri-tik", (LabServer("dinkes", "srv-dinkes-01", files=tree("/srv/simpus", 5)),)
        ),
    )


@dataclass
class DataBackupLab:
    """Build, start and stop the data-backup lab (see the module docstring)."""

    root: Path
    policies_dir: Path
    skpd: tuple[LabSkpd, ...]
    port: int = 0
    rest: RestServer | None = None
    databases: dict[str, ScratchPostgres | ScratchMariaDB] = field(default_factory=dict)
    creds: dict[str, SkpdCredentials] = field(default_factory=dict)
    db_secrets: list[str] = field(default_factory=list)

    @property
    def target_path(self) -> Path:
        return self.root / "pusat-data" / "target.yaml"

    @property
    def estate_path(self) -> Path:
        return self.root / "estate.yaml"

    def server_root(self, server: str) -> Path:
        return self.root / "servers" / server

    @property
    def target(self) -> PusatDataTarget:
        pd = self.root / "pusat-data"
        return PusatDataTarget(
            repos_dir=str(pd / "repos"),
            listen=f"127.0.0.1:{self.port}",
            htpasswd=str(pd / "htpasswd"),
            keys_dir=str(pd / "keys"),
            reports_dir=str(pd / "reports"),
            cache_dir=str(pd / "cache"),
            # no scratch_dir: drills restore under /var/tmp (removed after each drill). Under a deep lab
            # directory the scratch PostgreSQL's socket path would pass the kernel's 107-byte limit.
        )

    def secrets(self) -> list[str]:
        """Every secret of the lab (for the tests that prove none leaks)."""
        keys = sorted(Path(self.target.keys_dir).glob("*.key")) if Path(self.target.keys_dir).exists() else []
        return (
            [s for c in self.creds.values() for s in c.secrets()]
            + self.db_secrets
            + [k.read_text().strip() for k in keys]
        )

    def policy(self, name: str) -> DataPolicy:
        path = self.policies_dir / f"{name}.yaml"
        return load_policy(path.read_text(), str(path), name=name)

    # -- up / down -------------------------------------------------------------------------------

    def up(self) -> DataBackupLab:
        try:
            self.port = self.port or free_port()
            self.root.mkdir(parents=True, exist_ok=True)
            target = self.target
            Path(target.repos_dir).mkdir(parents=True, exist_ok=True)
            self.target_path.write_text(yaml.safe_dump(target.model_dump(exclude_none=True), sort_keys=False))
            self.rest = RestServer(target, self.root / "pusat-data" / "rclone.log")
            self.rest.start()
            estate: dict[str, dict[str, object]] = {}
            for skpd in self.skpd:
                estate[skpd.skpd] = self._skpd_up(skpd, target)
            self.estate_path.write_text(yaml.safe_dump({"skpd": estate}, sort_keys=False))
            self._save_state()
        except BaseException:
            self.down()
            raise
        return self

    def _skpd_up(self, skpd: LabSkpd, target: PusatDataTarget) -> dict[str, object]:
        creds = self.creds.get(skpd.skpd) or SkpdCredentials.generate(skpd.skpd)
        self.creds[skpd.skpd] = creds
        vault = self.root / "vault"
        vault.mkdir(mode=0o700, exist_ok=True)
        (vault / f"{skpd.skpd}.json").write_text(
            json.dumps({"http_password": creds.http_password, "repo_password": creds.repo_password})
        )
        (vault / f"{skpd.skpd}.json").chmod(0o600)
        if skpd.policy is not None:
            ensure_repository(target, creds)
        servers: dict[str, object] = {}
        for server in skpd.servers:
            access = self._server_up(server, skpd, creds, target)
            servers[server.name] = access.model_dump(mode="json", exclude_defaults=True) | {"runner": "local"}
        return {"policy": skpd.policy, "servers": servers}

    def _server_up(
        self, server: LabServer, skpd: LabSkpd, creds: SkpdCredentials, target: PusatDataTarget
    ) -> ServerAccess:
        root = self.server_root(server.name)
        root.mkdir(parents=True, exist_ok=True)
        write_files(root, server.files)
        pg_access = my_access = None
        secrets: dict[str, str] = {}
        if server.postgres:
            pg_access, secrets["postgres_password"] = self._postgres_up(server)
        if server.mariadb:
            my_access, socket_path, password = self._mariadb_up(server)
            secrets |= {"mysql_user": BACKUP_DB_USER, "mysql_password": password, "mysql_socket": socket_path}
        access = ServerAccess(runner="local", root=str(root), postgres=pg_access, mysql=my_access)
        if skpd.policy is not None:
            cfg = agent_config(skpd.skpd, server.name, skpd.policy, self.policy(skpd.policy), access)
            install_local_agent(root, agent_script(cfg), agent_files(target.base_url, cfg, creds, **secrets))
        return access

    def _postgres_up(self, server: LabServer) -> tuple[PostgresAccess, str]:
        pg = ScratchPostgres(self.root / "db" / f"{server.name}-pg", port=free_port(), tcp=True)
        self.databases[f"{server.name}-pg"] = pg
        pg.start()
        password = os.urandom(18).hex()
        self.db_secrets.append(password)
        pg.sql(f"create role {BACKUP_DB_USER} login password '{password}' in role pg_read_all_data")
        for db, sql in server.postgres.items():
            pg.create_database(db)
            pg.sql(sql, db=db)
        return PostgresAccess(host="127.0.0.1", port=pg.port, user=BACKUP_DB_USER, os_user=None), password

    def _mariadb_up(self, server: LabServer) -> tuple[MysqlAccess, str, str]:
        my = ScratchMariaDB(self.root / "db" / f"{server.name}-mariadb")
        self.databases[f"{server.name}-mariadb"] = my
        my.start()
        password = os.urandom(18).hex()
        self.db_secrets.append(password)
        my.sql(
            f"create user '{BACKUP_DB_USER}'@'localhost' identified by '{password}';\n"
            "grant select, lock tables, show view, event, trigger, reload on *.* "
            f"to '{BACKUP_DB_USER}'@'localhost';"
        )
        for db, sql in server.mariadb.items():
            my.sql(f"create database `{db}`")
            my.sql(sql, db=db)
        return MysqlAccess(dump="mariadb-dump", client="mariadb"), str(my.socket), password

    def _save_state(self) -> None:
        state = {
            "rclone_pid": self.rest.pid if self.rest else None,
            "port": self.port,
            "databases": {k: str(v.base) for k, v in self.databases.items()},
        }
        (self.root / "state.json").write_text(json.dumps(state, indent=2))

    def down(self) -> None:
        """Stop exactly what this lab started (the REST server, the database servers)."""
        for db in self.databases.values():
            with contextlib.suppress(Exception):
                db.stop()
        if self.rest is not None:
            self.rest.stop()

    def remove(self) -> None:
        self.down()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> DataBackupLab:
        return self.up()

    def __exit__(self, *exc: object) -> None:
        self.down()


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    for path, content in files.items():
        local = root / path.lstrip("/")
        local.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            local.write_bytes(content)
        else:
            local.write_text(content)


def lab_policies(names: Sequence[str], source: Path) -> dict[str, DataPolicy]:
    out = {}
    for name in names:
        path = source / f"{name}.yaml"
        if not path.exists():
            raise LabError(f"no policy {name!r} in {source}")
        out[name] = load_policy(path.read_text(), str(path), name=name)
    return out


def _serves(pid: int | None, needle: str, name: str) -> bool:
    """``pid`` is alive and is a ``name`` process of this lab (its command line names ``needle``):
    never signal a pid a killed lab left behind that now belongs to someone else."""
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X") and name in cmdline and needle in cmdline


def _pidfile(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def stop_from_state(root: Path) -> bool:
    """Stop a lab another process started (its ``state.json``): the REST server by its pid, each
    database server by its data directory, each only if that pid still is the lab's own process.
    True when the lab had a state file (something was, or had been, running)."""
    state_file = root / "state.json"
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return False
    pid = state.get("rclone_pid")
    if _serves(pid, str(root), "rclone"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), 15)
    for name, base in state.get("databases", {}).items():
        db: ScratchPostgres | ScratchMariaDB
        if name.endswith("-pg"):
            db = ScratchPostgres(Path(base))
            if not _serves(_pidfile(db.data / "postmaster.pid"), str(base), "postgres"):
                continue  # not running (a killed lab's server died with it)
            db.started = True
        else:
            db = ScratchMariaDB(Path(base))
            db.pid = _pidfile(Path(base) / "run" / "mysqld.pid")
            if not _serves(db.pid, str(base), "mariadbd"):
                continue
        with contextlib.suppress(Exception):
            db.stop()
    state_file.unlink(missing_ok=True)
    return True


def lab_running(root: Path) -> bool:
    """The lab in ``root`` serves: its state file names a live rclone of this lab."""
    try:
        state = json.loads((root / "state.json").read_text())
    except (OSError, ValueError):
        return False
    return _serves(state.get("rclone_pid"), str(root), "rclone")


PUBLISHED_MARK = "# Written by simpul lab up (the data-backup lab); simpul lab down removes it.\n"


class LabDataBackup:
    """The demo regency's data-backup lab, as ``simpul lab up``/``down``/``status`` run it.

    Lives in ``<lab_dir>/data-backup``; publishes its estate and target as
    ``<state_dir>/data-backup/{estate,target}.yaml`` (marked as the lab's: a file without the mark is
    someone's real configuration and is never overwritten). Its backups are lab data: ``down``
    removes them, the next ``up`` starts from empty repositories.
    """

    def __init__(
        self, settings: Settings, root: Path | None = None, estate: tuple[LabSkpd, ...] | None = None
    ) -> None:
        self.root = root or Path(settings.lab_dir) / "data-backup"
        self.published = Path(settings.state_dir) / STATE_SUBDIR
        self.policies = Path(settings.project_dir) / POLICIES_DIR
        self.estate = estate

    @property
    def target_path(self) -> Path:
        return self.root / "pusat-data" / "target.yaml"

    def running(self) -> bool:
        return lab_running(self.root)

    def up(self) -> dict[str, object]:
        """Start it (kept as it is when it already runs); a killed run's leftovers are cleaned first."""
        if not self.running():
            self._check_publishable()
            self.clean()
            lab = DataBackupLab(self.root, self.policies, self.estate or demo_estate())
            lab.up()
            self._publish(lab)
        return self.status() or {}

    def _check_publishable(self) -> None:
        for name in ("estate.yaml", "target.yaml"):
            path = self.published / name
            if path.exists() and not path.read_text().startswith(PUBLISHED_MARK):
                raise LabError(
                    f"{path} is not the lab's: simpul backup data reads it, the lab will not replace it",
                    source=str(path),
                    hint="move it away to use the lab's data backups, or set SIMPUL_STATE_DIR for the lab",
                )

    def _publish(self, lab: DataBackupLab) -> None:
        self.published.mkdir(parents=True, exist_ok=True)
        for name, source in (("estate.yaml", lab.estate_path), ("target.yaml", lab.target_path)):
            path = self.published / name
            tmp = path.with_suffix(".tmp")
            tmp.write_text(PUBLISHED_MARK + source.read_text())
            tmp.chmod(0o600)
            tmp.replace(path)

    def clean(self) -> bool:
        """Stop what the lab runs (by its state file, pid by pid), remove it and what it published."""
        stopped = stop_from_state(self.root) if self.root.exists() else False
        shutil.rmtree(self.root, ignore_errors=True)
        for name in ("estate.yaml", "target.yaml"):
            path = self.published / name
            with contextlib.suppress(OSError):
                if path.read_text().startswith(PUBLISHED_MARK):
                    path.unlink()
        return stopped

    def down(self) -> bool:
        """True when it was running."""
        was = self.running()
        self.clean()
        return was

    def status(self) -> dict[str, object] | None:
        if not self.root.exists():
            return None
        try:
            estate = yaml.safe_load((self.root / "estate.yaml").read_text()) or {}
            target = yaml.safe_load(self.target_path.read_text()) or {}
            state = json.loads((self.root / "state.json").read_text())
        except (OSError, ValueError):
            return {"running": False, "root": str(self.root)}
        servers = sorted(s for e in (estate.get("skpd") or {}).values() for s in (e.get("servers") or {}))
        return {
            "running": self.running(),
            "root": str(self.root),
            "target": target.get("listen"),
            "skpd": sorted(estate.get("skpd") or {}),
            "servers": servers,
            "databases": len(state.get("databases") or {}),
        }


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m simpul.lab.data_backup up|down DIR``: the demo estate in a directory of its own
    (``simpul lab up`` starts the lab's own; this is for trying it without NetBox)."""
    import argparse

    from simpul.settings import PROJECT_DIR

    parser = argparse.ArgumentParser(prog="python -m simpul.lab.data_backup")
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("dir", type=Path)
    args = parser.parse_args(argv)
    if args.action == "down":
        stopped = stop_from_state(args.dir)
        shutil.rmtree(args.dir, ignore_errors=True)
        return 0 if stopped else 1
    lab = DataBackupLab(args.dir, PROJECT_DIR / "backup_policies", demo_estate())
    lab.up()
    common = f"--estate {lab.estate_path} --target {lab.target_path}"
    sys.stdout.write(
        f"data-backup lab up in {lab.root} (Pusat Data on {lab.target.listen})\n"
        f"  simpul backup data run --commit {common}\n"
        f"  simpul backup data drill {common}\n"
        f"  simpul backup data status {common}\n"
        f"  python -m simpul.lab.data_backup down {lab.root}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
