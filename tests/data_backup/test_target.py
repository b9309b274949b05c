"""The Pusat Data target (real rclone serve restic --append-only --private-repos, real restic):
one private repository per SKPD, append-only for the SKPD, retention and check with the Dinas key."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from simpul.core.data_backup import repository_location
from simpul.lab.data_backup import DataBackupLab, LabServer, LabSkpd
from simpul.providers.restic import Restic, ResticError, read_htpasswd
from simpul.services.data_backup import SkpdCredentials, dinas_restic, ensure_repository
from tests.data_backup.conftest import files, make_lab

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(policies: Path) -> Iterator[DataBackupLab]:
    estate = (
        LabSkpd("disdik", "berkas", (LabServer("disdik", "srv-disdik-01", files=files("/srv/dapodik", 3)),)),
        LabSkpd("dinkes", "berkas", (LabServer("dinkes", "srv-dinkes-01", files=files("/srv/simpus", 3)),)),
    )
    yield from make_lab(policies, estate)


def skpd_client(lab: DataBackupLab, skpd: str, *, repo_of: str | None = None) -> Restic:
    """What an SKPD server holds: its HTTP user and its repository key, through the REST server."""
    creds = lab.creds[skpd]
    location = repository_location(lab.target, repo_of or skpd, creds.http_password).replace(
        f"//{repo_of or skpd}:", f"//{skpd}:"
    )
    return Restic(location, password=creds.repo_password, repository_secret=True, name=skpd)


def _backup(client: Restic, tmp_path: Path) -> str:
    (tmp_path / "f.txt").write_text(f"data {time.time()}")
    result = client.run("backup", "--json", "--host", "srv", str(tmp_path / "f.txt"))
    return str(result.json_lines()[-1]["snapshot_id"])


def test_skpd_can_back_up_and_read_its_own(lab: DataBackupLab, tmp_path: Path) -> None:
    client = skpd_client(lab, "disdik")
    snap = _backup(client, tmp_path)
    assert any(s["id"].startswith(snap) for s in client.snapshots())


def test_cross_skpd_credentials_are_refused(lab: DataBackupLab) -> None:
    """disdik's HTTP user on dinkes's repository: 403 from --private-repos, before any key is tried."""
    cross = skpd_client(lab, "disdik", repo_of="dinkes")
    with pytest.raises(ResticError) as caught:
        cross.snapshots()
    assert caught.value.category == "refused", caught.value.reason
    # and disdik's key cannot open dinkes's repository even with the right HTTP user
    wrong_key = Restic(
        repository_location(lab.target, "dinkes", lab.creds["dinkes"].http_password),
        password=lab.creds["disdik"].repo_password,
        repository_secret=True,
    )
    with pytest.raises(ResticError) as caught:
        wrong_key.snapshots()
    assert caught.value.category == "auth"


def test_client_forget_is_refused_quickly_and_nothing_is_lost(lab: DataBackupLab, tmp_path: Path) -> None:
    """Append-only: the SKPD (or ransomware on its server) cannot forget. restic 0.14 would retry the
    403 for ~49 s; simpul's runner stops it at the first retry and says why."""
    client = skpd_client(lab, "disdik")
    snap = _backup(client, tmp_path)
    before = {s["id"] for s in client.snapshots()}
    start = time.monotonic()
    with pytest.raises(ResticError) as caught:
        client.run("forget", snap)
    elapsed = time.monotonic() - start
    assert caught.value.category == "refused" and "403" in caught.value.message
    print(f"client forget refused after {elapsed:.2f} s")  # restic alone: ~49 s (LAB_FACTS)
    data = Path(lab.target.repo_dir("disdik"))
    packs = sorted(p.name for p in (data / "data").rglob("*") if p.is_file())
    try:
        client.run("prune")  # nothing to delete: restic finishes without asking the server to
    except ResticError as err:
        assert err.category == "refused"
    assert sorted(p.name for p in (data / "data").rglob("*") if p.is_file()) == packs
    assert not list((data / "locks").iterdir()), "the stopped restic's lock was removed"
    assert {s["id"] for s in client.snapshots()} == before
    assert dinas_restic(lab.target, "disdik").check().returncode == 0


def test_dinas_key_prunes_on_the_pusat_data_side(lab: DataBackupLab, tmp_path: Path) -> None:
    client = skpd_client(lab, "dinkes")
    snap = _backup(client, tmp_path)
    dinas = dinas_restic(lab.target, "dinkes")
    dinas.forget([snap])
    dinas.prune()
    assert not any(s["id"].startswith(snap) for s in dinas.snapshots())
    assert dinas.check(read_data_subset="100%").returncode == 0


def test_ensure_repository_is_idempotent_and_supports_check_mode(lab: DataBackupLab) -> None:
    target = lab.target
    creds = lab.creds["disdik"]
    assert not ensure_repository(target, creds).changed
    newcomer = SkpdCredentials.generate("bappeda")
    planned = ensure_repository(target, newcomer, check_mode=True)
    assert planned.actions == (
        "create the Dinas key",
        "initialise the repository",
        "add the SKPD key",
        "set the SKPD's HTTP user",
    )
    assert not Path(target.repo_dir("bappeda")).exists() and "bappeda" not in read_htpasswd(
        Path(target.htpasswd)
    )
    assert ensure_repository(target, newcomer).actions == planned.actions
    assert not ensure_repository(target, newcomer).changed
    key = Path(target.key_file("bappeda"))
    assert key.stat().st_mode & 0o777 == 0o600 and key.parent.stat().st_mode & 0o777 == 0o700


def test_rotating_the_skpd_password_replaces_its_key(lab: DataBackupLab, tmp_path: Path) -> None:
    old = SkpdCredentials.generate("setwan")
    ensure_repository(lab.target, old)
    new = SkpdCredentials("setwan", old.http_password, "rotated-" + old.repo_password)
    assert ensure_repository(lab.target, new).actions == ("rotate the SKPD key",)
    repo = lab.target.repo_dir("setwan")
    assert Restic(repo, password=new.repo_password).opens()
    assert not Restic(repo, password=old.repo_password).opens()
    users = [k["userName"] for k in dinas_restic(lab.target, "setwan").key_list()]
    assert len(users) == 2 and users.count("skpd-setwan") == 1, users  # the Dinas key and the new SKPD key
