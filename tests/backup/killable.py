"""Processes the kill -9 tests start and kill: a real backup run, or a commit slowed at one phase.

    python -m tests.backup.killable commit-before-ref REPO N   # stalls before update-ref
    python -m tests.backup.killable commit-after-ref REPO N    # stalls while replacing files
    python -m tests.backup.killable commit-move-after-ref REPO N  # same, moving every file
    python -m tests.backup.killable run REPO PASSWORD           # real SSH backup, devices stall

Each prints "READY" (flushed) when the parent may kill it. The stalls are sleeps in this helper
process only: the git commands, files and repository are real.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

from simpul.store import git_store
from simpul.store.git_store import GitStore


def content(i: int, version: int) -> str:
    return (
        f"hostname dev-{i}\n! version {version}\n"
        + "".join(f"interface e{k}\n" for k in range(200))
        + "end\n"
    )


def files(n: int, version: int) -> dict[str, str]:
    return {f"skpd/site/dev-{i}.cfg": content(i, version) for i in range(n)}


def moved(n: int) -> list[str]:
    """Where :func:`files` go when NetBox moves every device to another SKPD and site."""
    return [f"skpd2/site2/dev-{i}.cfg" for i in range(n)]


def commit_slowly(repo: Path, n: int, phase: str) -> None:
    store = GitStore(repo)
    real_git = store._git
    real_write = git_store._atomic_write

    def slow_git(*args, **kwargs):  # type: ignore[no-untyped-def]
        if args and args[0] == "update-ref" and phase == "before-ref":
            print("READY", flush=True)
            time.sleep(600)
        return real_git(*args, **kwargs)

    def slow_write(path, data, **kwargs):  # type: ignore[no-untyped-def]
        real_write(path, data, **kwargs)
        if phase in ("after-ref", "move-after-ref"):
            print("READY", flush=True)
            time.sleep(600)

    store._git = slow_git  # type: ignore[method-assign]
    git_store._atomic_write = slow_write
    with store.locked():
        if phase == "move-after-ref":
            new = dict(zip(moved(n), files(n, 1).values(), strict=True))
            store.commit(new, "moved", dt.datetime.now(dt.UTC), remove=list(files(n, 1)))
        else:
            store.commit(files(n, 2), "version 2", dt.datetime.now(dt.UTC))


def real_run(repo: Path, password: str) -> None:
    """Devices that answer slowly, so the kill lands while configs are being fetched."""
    from simpul.core.scrub import load_scrub_rules
    from simpul.devices.platforms import scrub_families
    from simpul.services.backup import run_backup
    from tests.backup.conftest import ROOT, Device, make_nornir
    from tests.backup.sshdevice import TinySSHDevice

    rules_path = ROOT / "backup_policies" / "config_scrub.yaml"
    rules = load_scrub_rules(rules_path.read_text(), str(rules_path), scrub_families())

    def answer(i: int) -> Callable[[], str]:
        return lambda: content(i, 3)

    slow = [
        TinySSHDevice(f"rtr-slow{i}", "admin", password, answer(i), mode="slow", delay=600).start()
        for i in range(3)
    ]
    devices = [Device(t.name, "cisco_ios", t.port, "skpd", "site") for t in slow]
    nornir = make_nornir(devices, password, timeout=900)
    print("READY", flush=True)
    run_backup(nornir, GitStore(repo), rules)


if __name__ == "__main__":
    mode, repo = sys.argv[1], Path(sys.argv[2])
    if mode.startswith("commit-"):
        commit_slowly(repo, int(sys.argv[3]), mode.removeprefix("commit-"))
    else:
        real_run(repo, sys.argv[3])
