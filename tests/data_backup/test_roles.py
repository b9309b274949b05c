"""playbooks/data_backup.yml (roles simpul_backup_server and simpul_backup_agent) applied by a real
ansible-playbook to this host, under temporary roots: check mode changes nothing, the first run
builds everything, the second changes nothing; credentials come from a real Ansible Vault file and
never show. Then the rendered REST server unit's own command line serves the repositories the role
made, and the agent the role installed backs up into them."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from simpul.core.data_backup import MysqlAccess, PostgresAccess, ServerAccess, parse_agent_output
from simpul.lab.data_backup import free_port, lab_tempdir, write_files
from simpul.providers.restic import port_answers
from simpul.services.data_backup import SkpdCredentials, agent_install
from tests.data_backup.conftest import ROOT, files, write_policies

pytestmark = pytest.mark.slow
PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
SKPD = ("disdik", "dinkes")


@dataclass
class Setup:
    base: Path
    port: int
    creds: dict[str, SkpdCredentials]
    policies: Path

    @property
    def server_root(self) -> Path:
        return self.base / "pusat-data"

    def agent_root(self, skpd: str) -> Path:
        return self.base / f"srv-{skpd}-01"

    def secrets(self) -> list[str]:
        return [s for c in self.creds.values() for s in c.secrets()]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    base = lab_tempdir("simpul-roles-")
    try:
        creds = {s: SkpdCredentials.generate(s) for s in SKPD}
        st = Setup(base, free_port(), creds, write_policies(tmp_path_factory.mktemp("policies")))
        for skpd in SKPD:
            write_files(st.agent_root(skpd), files(f"/srv/{skpd}", 4))
        (base / "vault-pass").write_text(secrets.token_hex(16))
        vault = base / "vault.yml"
        vault.write_text(
            yaml.safe_dump(
                {
                    "simpul_data_backup_credentials": {
                        s: {"http_password": c.http_password, "repo_password": c.repo_password}
                        for s, c in creds.items()
                    }
                }
            )
        )
        subprocess.run(
            [
                str(Path(sys.executable).parent / "ansible-vault"),
                "encrypt",
                "--vault-password-file",
                str(base / "vault-pass"),
                str(vault),
            ],
            check=True,
            capture_output=True,
        )
        assert not any(s in vault.read_text() for s in st.secrets()), "the vault file is encrypted"
        inventory = base / "inventory.ini"
        agents = "\n".join(
            f"srv-{s}-01 ansible_connection=local simpul_data_backup_skpd={s} "
            f"simpul_backup_agent_policy=berkas simpul_backup_agent_root={st.agent_root(s)}"
            for s in SKPD
        )
        server = "[simpul_backup_server]\npusat-data ansible_connection=local\n"
        inventory.write_text(f"{server}\n[simpul_backup_agents]\n{agents}\n")
        yield st
    finally:
        shutil.rmtree(base, ignore_errors=True)


def play(st: Setup, *extra: str, **variables: object) -> subprocess.CompletedProcess[str]:
    values = {
        "ansible_python_interpreter": sys.executable,
        "ansible_become": False,
        "simpul_backup_server_root": str(st.server_root),
        "simpul_backup_server_install_packages": False,
        "simpul_backup_server_listen": f"127.0.0.1:{st.port}",
        "simpul_backup_server_rclone": shutil.which("rclone"),
        "simpul_backup_server_restic": shutil.which("restic"),
        "simpul_backup_agent_install_packages": False,
        "simpul_backup_agent_target_url": f"http://127.0.0.1:{st.port}",
        "simpul_backup_agent_policies_dir": str(st.policies),
        **variables,
    }
    extra_vars = st.base / "extra.yml"
    extra_vars.write_text(yaml.safe_dump(values))
    env = {
        **os.environ,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_ROLES_PATH": str(ROOT / "roles"),
    }
    return subprocess.run(
        [
            PLAYBOOK,
            "-i",
            str(st.base / "inventory.ini"),
            str(ROOT / "playbooks/data_backup.yml"),
            "--vault-password-file",
            str(st.base / "vault-pass"),
            "-e",
            f"@{st.base / 'vault.yml'}",
            "-e",
            f"@{extra_vars}",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def changed(proc: subprocess.CompletedProcess[str]) -> dict[str, int]:
    found = dict(re.findall(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", proc.stdout, re.M))
    assert found, proc.stdout + proc.stderr
    return {host: int(n) for host, n in found.items()}


def _no_secret(st: Setup, proc: subprocess.CompletedProcess[str]) -> None:
    leaked = [s for s in st.secrets() if s in proc.stdout + proc.stderr]
    assert leaked == [], "a credential reached ansible's output"


def test_check_mode_changes_nothing(setup: Setup) -> None:
    proc = play(setup, "--check", "--diff")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _no_secret(setup, proc)
    repo_task = proc.stdout.split("One private repository, HTTP user and key per SKPD")[1].split("TASK [")[0]
    assert repo_task.count("changed: [pusat-data]") == 2, "check mode says both repositories would be made"
    assert "OnCalendar=daily" in proc.stdout, "the timer is shown, not written"
    assert not (setup.server_root / "srv").exists()
    assert not (setup.agent_root("disdik") / "usr").exists()


def test_apply_then_idempotent(setup: Setup) -> None:
    first = play(setup)
    assert first.returncode == 0, first.stdout + first.stderr
    _no_secret(setup, first)
    assert all(n > 0 for n in changed(first).values())
    etc = setup.server_root / "etc/simpul-backup-server"
    for skpd in SKPD:
        assert (setup.server_root / "srv/simpul-backup/repos" / skpd / "config").exists()
        assert (etc / "keys" / f"{skpd}.key").stat().st_mode & 0o777 == 0o600
    assert sorted(line.split(":")[0] for line in (etc / "htpasswd").read_text().splitlines()) == sorted(SKPD)
    second = play(setup)
    assert second.returncode == 0 and set(changed(second).values()) == {0}, second.stdout


def test_units_render_and_parse(setup: Setup) -> None:
    unit_dir = setup.server_root / "etc/systemd/system"
    server = (unit_dir / "simpul-backup-server.service").read_text()
    assert "--append-only --private-repos --htpasswd" in server
    maintain = (unit_dir / "simpul-backup-maintain.service").read_text()
    assert "backup data maintain --commit --json" in maintain
    assert "backup data drill --due --json" in (unit_dir / "simpul-backup-drill.service").read_text()
    agent_units = setup.agent_root("disdik") / "etc/systemd/system"
    timer = (agent_units / "simpul-backup-agent.timer").read_text()
    assert "OnCalendar=daily" in timer and "Persistent=true" in timer
    service = (agent_units / "simpul-backup-agent.service").read_text()
    assert "ExecStart=/usr/local/sbin/simpul-backup-agent" in service and "Type=oneshot" in service
    timers = ("simpul-backup-maintain.timer", "simpul-backup-drill.timer")
    for unit in (*(unit_dir / t for t in timers), agent_units / "simpul-backup-agent.timer"):
        verify = subprocess.run(
            ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
        )
        assert not re.search(r"Unknown (key|section)|[Ff]ailed to parse|Invalid", verify.stderr), (
            verify.stderr
        )


def test_the_role_installs_what_the_library_writes(setup: Setup) -> None:
    """One copy of the logic: the installed script and credentials are the library's, byte for byte."""
    root = setup.agent_root("disdik")
    expected = agent_install(
        setup.policies,
        skpd="disdik",
        server="srv-disdik-01",
        policy="berkas",
        target_url=f"http://127.0.0.1:{setup.port}",
        creds=setup.creds["disdik"],
        access=ServerAccess(root=str(root), postgres=PostgresAccess(), mysql=MysqlAccess()),
    )
    assert (root / "usr/local/sbin/simpul-backup-agent").read_text() == expected.script
    for path, content in expected.files.items():
        local = root / path.lstrip("/")
        assert local.read_text() == content and local.stat().st_mode & 0o777 == 0o600


def test_role_built_server_and_agent_back_up(setup: Setup) -> None:
    """The unit's own ExecStart serves the role-made repositories; the role-installed agent backs up."""
    unit = (setup.server_root / "etc/systemd/system/simpul-backup-server.service").read_text()
    argv = shlex.split(re.search(r"^ExecStart=(.*)$", unit, re.M).group(1))  # type: ignore[union-attr]
    server = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "RCLONE_CONFIG": "/dev/null"},
    )
    try:
        deadline = time.monotonic() + 20
        while not port_answers("127.0.0.1", setup.port) and time.monotonic() < deadline:
            assert server.poll() is None, "the unit's rclone command exited"
            time.sleep(0.05)
        for skpd in SKPD:
            root = setup.agent_root(skpd)
            (root / "tmp").mkdir(exist_ok=True)
            proc = subprocess.run(
                ["bash", str(root / "usr/local/sbin/simpul-backup-agent")],
                capture_output=True,
                text=True,
                env={"PATH": os.environ["PATH"], "TMPDIR": str(root / "tmp")},
                timeout=300,
                check=False,
            )
            report = parse_agent_output(proc.stdout, proc.returncode)
            assert proc.returncode == 0 and report.ok, proc.stdout + proc.stderr
        target = setup.server_root / "etc/simpul-backup-server/target.yaml"
        estate = setup.base / "estate.yaml"
        estate.write_text(
            yaml.safe_dump(
                {
                    "skpd": {
                        s: {
                            "policy": "berkas",
                            "servers": {f"srv-{s}-01": {"runner": "local", "root": str(setup.agent_root(s))}},
                        }
                        for s in SKPD
                    }
                }
            )
        )
        status = subprocess.run(
            [
                sys.executable,
                "-c",
                "from simpul.cli.data_backup import app; app()",
                "status",
                "--json",
                "--target",
                str(target),
                "--estate",
                str(estate),
                "--policies",
                str(setup.policies),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "SIMPUL_STATE_DIR": str(setup.base)},
            check=False,
        )
        facts = json.loads(status.stdout)["skpd"]
        assert all(facts[s]["rpo_ok"] for s in SKPD), status.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_cron_alternative_and_refusals(setup: Setup) -> None:
    cron = play(setup, "-l", "srv-disdik-01", "-e", "simpul_backup_agent_method=cron")
    assert cron.returncode == 0, cron.stdout
    root = setup.agent_root("disdik")
    entry = (root / "etc/cron.d/simpul-backup-agent").read_text()
    assert "0 0 * * * root /usr/local/sbin/simpul-backup-agent" in entry
    assert not (root / "etc/systemd/system/simpul-backup-agent.timer").exists()
    weak = play(setup, "-l", "srv-disdik-01", "-e", '{"simpul_backup_agent_http_password": "short"}')
    assert weak.returncode != 0 and "16+ characters, from Ansible Vault" in weak.stdout
    exposed = play(setup, "-l", "pusat-data", "-e", "simpul_backup_server_listen=0.0.0.0:8000")
    assert exposed.returncode != 0 and "needs simpul_backup_server_tls_cert" in exposed.stdout
