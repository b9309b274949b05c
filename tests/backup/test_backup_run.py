"""End to end over real SSH: fakenos devices and tiny SSH servers that fail on purpose, a real git repo.

The tests of this module run in order on one repo (module fixtures), like nights of a nightly job.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simpul.cli._common import CensoringFilter
from simpul.services.backup import BackupResult, run_backup
from simpul.store import GitStore, backup_path, read_status
from tests.backup.conftest import Device, Lab, all_repo_text, git, make_nornir
from tests.backup.sshdevice import SilentPort, TinySSHDevice, free_port

pytestmark = [
    pytest.mark.devices,
    # fakenos' server thread crashes (server side) when it rejects a login: the auth-failure case
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

GOOD = ["core-diskominfo-01", "dist-diskominfo-01", "rtr-dinkes", "rtr-disdik", "rtr-dispar", "rtr-flaky"]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        # the simulated devices run in this process: their own logs are the devices' side, which
        # naturally holds the secrets; what must stay clean is everything simpul's side logs
        if not record.name.startswith("fakenos"):
            self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def logs(lab: Lab) -> Iterator[_Collect]:
    """Everything logged at DEBUG while the module runs, through the CLI's censoring filter."""
    handler = _Collect()
    handler.addFilter(CensoringFilter([lab.planted.password]))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("backup") / "repo"


@pytest.fixture(scope="module")
def failing(lab: Lab) -> Iterator[dict[str, Device]]:
    """One real failing device per failure mode."""
    silent = SilentPort()
    cut = TinySSHDevice(
        "rtr-cut", "admin", lab.planted.password, lambda: lab.book.render("rtr-flaky"), mode="cut"
    )
    hang = TinySSHDevice(
        "rtr-hang", "admin", lab.planted.password, lambda: lab.book.render("rtr-flaky"), mode="hang"
    )
    cut.start()
    hang.start()
    ios_port = lab.devices["rtr-dinkes"].port
    devices = {
        "unreachable": Device("rtr-gone", "cisco_ios", free_port(), "disbun", "disbun"),
        "timeout": Device("rtr-silent", "cisco_ios", silent.port, "dishub", "dishub"),
        "auth": Device(
            "rtr-wrongpw", "cisco_ios", ios_port, "disnaker", "disnaker", password="not-the-password"
        ),
        "cut": Device("rtr-cut", "cisco_ios", cut.port, "dpmptsp", "dpmptsp"),
        "hang": Device("rtr-hang", "cisco_ios", hang.port, "bappeda", "bappeda"),
    }
    yield devices
    cut.stop()
    hang.stop()
    silent.stop()


def run(lab: Lab, repo: Path, rules: Any, extra: list[Device] = ()) -> BackupResult:  # type: ignore[assignment]
    devices = [lab.devices[n] for n in GOOD] + list(extra)
    nornir = make_nornir(devices, lab.planted.password, timeout=10.0)
    return run_backup(nornir, GitStore(repo), rules, secrets=[lab.planted.password])


def test_first_run_backs_up_every_good_device_and_isolates_each_failure(
    lab: Lab, repo: Path, rules: Any, failing: dict[str, Device], logs: _Collect
) -> None:
    result = run(lab, repo, rules, extra=list(failing.values()))
    assert sorted(result.changed) == sorted(GOOD)
    assert result.unchanged == ()
    assert result.commit == git(repo, "rev-parse", "HEAD").strip()
    assert result.exit_code == 1
    assert result.failed == {
        "rtr-gone": "unreachable: connection refused",
        "rtr-silent": "timeout: the device did not answer in time",
        "rtr-wrongpw": "auth: authentication failed",
        "rtr-cut": "disconnected: the session closed mid-output",
        "rtr-hang": "timeout: the device stopped answering mid-command",
    }
    for dev in failing.values():
        assert not (repo / backup_path(dev.name, dev.skpd, dev.site)).exists()
    # one commit, its message summarises the run
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    message = git(repo, "log", "-1", "--format=%B")
    assert message.splitlines()[0].endswith(": 6 changed, 0 unchanged, 5 failed")
    assert "rtr-cut: disconnected: the session closed mid-output" in message
    # the layout: <skpd or _infra>/<site>/<device>.cfg
    files = sorted(git(repo, "ls-files").split())
    assert files == sorted(backup_path(n, lab.devices[n].skpd, lab.devices[n].site) for n in GOOD)
    assert "_infra/diskominfo/core-diskominfo-01.cfg" in files
    # the status record
    status = read_status(repo)
    assert (status["rtr-cut"].result, status["rtr-cut"].reason) == (
        "failed",
        "disconnected: the session closed mid-output",
    )
    assert status["rtr-disdik"].result == "changed" and status["rtr-disdik"].last_success is not None
    assert (
        json.loads((repo / ".git" / "simpul-status.json").read_text())["devices"]["rtr-gone"]["result"]
        == "failed"
    )


def test_unchanged_second_run_makes_no_commit(lab: Lab, repo: Path, rules: Any, logs: _Collect) -> None:
    head = git(repo, "rev-parse", "HEAD")
    result = run(lab, repo, rules)
    assert result.commit is None
    assert result.changed == () and sorted(result.unchanged) == sorted(GOOD) and result.failed == {}
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""
    assert read_status(repo)["rtr-disdik"].result == "unchanged"


def test_planted_change_shows_exactly_that_devices_diff(
    lab: Lab, repo: Path, rules: Any, logs: _Collect
) -> None:
    lab.book.devices["rtr-disdik"].extra = "ke dist-diskominfo-02 ether3"
    try:
        result = run(lab, repo, rules)
    finally:
        lab.book.devices["rtr-disdik"].extra = "uplink"
    assert result.changed == ("rtr-disdik",)
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["disdik/disdik/rtr-disdik.cfg"]
    diff = GitStore(repo).diff("rtr-disdik")
    changed = [ln for ln in diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert changed == [
        '-set [ find default-name=ether1 ] comment="uplink"',
        '+set [ find default-name=ether1 ] comment="ke dist-diskominfo-02 ether3"',
    ]
    assert "ke dist-diskominfo-02 ether3" in GitStore(repo).show("rtr-disdik")
    # the change undone on the device: the next run records the way back, again only that device
    assert run(lab, repo, rules).changed == ("rtr-disdik",)
    assert "ke dist-diskominfo-02" not in GitStore(repo).show("rtr-disdik")


@pytest.mark.parametrize(
    ("device", "mode", "reason"),
    [
        ("rtr-dinkes", "truncated", 'bad_output: truncated: the last line is not "end"'),
        (
            "rtr-dinkes",
            "error",
            "rejected: the device answered with an error (% Invalid input) instead of a config",
        ),
        ("rtr-disdik", "truncated", 'bad_output: truncated: no "# ... by RouterOS" header'),
        ("rtr-flaky", "cut", "disconnected: the session closed mid-output"),
    ],
)
def test_failed_device_keeps_its_last_good_file(
    lab: Lab, repo: Path, rules: Any, logs: _Collect, device: str, mode: str, reason: str
) -> None:
    dev = lab.devices[device]
    path = repo / backup_path(device, dev.skpd, dev.site)
    before = path.read_bytes()
    head = git(repo, "rev-parse", "HEAD")
    if device == "rtr-flaky":
        lab.tiny["rtr-flaky"].mode = mode
    else:
        lab.book.devices[device].mode = mode
    try:
        result = run(lab, repo, rules)
    finally:
        lab.tiny["rtr-flaky"].mode = "ok"
        lab.book.devices[device].mode = "ok"
    assert result.failed == {device: reason}
    assert sorted(result.unchanged) == sorted(n for n in GOOD if n != device)
    assert result.commit is None and result.exit_code == 1
    assert path.read_bytes() == before
    assert git(repo, "rev-parse", "HEAD") == head
    status = read_status(repo)[device]
    assert (status.result, status.reason) == ("failed", reason)
    assert status.last_success is not None  # from the earlier good runs


def test_no_planted_secret_anywhere_in_repo_history_or_logs(lab: Lab, repo: Path, logs: _Collect) -> None:
    text = all_repo_text(repo)
    assert "<removed>" in text  # the scrubbed configs are there
    leaked = [s for s in lab.planted.all() if s in text]
    assert leaked == []
    log_text = "\n".join(logs.lines)
    assert "rtr-cut: disconnected: the session closed mid-output" in log_text  # the logs were captured
    assert [s for s in lab.planted.all() if s in log_text] == []
    assert git(repo, "fsck", "--strict") == ""


class _Recorder:
    """A DeviceProgress that remembers what it was told (the CLI draws a bar from the same calls)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def start(self, what: str, total: int) -> None:
        self.calls.append(("start", what, str(total)))

    def advance(self, device: str, ok: bool) -> None:
        self.calls.append(("advance", device, str(ok)))

    def stop(self) -> None:
        self.calls.append(("stop",))


def test_device_progress_hears_of_every_device_once(
    lab: Lab, repo: Path, rules: Any, failing: dict[str, Device]
) -> None:
    from simpul.devices.runner import device_progress

    hook = _Recorder()
    with device_progress(hook):
        result = run(lab, repo, rules, extra=[failing["unreachable"]])
    devices = [*GOOD, "rtr-gone"]
    assert hook.calls[0] == ("start", "backup_config", str(len(devices))) and hook.calls[-1] == ("stop",)
    advanced = {c[1]: c[2] for c in hook.calls if c[0] == "advance"}
    assert len([c for c in hook.calls if c[0] == "advance"]) == len(devices)
    assert advanced == {**{n: "True" for n in GOOD}, "rtr-gone": "False"}
    assert result.failed == {"rtr-gone": "unreachable: connection refused"}
    with device_progress(None):  # nobody listening: nothing breaks, nothing is told
        assert run(lab, repo, rules).failed == {}
    assert hook.calls[-1] == ("stop",) and len(hook.calls) == len(devices) + 2
