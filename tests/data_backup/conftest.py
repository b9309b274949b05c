"""Fixtures for the SKPD data backup tests: a real Pusat Data (rclone serve restic), real SKPD servers
(directory trees + their own PostgreSQL 15 / MariaDB), real restic. No mocks.

Every lab lives in a fresh directory under /var/tmp on free loopback ports and stops exactly the
processes it started in a ``finally``: a killed earlier run leaves nothing these tests depend on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from simpul.lab.data_backup import DataBackupLab, LabServer, LabSkpd, lab_tempdir
from simpul.services.data_backup import Sources
from simpul.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

# A policy for the tests: the shape of the real ones, with a small sample so drills stay quick.
TEST_POLICY = """\
version: 1
description: test policy
sources:
  paths:
    - path: /srv
      exclude: ["*.tmp", "*/cache/*"]
  databases:
    - engine: postgresql
      names: all
      check_query: select count(*) from penduduk
schedule: "*-*-* 00/6:00:00"
rpo_hours: 8
retention: {keep_last: 2, keep_daily: 3}
drill: {every_days: 7, snapshot: latest}
"""

FILES_ONLY_POLICY = """\
version: 1
sources:
  paths:
    - path: /srv
schedule: daily
rpo_hours: 26
retention: {keep_last: 3}
drill: {every_days: 30, sample_files: 3}
"""

PENDUDUK = (
    "create table penduduk (nik char(16) primary key, nama text);\n"
    "insert into penduduk select lpad(i::text, 16, '0'), 'Warga ' || i from generate_series(1, 500) i;\n"
)


def files(prefix: str, count: int, size: int = 3000) -> dict[str, str | bytes]:
    out: dict[str, str | bytes] = {
        f"{prefix}/data/{i:03d}.txt": f"{i}\n" + "x" * (size + i) for i in range(count)
    }
    out[f"{prefix}/cache/skip.bin"] = b"\0" * 100
    out[f"{prefix}/work.tmp"] = "excluded"
    return out


def write_policies(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "uji.yaml").write_text(TEST_POLICY)
    (directory / "berkas.yaml").write_text(FILES_ONLY_POLICY)
    for name in ("kritis", "mandiri-tik", "standar"):
        shutil.copy(ROOT / "backup_policies" / f"{name}.yaml", directory / f"{name}.yaml")
    return directory


def standard_estate() -> tuple[LabSkpd, ...]:
    """disdukcapil: files + PostgreSQL; disdik: files only; bappeda: no policy at all."""
    return (
        LabSkpd(
            "disdukcapil",
            "uji",
            (
                LabServer(
                    "disdukcapil",
                    "srv-disdukcapil-01",
                    files=files("/srv/simduk", 12),
                    postgres={"simduk": PENDUDUK},
                ),
            ),
        ),
        LabSkpd("disdik", "berkas", (LabServer("disdik", "srv-disdik-01", files=files("/srv/dapodik", 8)),)),
        LabSkpd("bappeda", None),
    )


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_policies(tmp_path_factory.mktemp("policies"))


def make_lab(policies: Path, estate: tuple[LabSkpd, ...]) -> Iterator[DataBackupLab]:
    lab = DataBackupLab(lab_tempdir(), policies, estate)
    try:
        lab.up()
        yield lab
    finally:
        lab.remove()


@pytest.fixture(scope="module")
def lab(policies: Path) -> Iterator[DataBackupLab]:
    """The standard lab, once per test module (each module gets its own, fresh)."""
    yield from make_lab(policies, standard_estate())


def lab_settings(lab: DataBackupLab) -> Settings:
    return load_settings(env={"SIMPUL_STATE_DIR": str(lab.root / "state")}, settings_file=False)


def lab_sources(lab: DataBackupLab) -> Sources:
    return Sources(estate=lab.estate_path, target=lab.target_path, policies=lab.policies_dir)


def cli(lab: DataBackupLab, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The real ``simpul backup data`` app as a user runs it (mounted here the way the lead will)."""
    code = "from simpul.cli.data_backup import app; app(prog_name='simpul backup data')"
    common = [
        "--estate",
        str(lab.estate_path),
        "--target",
        str(lab.target_path),
        "--policies",
        str(lab.policies_dir),
    ]
    env = {**os.environ, "SIMPUL_STATE_DIR": str(lab.root / "state"), "COLUMNS": "200"}
    return subprocess.run(
        [PYTHON, "-c", code, *args, *common],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
