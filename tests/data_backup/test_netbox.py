"""The SKPD, their policies and their servers come from NetBox (the seeded demo regency): the tenant's
``backup_policy`` custom field names the policy, the policy's selector picks the devices/VMs (the
Mandiri TIK SKPD's own servers, tagged simpul-backup; the VPS of an SKPD without servers of its own
once it is in service). No agent is contacted here: dry run and status only."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simpul.services.data_backup import (
    RunRequest,
    Sources,
    StatusRequest,
    backup_status,
    load_estate,
    run_backups,
)
from tests.conftest import LabNetBox
from tests.data_backup.conftest import ROOT

pytestmark = [pytest.mark.netbox, pytest.mark.slow]


def _target(tmp_path: Path) -> Path:
    target = tmp_path / "target.yaml"
    target.write_text(
        yaml.safe_dump(
            {
                "repos_dir": str(tmp_path / "repos"),
                "htpasswd": str(tmp_path / "htpasswd"),
                "keys_dir": str(tmp_path / "keys"),
                "reports_dir": str(tmp_path / "reports"),
            }
        )
    )
    return target


def test_estate_from_netbox(netbox_seeded: LabNetBox, tmp_path: Path) -> None:
    settings = netbox_seeded.settings(SIMPUL_STATE_DIR=str(tmp_path))
    estate = load_estate(settings, Sources(), ROOT / "backup_policies")
    assert estate.skpd["setwan"].policy == "standar"
    assert estate.skpd["rsud"].policy == "kritis"
    assert list(estate.skpd["disdukcapil"].servers) == ["srv-disdukcapil-01"]
    assert estate.skpd["disdukcapil"].servers["srv-disdukcapil-01"].runner == "ssh"
    assert estate.skpd["disdukcapil"].servers["srv-disdukcapil-01"].host == "10.40.1.10"
    assert list(estate.skpd["disdik"].servers) == ["srv-disdik-01"]
    assert estate.skpd["setwan"].servers == {}, "its VPS is planned: not in service, no agent yet"
    assert estate.skpd["rsud"].servers == {}, "the demo has no RSUD server in NetBox"


def test_a_vps_in_service_runs_the_agent(netbox_seeded: LabNetBox, tmp_path: Path) -> None:
    api = netbox_seeded.api()
    vm = api.virtualization.virtual_machines.get(name="vps-setwan-01")
    vm.update({"status": "active"})
    try:
        settings = netbox_seeded.settings(SIMPUL_STATE_DIR=str(tmp_path))
        estate = load_estate(settings, Sources(), ROOT / "backup_policies")
        assert list(estate.skpd["setwan"].servers) == ["vps-setwan-01"], "the SKPD's VPS runs its agent"
        assert estate.skpd["setwan"].servers["vps-setwan-01"].host == "10.40.0.10"
    finally:
        vm.update({"status": "planned"})


def test_dry_run_and_status_from_netbox(netbox_seeded: LabNetBox, tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "data-backup").mkdir(parents=True)
    # the lab's override: where vps-setwan-01's agent really runs (never its NetBox address)
    (state / "data-backup/estate.yaml").write_text(
        yaml.safe_dump(
            {
                "skpd": {
                    "disdukcapil": {
                        "servers": {"srv-disdukcapil-01": {"runner": "local", "root": str(tmp_path)}}
                    }
                }
            }
        )
    )
    settings = netbox_seeded.settings(SIMPUL_STATE_DIR=str(state))
    sources = Sources(target=_target(tmp_path))
    run = run_backups(settings, RunRequest(skpd=("disdukcapil", "setwan"), sources=sources))
    by = {s.skpd: s for s in run.skpd}
    assert run.dry_run and by["disdukcapil"].servers[0].server == "srv-disdukcapil-01"
    plan = by["disdukcapil"].servers[0].plan
    assert any("pg_dump" in step for step in plan) and any("mysqldump" in step for step in plan), "kritis"
    assert by["setwan"].skipped == "no server carries the policy's role or tag"
    refused = run_backups(settings, RunRequest(skpd=("disdik",), sources=sources, commit=True))
    (server,) = refused.skpd[0].servers
    assert (server.server, server.reason) == ("srv-disdik-01", "refused: not simulated in the lab")
    status = backup_status(settings, StatusRequest(sources=sources))
    codes = {s.skpd: {f.code for f in s.findings} for s in status.statuses}
    assert codes["disdukcapil"] == {"DBK-004"}, "a server never backed up: Pasal 16 ayat (1)"
    assert codes["setwan"] == {"DBK-003", "DBK-004"}
    assert len(status.statuses) >= 30 and status.exit_code == 1
