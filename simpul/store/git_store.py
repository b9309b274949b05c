"""The config backup repository: one file per device, one commit per run, crash-safe.

Layout: ``<skpd or _infra>/<site or _nosite>/<device>.cfg`` (:func:`backup_path`).

Crash safety (a ``kill -9`` at any instant leaves a valid repo and whole files):

1. the new commit is built with git plumbing on a *temporary* index (``GIT_INDEX_FILE``):
   ``hash-object -w`` -> ``update-index --index-info`` -> ``write-tree`` -> ``commit-tree``;
   objects are written atomically by git, and unreferenced ones are harmless (``git gc`` drops them);
2. the branch moves with ``update-ref HEAD NEW OLD``: one atomic compare-and-swap under git's ref
   lock; this is the commit point;
3. only then are working-tree files replaced, each by an atomic ``rename`` of a complete temporary
   file, and the temporary index becomes ``.git/index``.

A run killed before (2) leaves HEAD and the files as they were; killed after (2), the files still
hold whole old versions, and the next run (or any :class:`GitStore` opening the repo under its lock)
restores the working tree from HEAD before doing anything else (:meth:`GitStore.recover`).
A lock file (``flock`` on ``.git/simpul-backup.lock``) keeps two runs from interleaving.

The last status per device (time, result, reason) lives in ``.git/simpul-status.json``: next to
the history, out of it (a failure must not make a commit), replaced atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from simpul.errors import InputError, StoreError
from simpul.store.files import write_atomic

log = logging.getLogger(__name__)

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
ZERO_OID = "0" * 40
STATUS_FILE = "simpul-status.json"
LOCK_FILE = "simpul-backup.lock"
TMP_INDEX_PREFIX = "simpul-index-"
TMP_FILE_MARK = ".simpul-tmp"
AUTHOR = ("simpul backup", "simpul@localhost")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_part(text: str) -> str:
    """A path component that cannot escape its directory.

    >>> _safe_part("rtr/disdik .."), _safe_part("..")
    ('rtr_disdik_..', '_')
    """
    cleaned = _SAFE.sub("_", text.strip()) or "_"
    return "_" if set(cleaned) <= {"."} else cleaned


def backup_path(name: str, skpd: str | None, site: str | None) -> str:
    """Where a device's config lives in the repo.

    >>> backup_path("rtr-disdik", "disdik", "disdik")
    'disdik/disdik/rtr-disdik.cfg'
    >>> backup_path("core-diskominfo-01", None, "diskominfo")
    '_infra/diskominfo/core-diskominfo-01.cfg'
    """
    top = _safe_part(skpd) if skpd else "_infra"
    return f"{top}/{_safe_part(site) if site else '_nosite'}/{_safe_part(name)}.cfg"


def blob_id(text: str) -> str:
    """The git blob id of ``text`` (what ``git hash-object`` prints), computed without git.

    >>> blob_id("")
    'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
    """
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class DeviceStatus(BaseModel):
    """The last backup attempt of one device."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device: str
    path: str | None = None
    result: Literal["changed", "unchanged", "failed"]
    reason: str | None = None
    time: dt.datetime
    last_success: dt.datetime | None = None
    commit: str | None = None


def read_status(repo: Path) -> dict[str, DeviceStatus]:
    """The status file of a backup repo ({} when there was no run yet). For the report and jobs."""
    path = Path(repo) / ".git" / STATUS_FILE
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text())
        return {name: DeviceStatus.model_validate(rec) for name, rec in raw.get("devices", {}).items()}
    except (ValueError, TypeError) as exc:
        raise StoreError(
            f"status file is unreadable: {exc}", source=str(path), hint="delete it; the next run rewrites it"
        ) from None


def _atomic_write(path: Path, data: str, *, fsync: bool = False) -> None:
    write_atomic(path, data, fsync=fsync, suffix=TMP_FILE_MARK)


class GitStore:
    """A git repository of device configs (created when the directory is missing or empty)."""

    def __init__(self, path: Path | str) -> None:
        self.root = Path(path).expanduser().resolve()
        self.git_dir = self.root / ".git"
        if self.root.exists() and not self.root.is_dir():
            raise InputError("the backup repo path is a file", source=str(self.root), hint="give a directory")
        if not self.git_dir.is_dir():
            if self.root.exists() and any(self.root.iterdir()):
                raise InputError(
                    "the backup repo path exists, is not a git repository and is not empty",
                    source=str(self.root),
                    field="--repo",
                    hint="give an empty or missing directory (simpul runs `git init`) or a backup repo",
                )
            self.root.mkdir(parents=True, exist_ok=True)
            self._git("init", "-q", "-b", "main")
            log.info("initialised backup repo %s", self.root)
        self._lock_fd: int | None = None

    # -- git plumbing -------------------------------------------------------------------------

    def _git(
        self,
        *args: str,
        index: Path | None = None,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {
            **os.environ,
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
            "GIT_AUTHOR_NAME": AUTHOR[0],
            "GIT_AUTHOR_EMAIL": AUTHOR[1],
            "GIT_COMMITTER_NAME": AUTHOR[0],
            "GIT_COMMITTER_EMAIL": AUTHOR[1],
            **(env or {}),
        }
        if index is not None:
            full_env["GIT_INDEX_FILE"] = str(index)
        proc = subprocess.run(
            ["git", "-C", str(self.root), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=full_env,
            check=False,
        )
        if check and proc.returncode != 0:
            raise StoreError(
                f"git {args[0]} failed: {proc.stderr.strip()[:300]}",
                source=str(self.root),
                hint="check the repo with `git fsck`",
            )
        return proc

    def head(self) -> str | None:
        proc = self._git("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
        return proc.stdout.strip() or None

    def head_blobs(self) -> dict[str, str]:
        """path -> blob id of every file in HEAD."""
        if self.head() is None:
            return {}
        out = self._git("ls-tree", "-r", "-z", "HEAD").stdout
        blobs = {}
        for entry in out.split("\0"):
            if entry:
                meta, path = entry.split("\t", 1)
                blobs[path] = meta.split()[2]
        return blobs

    def read(self, path: str, rev: str = "HEAD") -> str | None:
        proc = self._git("cat-file", "blob", f"{rev}:{path}", check=False)
        return proc.stdout if proc.returncode == 0 else None

    # -- locking and recovery -----------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[GitStore]:
        """Hold the repo's run lock; restores the working tree left by a killed run first."""
        fd = os.open(self.git_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreError(
                "another backup run holds the repo lock",
                source=str(self.git_dir / LOCK_FILE),
                hint="wait for it to finish (the nightly job?)",
            ) from None
        self._lock_fd = fd
        try:
            self.recover()
            yield self
        finally:
            self._lock_fd = None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def recover(self) -> list[str]:
        """Bring the working tree back to HEAD after a killed run; returns the paths rewritten.

        Only simpul writes in a backup repo: under the run lock, a leftover temporary index, a
        stale ``index.lock`` or a temporary file can only come from a run that was killed.
        """
        for leftover in self.git_dir.glob(TMP_INDEX_PREFIX + "*"):
            leftover.unlink(missing_ok=True)
        (self.git_dir / "index.lock").unlink(missing_ok=True)
        for tmp in self.root.rglob("*" + TMP_FILE_MARK):
            if ".git" not in tmp.relative_to(self.root).parts:
                tmp.unlink(missing_ok=True)
        if self.head() is None:
            return []
        self._git("read-tree", "HEAD")
        self._git("update-index", "-q", "--refresh", check=False)
        stale = [p for p in self._git("diff-files", "--name-only", "-z").stdout.split("\0") if p]
        for path in stale:
            content = self.read(path)
            if content is not None:
                _atomic_write(self.root / path, content)
        if stale:
            log.warning("restored %d file(s) of %s from HEAD after an interrupted run", len(stale), self.root)
            self._git("update-index", "-q", "--refresh", check=False)
        return stale

    # -- writing ------------------------------------------------------------------------------

    def changed_paths(self, files: Mapping[str, str]) -> set[str]:
        """Which of ``files`` (path -> content) differ from HEAD."""
        blobs = self.head_blobs()
        return {path for path, text in files.items() if blobs.get(path) != blob_id(text)}

    def commit(self, files: Mapping[str, str], message: str, now: dt.datetime) -> str | None:
        """Write ``files`` (path -> content) as ONE commit; None (and no commit) if nothing changed."""
        changed = sorted(self.changed_paths(files))
        if not changed:
            return None
        old = self.head()
        index = self.git_dir / f"{TMP_INDEX_PREFIX}{os.getpid()}"
        stage = Path(tempfile.mkdtemp(prefix="simpul-stage-", dir=self.git_dir))
        try:
            if old is not None:
                self._git("read-tree", old, index=index)
            for i, path in enumerate(changed):
                (stage / str(i)).write_text(files[path])
            stdin = "".join(f"{stage / str(i)}\n" for i in range(len(changed)))
            shas = self._git("hash-object", "-w", "--stdin-paths", "--no-filters", stdin=stdin).stdout.split()
            info = "".join(f"100644 {sha}\t{path}\n" for sha, path in zip(shas, changed, strict=True))
            self._git("update-index", "--add", "--index-info", index=index, stdin=info)
            tree = self._git("write-tree", index=index).stdout.strip()
            date = now.isoformat()
            parents = ["-p", old] if old else []
            new = self._git(
                "commit-tree",
                tree,
                *parents,
                stdin=message if message.endswith("\n") else message + "\n",
                env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date},
            ).stdout.strip()
            # The commit point: compare-and-swap of the branch under git's ref lock.
            self._git("update-ref", "-m", "simpul backup", "HEAD", new, old or ZERO_OID)
            for path in changed:
                _atomic_write(self.root / path, files[path])
            os.replace(index, self.git_dir / "index")
            self._git("update-index", "-q", "--refresh", check=False)
            log.info("committed %s: %d file(s) changed", new[:12], len(changed))
            return new
        finally:
            index.unlink(missing_ok=True)
            shutil.rmtree(stage, ignore_errors=True)

    def write_status(self, records: Mapping[str, DeviceStatus]) -> None:
        """Merge ``records`` into the status file (devices not in this run keep theirs)."""
        merged = {**read_status(self.root), **records}
        data = {
            "repo": str(self.root),
            "devices": {name: rec.model_dump(mode="json") for name, rec in sorted(merged.items())},
        }
        _atomic_write(self.git_dir / STATUS_FILE, json.dumps(data, indent=2) + "\n", fsync=True)

    def status(self) -> dict[str, DeviceStatus]:
        return read_status(self.root)

    # -- history ------------------------------------------------------------------------------

    def find(self, device: str) -> str:
        """The path of a device's backup in HEAD (by name, case-insensitive)."""
        wanted = _safe_part(device) + ".cfg"
        paths = list(self.head_blobs())
        exact = [p for p in paths if p.rsplit("/", 1)[-1] == wanted]
        loose = [p for p in paths if p.rsplit("/", 1)[-1].lower() == wanted.lower()]
        found = exact or loose
        if not found:
            raise InputError(
                f"no backup of device {device!r}",
                source=str(self.root),
                field="DEVICE",
                hint="`simpul backup status` lists the devices backed up",
            )
        if len(found) > 1:
            raise InputError(f"device name {device!r} is ambiguous: {', '.join(found)}", field="DEVICE")
        return found[0]

    def _resolve(self, when: str, *, end_of_day: bool) -> str | None:
        """A date (YYYY-MM-DD or ISO time) or a revision -> the commit in force then (None: before any)."""
        moment: dt.datetime | None = None
        try:
            day = dt.date.fromisoformat(when)
            # a date means its first second (--since) or its last second (--at); --before is inclusive
            start = dt.datetime.combine(day + dt.timedelta(days=1 if end_of_day else 0), dt.time())
            moment = start - dt.timedelta(seconds=1)
        except ValueError:
            with contextlib.suppress(ValueError):
                moment = dt.datetime.fromisoformat(when)
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.astimezone()  # the machine's local time zone
            rev = self._git(
                "rev-list", "-1", f"--before={moment.isoformat()}", "HEAD", check=False
            ).stdout.strip()
            return rev or None
        proc = self._git("rev-parse", "-q", "--verify", f"{when}^{{commit}}", check=False)
        if proc.returncode != 0 or not proc.stdout.strip():
            raise InputError(
                f"{when!r} is neither a date nor a revision of the backup repo",
                field="--since/--at",
                hint="use YYYY-MM-DD, an ISO time (2026-11-22T08:00) or a commit id from `git log`",
            )
        return proc.stdout.strip()

    def diff(self, device: str, since: str | None = None) -> str:
        """What changed in a device's config since a date or revision (default: its last change)."""
        if self.head() is None:
            raise InputError(
                "the backup repo has no backup yet", source=str(self.root), hint="run `simpul backup configs`"
            )
        path = self.find(device)
        if since is None:
            revs = self._git("log", "-2", "--format=%H", "HEAD", "--", path).stdout.split()
            base = revs[1] if len(revs) > 1 else EMPTY_TREE
        else:
            base = self._resolve(since, end_of_day=False) or EMPTY_TREE
        return self._git("diff", "--no-color", "--no-ext-diff", base, "HEAD", "--", path).stdout

    def show(self, device: str, at: str | None = None) -> str:
        """A device's backed-up config now, or as it was at the end of a date / at a revision."""
        if self.head() is None:
            raise InputError(
                "the backup repo has no backup yet", source=str(self.root), hint="run `simpul backup configs`"
            )
        path = self.find(device)
        rev = "HEAD" if at is None else self._resolve(at, end_of_day=True)
        content = self.read(path, rev) if rev else None
        if content is None:
            raise InputError(
                f"no backup of {device!r} on or before {at}",
                field="--at",
                hint="`simpul backup diff` shows its history",
            )
        return content

    def log(self, device: str | None = None, limit: int = 20) -> list[tuple[str, str, str]]:
        """(commit, ISO date, subject) of the last commits, of one device if given."""
        args = ["log", f"-{limit}", "--format=%H%x09%cI%x09%s", "HEAD"]
        if device is not None:
            args += ["--", self.find(device)]
        if self.head() is None:
            return []
        rows = []
        for line in self._git(*args).stdout.splitlines():
            sha, date, subject = line.split("\t", 2)
            rows.append((sha, date, subject))
        return rows
