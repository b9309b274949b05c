"""``simpul vps request`` against a real NetBox and the session's libvirtd: the checks, nothing
written on refusal (exit 2), and no duplicate under 20 requests started at once."""

from __future__ import annotations

import concurrent.futures
import ipaddress
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.vps.conftest import (
    SSH_KEY,
    VPS_PREFIX,
    VpsLab,
    netbox_counts,
    prepare_pusat_data,
    vps,
    vps_env,
    vps_json,
    vps_name,
)

pytestmark = [pytest.mark.netbox]


@pytest.fixture(scope="module")
def env(netbox_seeded: Any, vps_lab: VpsLab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    prepare_pusat_data(
        netbox_seeded,
        quotas={"vpsb": {"vms": 3, "vcpus": 6, "memory_mb": 4096, "disk_gb": 100}},
    )
    return vps_env(netbox_seeded, vps_lab)


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "id_ed25519.pub"
    path.write_text(SSH_KEY + "\n")
    return path


def _request(env: dict[str, str], skpd: str, name: str, *extra: str) -> tuple[int, Any]:
    return vps_json(
        "request",
        "--skpd",
        skpd,
        "--name",
        name,
        "--vcpus",
        "1",
        "--memory-mb",
        "512",
        "--disk-gb",
        "10",
        *extra,
        env=env,
    )


def test_request_records_a_planned_vps_with_an_address(
    env: dict[str, str], netbox_seeded: Any, key_file: Path
) -> None:
    name = vps_name("web")
    code, out = _request(env, "vpsa", name, "--ssh-key", str(key_file))
    assert code == 0, out
    assert out["name"] == name and out["skpd"] == "vpsa" and out["status"] == "planned"
    assert (out["vcpus"], out["memory_mb"], out["disk_gb"], out["image"]) == (1, 512, 10, "debian-12")
    assert ipaddress.ip_interface(out["ip"]).ip in ipaddress.ip_network(VPS_PREFIX)
    assert ipaddress.ip_interface(out["ip"]).ip != ipaddress.ip_address("10.40.0.1"), (
        "the gateway is never handed out"
    )
    api = netbox_seeded.api()
    vm = api.virtualization.virtual_machines.get(name=name)
    assert vm.status.value == "planned" and vm.tenant.slug == "vpsa" and vm.cluster.name == "pusat-data-kvm"
    assert vm.primary_ip4.address == out["ip"]
    assert vm.custom_fields["vps_image"] == "debian-12"
    assert vm.custom_fields["vps_ssh_keys"] == SSH_KEY
    journal = list(api.extras.journal_entries.filter(assigned_object_id=vm.id))
    assert any("requested with simpul" in j.comments for j in journal)


BAD = [
    ("unknown SKPD", ["--skpd", "tidak-ada"], "unknown SKPD"),
    ("zero vCPUs", ["--vcpus", "0"], "vcpus must be"),
    ("negative memory", ["--memory-mb", "-512"], "memory_mb must be"),
    ("zero disk", ["--disk-gb", "0"], "disk_gb must be"),
    ("bad name", ["--name", "Web_Server"], "not a valid host name"),
    ("unknown image", ["--image", "windows-2022"], "unknown image"),
    ("over quota", ["--skpd", "vpsb", "--vcpus", "8"], "quota of vpsb"),
    ("no capacity", ["--memory-mb", "70000"], "cluster capacity"),
]


@pytest.mark.parametrize(("case", "args", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_request_exits_2_and_writes_nothing(
    env: dict[str, str], netbox_seeded: Any, case: str, args: list[str], message: str
) -> None:
    api = netbox_seeded.api()
    before = netbox_counts(api)
    opts = {
        "--skpd": "vpsa",
        "--name": vps_name("bad"),
        "--vcpus": "1",
        "--memory-mb": "512",
        "--disk-gb": "10",
    }
    extra: list[str] = []
    for i in range(0, len(args), 2):
        if args[i] in opts:
            opts[args[i]] = args[i + 1]
        else:
            extra += args[i : i + 2]
    argv = [x for kv in opts.items() for x in kv] + extra
    out = vps("request", *argv, env=env)
    assert out.returncode == 2, (case, out.stdout, out.stderr)
    assert message in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    assert netbox_counts(api) == before


def test_duplicate_name_is_refused(env: dict[str, str], netbox_seeded: Any) -> None:
    name = vps_name("dup")
    assert _request(env, "vpsa", name)[0] == 0
    api = netbox_seeded.api()
    before = netbox_counts(api)
    for skpd in ("vpsa", "vpsc"):  # the same SKPD, and another: names are unique in the cluster
        out = vps(
            "request",
            "--skpd",
            skpd,
            "--name",
            name,
            "--vcpus",
            "1",
            "--memory-mb",
            "512",
            "--disk-gb",
            "1",
            env=env,
        )
        assert out.returncode == 2 and "already taken" in out.stderr, out.stderr
    assert netbox_counts(api) == before


def test_a_private_key_is_refused_before_anything(
    env: dict[str, str], tmp_path: Path, netbox_seeded: Any
) -> None:
    key = tmp_path / "id_ed25519"
    key.write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    before = netbox_counts(netbox_seeded.api())
    out = vps(
        "request",
        "--skpd",
        "vpsa",
        "--name",
        vps_name("pk"),
        "--vcpus",
        "1",
        "--memory-mb",
        "512",
        "--disk-gb",
        "1",
        "--ssh-key",
        str(key),
        env=env,
    )
    assert out.returncode == 2 and "PRIVATE key" in out.stderr
    assert "b3BlbnNzaC1rZXktdjEAAAAA" not in out.stderr + out.stdout
    assert netbox_counts(netbox_seeded.api()) == before


def test_hypervisor_down_is_a_clear_error_and_nothing_is_written(
    env: dict[str, str], netbox_seeded: Any, tmp_path: Path
) -> None:
    down = {**env, "SIMPUL_LIBVIRT_URI": f"qemu+unix:///system?socket={tmp_path}/no-such-sock"}
    before = netbox_counts(netbox_seeded.api())
    out = vps(
        "request",
        "--skpd",
        "vpsa",
        "--name",
        vps_name("down"),
        "--vcpus",
        "1",
        "--memory-mb",
        "512",
        "--disk-gb",
        "1",
        env=down,
    )
    assert out.returncode == 2, out.stderr
    assert "E9101" in out.stderr and "cannot be reached" in out.stderr and "nothing was written" in out.stderr
    assert netbox_counts(netbox_seeded.api()) == before


def _parallel(env: dict[str, str], jobs: list[tuple[str, str]]) -> list[tuple[int, Any, str]]:
    """Start every ``simpul vps request`` at once (one process each), as 20 operators would."""

    def one(job: tuple[str, str]) -> tuple[int, Any, str]:
        skpd, name = job
        out = vps(
            "request",
            "--skpd",
            skpd,
            "--name",
            name,
            "--vcpus",
            "1",
            "--memory-mb",
            "256",
            "--disk-gb",
            "5",
            "--json",
            env=env,
        )
        return out.returncode, json.loads(out.stdout) if out.returncode == 0 else None, out.stderr

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(one, jobs))


def _no_duplicates(api: Any) -> list[Any]:
    vms = list(api.virtualization.virtual_machines.filter(cluster="pusat-data-kvm"))
    names = Counter(vm.name.lower() for vm in vms)
    assert [n for n, c in names.items() if c > 1] == []
    ips = Counter(ip.address for ip in api.ipam.ip_addresses.filter(parent=VPS_PREFIX))
    assert [a for a, c in ips.items() if c > 1] == []
    return vms


def test_twenty_parallel_requests_get_twenty_distinct_addresses(
    env: dict[str, str], netbox_seeded: Any
) -> None:
    jobs = [(("vpsa", "vpsc", "vpsd")[i % 3], vps_name(f"par{i:02d}")) for i in range(20)]
    results = _parallel(env, jobs)
    assert [code for code, _, _ in results] == [0] * 20, [err for code, _, err in results if code]
    ips = [out["ip"] for _, out, _ in results]
    assert len(set(ips)) == 20
    _no_duplicates(netbox_seeded.api())


def test_racing_for_one_name_or_the_last_quota_never_duplicates(
    env: dict[str, str], netbox_seeded: Any
) -> None:
    """6 requests for one name and 8 for an SKPD with room for 3 VPS, all at once: at most one of
    the name, at most 3 for the SKPD; every other one a clear refusal that left nothing behind."""
    same = vps_name("same")
    jobs = [("vpsa", same)] * 6 + [("vpsb", vps_name(f"q{i}")) for i in range(8)]
    results = _parallel(env, jobs)
    for code, _, err in results:
        assert code == 0 or (code == 2 and "refused" in err), err
    api = netbox_seeded.api()
    vms = _no_duplicates(api)
    assert 1 >= sum(vm.name == same for vm in vms) >= 0
    quota_b = [vm for vm in vms if vm.tenant and vm.tenant.slug == "vpsb"]
    assert 1 <= len(quota_b) <= 3
    assert sum(code == 0 for code, _, _ in results[6:]) == len(quota_b)
    # a backed-out request leaves no address behind
    recorded = {vm.primary_ip4.address for vm in vms if vm.primary_ip4}
    addresses = {
        ip.address for ip in api.ipam.ip_addresses.filter(parent=VPS_PREFIX) if ip.status.value == "active"
    }
    assert addresses <= recorded
