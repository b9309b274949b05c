"""``simpul bandwidth verify --endpoints FILE`` against "the user's own gear", all real parts.

The gear is built here as root: the bandwidth lab's namespaces (a core shaping with the rendered tc
plan, an ISP namespace running one iperf3 server per SKPD) and, in each SKPD namespace, a real sshd
reached from 127.0.0.1:<port> through socat (the way ``simpul.lab.netns`` exposes its edges). The
CLI only gets an endpoints file and device credentials, exactly as a user would give them.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from simpul.core.bandwidth import GOODPUT_FACTOR, TOLERANCE
from simpul.lab import bwlab
from simpul.lab.netbox_lab import free_port
from simpul.lab.netns import _accounts, _listening, _sshd_config
from simpul.templates.bandwidth import render_bandwidth

from .conftest import DATA, load_plan

PLAN = str(DATA / "plan3.yaml")
USER = "bwgear"
PREFIX = f"s{os.getpid()}-bwe-"  # per session; conftest sweeps a killed session's leftovers


def needs_root(test: Callable[..., None]) -> Callable[..., None]:
    """The marks of a test on real namespaces (the file's other tests need no root)."""
    for mark in (
        pytest.mark.netns,
        pytest.mark.slow,
        pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces, tc and sshd"),
    ):
        test = mark(test)
    return test


@dataclass
class Gear:
    lab: bwlab.BwLab
    ssh_ports: dict[str, int]  # slug -> 127.0.0.1 port forwarded to that SKPD's sshd
    password: str

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SIMPUL_DEVICE_USERNAME": USER,
            "SIMPUL_DEVICE_PASSWORD": self.password,
            "SIMPUL_DEVICE_TIMEOUT": "10",
        }

    def endpoints(
        self, path: Path, ssh_port: dict[str, int] | None = None, port: dict[str, int] | None = None
    ) -> Path:
        """An endpoints file for every SKPD; ``ssh_port`` / ``port`` override some clients' ports."""
        ssh_port, port = ssh_port or {}, port or {}
        data = {
            "server": bwlab.ISP_ADDR,
            "clients": {
                s.slug: {
                    "host": "127.0.0.1",
                    "ssh_port": ssh_port.get(s.slug, self.ssh_ports[s.slug]),
                    "port": port.get(s.slug, s.port),
                }
                for s in self.lab.skpds
            },
        }
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path


def _namespaces() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(PREFIX)]


def _stop(procs: list[subprocess.Popen[bytes]], namespaces: list[str]) -> None:
    for proc in procs:  # each was started in its own session: its group is its forks
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    for ns in namespaces:  # sshd's session children left in our namespaces
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, check=False)
        for pid in pids.stdout.split():
            os.kill(int(pid), signal.SIGKILL)


@pytest.fixture(scope="module")
def gear(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gear]:
    plan = load_plan("plan3.yaml")
    lab = bwlab.build(plan.active(), PREFIX)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        bwlab.apply_tc(lab, render_bandwidth(plan, "linux", uplink=bwlab.UPLINK))
        bwlab.start_servers(lab)
        root = tmp_path_factory.mktemp("gear")
        password = secrets.token_urlsafe(12)
        digest = subprocess.run(
            ["openssl", "passwd", "-6", "-stdin"],
            input=password + "\n",
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        ports: dict[str, int] = {}
        for skpd in lab.skpds:
            files = root / skpd.slug
            files.mkdir()
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(files / "ssh_host_ed25519_key")],
                check=True,
            )
            (files / "sshd_config").write_text(_sshd_config(files, USER))
            _accounts(files, USER, digest)
            # the bind mounts stay in the private mount namespace `ip netns exec` gives this sshd
            script = (
                f"mount --bind {shlex.quote(str(files / 'passwd'))} /etc/passwd"
                f" && mount --bind {shlex.quote(str(files / 'shadow'))} /etc/shadow"
                f" && exec /usr/sbin/sshd -D -e -f {shlex.quote(str(files / 'sshd_config'))}"
            )
            ports[skpd.slug] = port = free_port()
            target = f"EXEC:ip netns exec {skpd.ns} socat STDIO TCP\\:127.0.0.1\\:22"
            with (files / "sshd.log").open("ab") as log:
                procs.append(
                    subprocess.Popen(
                        ["ip", "netns", "exec", skpd.ns, "sh", "-c", script],
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=log,
                        start_new_session=True,
                    )
                )
                procs.append(
                    subprocess.Popen(
                        ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork", target],
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=log,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 15
        while not all((root / s.slug / "sshd.pid").exists() and _listening(ports[s.slug]) for s in lab.skpds):
            assert time.monotonic() < deadline, "sshd/socat did not start: " + ", ".join(
                (root / s.slug / "sshd.log").read_text()[-300:] for s in lab.skpds
            )
            time.sleep(0.05)
        yield Gear(lab=lab, ssh_ports=ports, password=password)
    finally:
        _stop(procs, [s.ns for s in lab.skpds])
        bwlab.teardown(PREFIX, lab)
        assert _namespaces() == []


def _verify(simpul_cli, gear: Gear, endpoints: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    run = simpul_cli(
        "bandwidth",
        "verify",
        "--plan",
        PLAN,
        "--endpoints",
        str(endpoints),
        "--json",
        *extra,
        env=gear.env(),
    )
    assert gear.password not in run.stdout + run.stderr
    return run


@needs_root
def test_endpoints_alone_reach_mir_and_contended_keep_cir(simpul_cli, gear: Gear, tmp_path: Path) -> None:
    run = _verify(simpul_cli, gear, gear.endpoints(tmp_path / "endpoints.yaml"), "--seconds", "3")
    assert run.returncode == 0, (run.stdout, run.stderr)
    data = json.loads(run.stdout)
    assert (data["ok"], data["mode"], data["scale"]) == (True, "endpoints", 1.0)
    assert set(data["skpd"]) == {"disdik", "dinkes", "bappeda"} and data["unmeasured"] == []
    for alloc in load_plan("plan3.yaml").active():
        got = data["skpd"][alloc.slug]
        assert (got["cir"], got["mir"]) == (alloc.cir_mbps, alloc.mir_mbps)
        expected_alone = alloc.mir_mbps * GOODPUT_FACTOR
        assert abs(got["alone_mbps"] - expected_alone) <= TOLERANCE * expected_alone, got
        assert got["contended_mbps"] >= alloc.cir_mbps * GOODPUT_FACTOR * (1 - TOLERANCE), got
        assert got["ok"] is True and "error" not in got
    assert sum(v["contended_mbps"] for v in data["skpd"].values()) <= 50 * (1 + TOLERANCE)


@needs_root
def test_a_partial_run_names_the_skpd_it_left_out(simpul_cli, gear: Gear, tmp_path: Path) -> None:
    # with only some SKPD loaded the contended figure is easier to reach: the output says so
    run = _verify(simpul_cli, gear, gear.endpoints(tmp_path / "endpoints.yaml"), "--skpd", "disdik")
    data = json.loads(run.stdout)
    assert set(data["skpd"]) == {"disdik"}
    assert data["unmeasured"] == ["bappeda", "dinkes"]


@needs_root
def test_unreachable_client_and_failing_iperf3_fail_their_skpd_and_the_others_are_measured(
    simpul_cli, gear: Gear, tmp_path: Path
) -> None:
    closed = free_port()  # nothing listens there: dinkes's client cannot be reached over SSH
    no_server = max(s.port for s in gear.lab.skpds) + 50  # disdik logs in, its iperf3 finds no server
    endpoints = gear.endpoints(tmp_path / "e.yaml", ssh_port={"dinkes": closed}, port={"disdik": no_server})
    run = _verify(simpul_cli, gear, endpoints, "--seconds", "2")
    assert run.returncode == 1, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    data = json.loads(run.stdout)
    assert data["ok"] is False
    dinkes, disdik, bappeda = (data["skpd"][s] for s in ("dinkes", "disdik", "bappeda"))
    assert dinkes["ok"] is False and dinkes["error"].startswith("unreachable: "), dinkes
    assert (dinkes["alone_mbps"], dinkes["contended_mbps"]) == (None, None)
    assert disdik["ok"] is False and disdik["error"].startswith("rejected: iperf3: "), disdik
    assert (disdik["alone_mbps"], disdik["contended_mbps"]) == (None, None)
    assert bappeda["alone_mbps"] is not None and bappeda["contended_mbps"] is not None, bappeda
    assert bappeda["ok"] is True and "error" not in bappeda, bappeda


# --- bad input: exit 2, file + field named, nothing measured (no root needed) -------------------

GOOD_CLIENTS = "clients:\n  disdik: {host: 127.0.0.1, ssh_port: 22}\n"


@pytest.mark.parametrize(
    ("text", "where", "field"),
    [
        (GOOD_CLIENTS, "", "server"),
        ("server: 198.51.100.1\n" + GOOD_CLIENTS + "  dinas-x: {host: 127.0.0.1}\n", ":4", "clients.dinas-x"),
        (
            "server: 198.51.100.1\nclients:\n  disdik: {host: 127.0.0.1, port: 70000}\n",
            ":3",
            "clients.disdik.port",
        ),
        (
            "server: 198.51.100.1\nclients:\n  disdik: {host: 127.0.0.1, port: '5301'}\n",
            ":3",
            "clients.disdik.port",
        ),
        ("server: 198.51.100.1\nclients:\n  disdik: {host: 127.0.0.1\n  dinkes: x\n", ":4", ""),
        ("server: 198.51.100.1\nclients:\n  disdik: {ssh: 127.0.0.1}\n", ":3", "clients.disdik."),
        ("server: '198.51.100.1; reboot'\n" + GOOD_CLIENTS, ":1", "server"),
        ("", "", ""),
    ],
    ids=[
        "no-server",
        "unknown-skpd",
        "port-range",
        "port-string",
        "not-yaml",
        "old-design-key",
        "server-shell",
        "empty",
    ],
)
def test_bad_endpoint_files_are_exit_2_naming_file_and_field(
    simpul_cli, tmp_path: Path, text: str, where: str, field: str
) -> None:
    path = tmp_path / "endpoints.yaml"
    path.write_text(text)
    run = simpul_cli("bandwidth", "verify", "--plan", PLAN, "--endpoints", str(path), "--seconds", "1")
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    assert f"{path}{where}" in run.stderr, run.stderr
    assert f": {field}" in run.stderr, run.stderr
    assert "bandwidth verify" not in run.stdout  # nothing was measured


def test_a_missing_endpoints_file_is_exit_2(simpul_cli, tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    run = simpul_cli("bandwidth", "verify", "--plan", PLAN, "--endpoints", str(path))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert str(path) in run.stderr and "--endpoints" in run.stderr


@pytest.mark.parametrize("lab_option", [["--ns-prefix", "sbw-"], ["--max-capacity", "10"]])
def test_endpoints_and_lab_options_are_mutually_exclusive(simpul_cli, tmp_path: Path, lab_option) -> None:
    path = tmp_path / "endpoints.yaml"
    path.write_text("server: 198.51.100.1\n" + GOOD_CLIENTS)
    run = simpul_cli("bandwidth", "verify", "--plan", PLAN, "--endpoints", str(path), *lab_option)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert lab_option[0] in run.stderr


def test_skpd_without_a_client_is_exit_2(simpul_cli, tmp_path: Path) -> None:
    path = tmp_path / "endpoints.yaml"
    path.write_text("server: 198.51.100.1\n" + GOOD_CLIENTS)
    run = simpul_cli("bandwidth", "verify", "--plan", PLAN, "--endpoints", str(path), "--skpd", "dinkes")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "dinkes" in run.stderr and "--skpd" in run.stderr
