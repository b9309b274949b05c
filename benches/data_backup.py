"""Benchmark: SKPD data backups and restore drills, simpul vs the same done by hand with restic.

    .venv/bin/python benches/data_backup.py [--gb 1.0] [--rows 20000] [--files 200] [--json FILE]

Everything real, on this host (the data-backup lab): a Pusat Data (``rclone serve restic
--append-only --private-repos`` on loopback), SKPD servers as directory trees with their own
PostgreSQL 15 / MariaDB. Two datasets:

- **demo**: the demo regency's Disdukcapil (policy kritis: /var/www with ``--files`` documents of
  0.2-8 KB, /etc, PostgreSQL ``simduk`` with ``--rows`` residents, MariaDB ``arsip``) and Disdik
  (mandiri-tik: /srv with half as many documents, PostgreSQL ``dapodik``);
- **1 GB**: one server with ``--gb`` GB of files (64 MiB files; half random, half text).

For each: the first backup; then three more (each after changing 1 % of the data) and two restore
drills, each pair alternating which of simpul and "by hand" goes first, the median kept (the
machine may be shared).
"By hand" is what an operator types with restic alone, into a repository of its own on the same
server, with the same credentials handling: ``restic backup PATH`` per path, ``pg_dump | restic
backup --stdin`` (with ``set -o pipefail``) per database, and for the drill ``restic restore latest
--verify`` plus each dump loaded into a scratch PostgreSQL/MariaDB and queried. simpul does more per
run (stale-lock cleanup, a run marker, JSON reports, an evidence file per drill): the ratio says
what that costs. borgmatic is not measured (not installed here; its spot check does not restore).

Printed: seconds for each step, MB/s, restore seconds per GB, and simpul / by-hand.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simpul.lab.data_backup import DataBackupLab, LabServer, LabSkpd, demo_estate, lab_tempdir  # noqa: E402
from simpul.providers.scratch_db import ScratchMariaDB, ScratchPostgres  # noqa: E402
from simpul.services.data_backup import (  # noqa: E402
    DrillRequest,
    RunRequest,
    SkpdCredentials,
    Sources,
    ensure_repository,
    restore_drill,
    run_backups,
)
from simpul.settings import load_settings  # noqa: E402

BENCH_POLICY = """\
version: 1
description: benchmark, files only
sources:
  paths:
    - path: /data
schedule: daily
rpo_hours: 26
retention: {keep_last: 3}
drill: {every_days: 30}
"""
MIB = 1024 * 1024


def write_dataset(root: Path, gb: float) -> int:
    """``gb`` GB of 64 MiB files under ``root``/data: half random (incompressible), half text."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    count = max(1, round(gb * 1024 / 64))
    words = [f"kata{i}" for i in range(5000)]
    for i in range(count):
        path = data / f"berkas-{i:04d}.bin"
        if i % 2 == 0:
            path.write_bytes(os.urandom(64 * MIB))
        else:
            chunk = (" ".join(rng.choice(words) for _ in range(20000)) + "\n").encode()
            path.write_bytes((chunk * (64 * MIB // len(chunk) + 1))[: 64 * MIB])
    return count * 64 * MIB


def change_one_percent(root: Path, seed: int) -> None:
    """Rewrite 1 % of each large file's bytes in place (scattered 64 KiB blocks); touch 5 % of the
    small documents."""
    rng = random.Random(seed)
    for path in sorted(
        p for p in root.rglob("*") if p.is_file() and "cache" not in p.parts and "etc" not in p.parts
    ):
        size = path.stat().st_size
        if size < 64 * 1024:
            if rng.random() < 0.05:
                path.write_text(path.read_text(errors="replace") + f"\nubah {seed}\n")
            continue
        with path.open("r+b") as handle:
            for _ in range(max(1, size // (100 * 64 * 1024))):
                handle.seek(rng.randrange(0, size - 64 * 1024))
                handle.write(os.urandom(64 * 1024))


def sh(script: str, env: dict[str, str]) -> float:
    start = time.monotonic()
    subprocess.run(
        ["bash", "-c", script], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    return time.monotonic() - start


class ByHand:
    """An operator's restic commands, into a repository of their own (same server, same care with secrets)."""

    def __init__(self, lab: DataBackupLab, skpd: str) -> None:
        self.lab, self.skpd = lab, skpd
        self.name = f"manual-{skpd}"
        self.creds = SkpdCredentials.generate(self.name)
        ensure_repository(lab.target, self.creds)
        etc = lab.root / "manual" / skpd
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "repository").write_text(
            f"rest:http://{self.name}:{self.creds.http_password}@{lab.target.listen}/{self.name}/\n"
        )
        (etc / "password").write_text(self.creds.repo_password + "\n")
        for f in etc.iterdir():
            f.chmod(0o600)
        self.env = {
            **os.environ,
            "RESTIC_REPOSITORY_FILE": str(etc / "repository"),
            "RESTIC_PASSWORD_FILE": str(etc / "password"),
            "RESTIC_CACHE_DIR": str(etc / "cache"),
        }

    def backup_script(self, server: LabServer, paths: list[str]) -> str:
        root = self.lab.server_root(server.name)
        lines = ["set -euo pipefail"]
        for path in paths:
            lines.append(f"restic backup -q --host {server.name} --exclude '*/cache/*' {root}{path}")
        access = self._access(server)
        for db in server.postgres:
            pg = access.postgres
            assert pg is not None
            lines.append(
                f"PGPASSFILE={root}/etc/simpul-backup/pgpass pg_dump -h {pg.host} -p {pg.port} -U {pg.user} "
                f"--no-password {db} | restic backup -q --host {server.name} --stdin "
                f"--stdin-filename {db}.sql"
            )
        for db in server.mariadb:
            lines.append(
                f"mariadb-dump --defaults-extra-file={root}/etc/simpul-backup/my.cnf --single-transaction "
                f"--databases {db} | restic backup -q --host {server.name} --stdin "
                f"--stdin-filename {db}.mysql"
            )
        return "\n".join(lines)

    def _access(self, server: LabServer) -> Any:
        import yaml

        from simpul.core.data_backup import Estate

        estate = Estate.model_validate(yaml.safe_load(self.lab.estate_path.read_text()))
        return estate.skpd[server.skpd].servers[server.name]

    def drill(self, server: LabServer, scratch: Path) -> float:
        """On the Pusat Data, like simpul's drill (the repository directory, not the REST server):
        restore every path snapshot (verified) and load every dump into a scratch server, timed."""
        start = time.monotonic()
        env = {**self.env, "RESTIC_REPOSITORY": self.lab.target.repo_dir(self.name)}
        env.pop("RESTIC_REPOSITORY_FILE")
        snaps = json.loads(
            subprocess.run(
                ["restic", "snapshots", "--json", "--latest", "1"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        pg = my = None
        try:
            for snap in snaps:
                path = snap["paths"][0]
                out = scratch / snap["short_id"]
                if path.endswith(".sql") or path.endswith(".mysql"):
                    dump = out.with_suffix(".dump")
                    with dump.open("wb") as handle:
                        subprocess.run(
                            ["restic", "dump", snap["id"], path], env=env, stdout=handle, check=True
                        )
                    name = Path(path).stem
                    if path.endswith(".sql"):
                        pg = pg or ScratchPostgres(scratch / "pg").start()
                        pg.create_database(name)
                        pg.load(name, dump)
                        pg.sql(
                            "select count(*) from pg_catalog.pg_tables where schemaname = 'public'", db=name
                        )
                    else:
                        my = my or ScratchMariaDB(scratch / "my").start()
                        my.load(dump)
                        my.sql(
                            "select count(*) from information_schema.tables where table_schema = database()",
                            name,
                        )
                else:
                    subprocess.run(
                        ["restic", "restore", snap["id"], "--target", str(out), "--verify"],
                        env=env,
                        check=True,
                        capture_output=True,
                    )
        finally:
            for server_db in (pg, my):
                if server_db is not None:
                    server_db.stop()
        return time.monotonic() - start


def bench(lab: DataBackupLab, skpds: list[LabSkpd], label: str, change_roots: list[Path]) -> dict[str, Any]:
    # one SKPD at a time for both (simpul runs SKPD concurrently by default)
    env = {"SIMPUL_STATE_DIR": str(lab.root / "state"), "SIMPUL_WORKERS": "1"}
    settings = load_settings(env=env, settings_file=False)
    sources = Sources(estate=lab.estate_path, target=lab.target_path, policies=lab.policies_dir)
    names = tuple(s.skpd for s in skpds)
    out: dict[str, Any] = {"dataset": label}
    hands = {s.skpd: ByHand(lab, s.skpd) for s in skpds}

    def hand_backup() -> float:
        total = 0.0
        for s in skpds:
            paths = [p.path for p in lab.policy(s.policy or "").path_sources]
            for server in s.servers:
                total += sh(hands[s.skpd].backup_script(server, paths), hands[s.skpd].env)
        return total

    def simpul_backup() -> float:
        start = time.monotonic()
        result = run_backups(settings, RunRequest(skpd=names, sources=sources, commit=True))
        assert result.exit_code == 0, result.as_json()
        return time.monotonic() - start

    def hand_drill() -> float:
        scratch = lab_tempdir("simpul-bench-scratch-")
        try:
            return sum(hands[s.skpd].drill(server, scratch) for s in skpds for server in s.servers)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    drills: list[Any] = []

    def simpul_drill() -> float:
        start = time.monotonic()
        result = restore_drill(settings, DrillRequest(skpd=names, sources=sources, seed=1))
        assert result.exit_code == 0, result.as_json()
        drills.append(result)
        return time.monotonic() - start

    # The machine may be shared: each pair alternates which goes first, and the median is kept.
    out["hand_first"] = hand_backup()
    out["simpul_first"] = simpul_backup()
    second: dict[str, list[float]] = {"hand": [], "simpul": []}
    for i in range(3):
        for root in change_roots:
            change_one_percent(root, seed=i + 1)
        pair = [("hand", hand_backup), ("simpul", simpul_backup)]
        for who, step in pair if i % 2 == 0 else pair[::-1]:
            second[who].append(step())
    drill: dict[str, list[float]] = {"hand": [], "simpul": []}
    for i in range(2):
        pair = [("hand", hand_drill), ("simpul", simpul_drill)]
        for who, step in pair if i % 2 == 0 else pair[::-1]:
            drill[who].append(step())
    for who in ("hand", "simpul"):
        out[f"{who}_second"] = statistics.median(second[who])
        out[f"{who}_drill"] = statistics.median(drill[who])
    out["runs"] = {"second": second, "drill": drill}
    out["restored_bytes"] = sum(d.bytes_restored for d in drills[-1].drills)
    out["restore_seconds"] = sum(d.restore_seconds for d in drills[-1].drills)
    return out


def report(rows: list[dict[str, Any]], sizes: dict[str, int]) -> None:
    print(f"{'dataset':10} {'step':14} {'by hand s':>10} {'simpul s':>10} {'simpul/hand':>12}")
    for row in rows:
        for step in ("first", "second", "drill"):
            hand, ours = row[f"hand_{step}"], row[f"simpul_{step}"]
            print(f"{row['dataset']:10} {step:14} {hand:10.2f} {ours:10.2f} {ours / hand:11.2f}x")
        mib, restored = sizes[row["dataset"]] / MIB, row["restored_bytes"] / MIB
        per_gb = row["restore_seconds"] / (restored / 1024) if restored else 0.0
        print(
            f"{row['dataset']:10} files {mib:.1f} MiB: first backup {mib / row['simpul_first']:.1f} MiB/s; "
            f"drill restored and proved {restored:.1f} MiB in {row['restore_seconds']:.1f} s "
            f"({per_gb:.1f} s/GB)"
        )


def tree_bytes(paths: list[Path]) -> int:
    return sum(p.stat().st_size for root in paths for p in root.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gb", type=float, default=1.0, help="size of the large dataset (0: skip it)")
    parser.add_argument("--rows", type=int, default=20000, help="residents in the demo's PostgreSQL")
    parser.add_argument("--files", type=int, default=200, help="documents on the demo's Disdukcapil server")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()

    policies = lab_tempdir("simpul-bench-policies-")
    for name in ("kritis", "mandiri-tik"):
        shutil.copy(ROOT / "backup_policies" / f"{name}.yaml", policies / f"{name}.yaml")
    (policies / "bench.yaml").write_text(BENCH_POLICY)
    demo = [s for s in demo_estate(rows=args.rows, files=args.files) if s.skpd in ("disdukcapil", "disdik")]
    big = LabSkpd("bappeda", "bench", (LabServer("bappeda", "srv-bappeda-01", files={"/data/.keep": ""}),))
    estate = (*demo, big) if args.gb > 0 else tuple(demo)
    lab = DataBackupLab(lab_tempdir("simpul-bench-"), policies, estate)
    rows = []
    try:
        t0 = time.monotonic()
        lab.up()
        print(f"lab up in {time.monotonic() - t0:.1f} s ({lab.root})", flush=True)
        demo_roots = [lab.server_root(srv.name) for s in demo for srv in s.servers]
        sizes = {"demo": tree_bytes(demo_roots)}
        rows.append(bench(lab, demo, "demo", demo_roots))
        print(json.dumps(rows[-1]), flush=True)
        if args.gb > 0:
            big_root = lab.server_root("srv-bappeda-01")
            sizes["1gb"] = write_dataset(big_root, args.gb)
            rows.append(bench(lab, [big], "1gb", [big_root / "data"]))
            print(json.dumps(rows[-1]), flush=True)
        print()
        report(rows, sizes)
        if args.json:
            args.json.write_text(json.dumps({"rows": rows, "sizes": sizes}, indent=2))
    finally:
        lab.remove()
        shutil.rmtree(policies, ignore_errors=True)


if __name__ == "__main__":
    main()
