"""The config backup repository: one file per device, one commit per run, crash-safe.

Layout: ``<skpd or _infra>/<site or _nosite>/<device>.cfg`` (:func:`backup_path`); a device is
found by its name wherever it is (:mod:`simpul.store.layout`): a move in NetBox is a rename in
the next commit, and history, ``show`` and ``diff`` follow the device across it.

Crash safety (a ``kill -9`` at any instant leaves a valid repo and whole files):

1. the new commit is built with git plumbing on a *temporary* index (``GIT_INDEX_FILE``):
   ``hash-object -w`` -> ``update-index --index-info`` -> ``write-tree`` -> ``commit-tree``;
   objects are written atomically by git, and unreferenced ones are harmless (``git gc`` drops them);
2. the branch moves with ``update-ref HEAD NEW OLD``: one atomic compare-and-swap under git's ref
   lock; this is the commit point;
3. only then are working-tree files replaced, each by an atomic ``rename`` of a complete temporary
   file, the files the commit removed are unlinked, and the temporary index becomes ``.git/index``.

A run killed before (2) leaves HEAD and the files as they were; killed after (2), the files still
hold whole old versions, and the next run (or any :class:`GitStore` opening the repo under its lock)
restores the working tree from HEAD before doing anything else (:meth:`GitStore.recover`): files
rewritten from HEAD, files HEAD removed (a move's old path) unlinked.
A lock file (``flock`` on ``.git/simpul-backup.lock``) keeps two runs from interleaving.

The last status per device (time, result, reason) lives in ``.git/simpul-status.json``: next to
the history, out of it (a failure must not make a commit), replaced atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from simpul.errors import InputError, StoreError
from simpul.store.files import write_atomic
from simpul.store.layout import backup_path, blob_id, by_device_file, device_file, file_of

__all__ = ["DeviceStatus", "GitStore", "backup_path", "blob_id", "read_status"]

log = logging.getLogger(__name__)

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
ZERO_OID = "0" * 40
STATUS_FILE = "simpul-status.json"
LOCK_FILE = "simpul-backup.lock"
TMP_INDEX_PREFIX = "simpul-index-"
TMP_FILE_MARK = ".simpul-tmp"
AUTHOR = ("simpul backup", "simpul@localhost")


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


def _unlink(root: Path, path: str) -> None:
    """Remove a file of the working tree, and the directories it leaves empty."""
    full = root / path
    full.unlink(missing_ok=True)
    parent = full.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


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
        return self.blobs_at("HEAD")

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
        gone = self._removed_by_head()
        for path in gone:
            _unlink(self.root, path)
        if stale or gone:
            log.warning(
                "restored %d file(s) of %s from HEAD after an interrupted run",
                len(stale) + len(gone),
                self.root,
            )
            self._git("update-index", "-q", "--refresh", check=False)
        return stale + gone

    def _removed_by_head(self) -> list[str]:
        """Files HEAD's commit removed that are still in the working tree (a run killed mid-move).

        Only the last commit can have left any: every run recovers first, under the lock.
        """
        untracked = [p for p in self._git("ls-files", "--others", "-z").stdout.split("\0") if p]
        if not untracked or self._git("rev-parse", "-q", "--verify", "HEAD~1", check=False).returncode:
            return []
        removed = self._git(
            "diff-tree", "-r", "-z", "--no-renames", "--name-only", "--diff-filter=D", "HEAD~1", "HEAD"
        ).stdout.split("\0")
        return sorted(set(untracked) & {p for p in removed if p})

    # -- writing ------------------------------------------------------------------------------

    def changed_paths(self, files: Mapping[str, str]) -> set[str]:
        """Which of ``files`` (path -> content) differ from HEAD."""
        blobs = self.head_blobs()
        return {path for path, text in files.items() if blobs.get(path) != blob_id(text)}

    def commit(
        self,
        files: Mapping[str, str],
        message: str,
        now: dt.datetime,
        remove: Iterable[str] = (),
    ) -> str | None:
        """Write ``files`` (path -> content) and delete ``remove`` as ONE commit; None (and no commit)
        if nothing changed. A path written and another removed in one commit is how a device moves:
        git sees a rename."""
        changed = sorted(self.changed_paths(files))
        blobs = self.head_blobs()
        removed = sorted({p for p in remove if p in blobs} - set(files))
        if not changed and not removed:
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
            shas = (
                self._git("hash-object", "-w", "--stdin-paths", "--no-filters", stdin=stdin).stdout.split()
                if changed
                else []
            )
            info = "".join(f"100644 {sha}\t{path}\n" for sha, path in zip(shas, changed, strict=True))
            info += "".join(f"0 {ZERO_OID}\t{path}\n" for path in removed)  # mode 0: remove
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
            for path in removed:
                _unlink(self.root, path)
            os.replace(index, self.git_dir / "index")
            self._git("update-index", "-q", "--refresh", check=False)
            log.info("committed %s: %d file(s) written, %d removed", new[:12], len(changed), len(removed))
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

    # -- finding a device -------------------------------------------------------------------

    def blobs_at(self, rev: str = "HEAD") -> dict[str, str]:
        """path -> blob id of every file at ``rev`` ({} before the first commit)."""
        if self.head() is None:
            return {}
        out = self._git("ls-tree", "-r", "-z", rev).stdout
        blobs = {}
        for entry in out.split("\0"):
            if entry:
                meta, path = entry.split("\t", 1)
                blobs[path] = meta.split()[2]
        return blobs

    def newest_first(self, paths: Iterable[str], rev: str = "HEAD") -> list[str]:
        """``paths`` ordered by their last commit up to ``rev``, newest first (ties: path order)."""
        paths = sorted(set(paths))
        if len(paths) < 2:
            return paths
        out = self._git("log", "--format=", "--name-only", "--no-renames", "-z", rev, "--", *paths).stdout
        order: list[str] = []
        for path in out.replace("\n", "\0").split("\0"):
            if path in paths and path not in order:
                order.append(path)
        return order + [p for p in paths if p not in order]

    def device_paths(self, rev: str = "HEAD") -> dict[str, list[str]]:
        """Device file name -> its paths at ``rev``, newest first (two only in a repo written
        before moves were renames; the next run repairs it)."""
        grouped = by_device_file(self.blobs_at(rev))
        return {
            name: self.newest_first(paths, rev) if len(paths) > 1 else paths
            for name, paths in grouped.items()
        }

    def locate(self, device: str, rev: str = "HEAD") -> str | None:
        """The path of a device's backup at ``rev`` (by name; case-insensitive if no exact match),
        or None. Where an old repo holds several, the newest."""
        wanted = device_file(device)
        present = list(self.blobs_at(rev))
        paths = [p for p in present if file_of(p) == wanted] or [
            p for p in present if file_of(p).lower() == wanted.lower()
        ]
        if len(paths) > 1:
            log.warning(
                "%s has %d files in %s (%s); using the newest, the next backup run removes the others",
                device,
                len(paths),
                self.root,
                ", ".join(sorted(paths)),
            )
            paths = self.newest_first(paths, rev)
        return paths[0] if paths else None

    def find(self, device: str) -> str:
        """The path of a device's backup in HEAD, wherever NetBox has moved it (by name)."""
        path = self.locate(device)
        if path is None:
            raise InputError(
                f"no backup of device {device!r}",
                source=str(self.root),
                field="DEVICE",
                hint="`simpul backup status` lists the devices backed up",
            )
        return path

    # -- history ------------------------------------------------------------------------------

    def _changes(self, path: str, limit: int | None = None) -> list[tuple[str, str, str]]:
        """(commit, ISO date, subject) of the commits that wrote the device file of ``path``, in
        any directory: its whole history across moves. A commit that only removed a stale
        duplicate is no change of the device."""
        args = ["log", "--format=%H%x09%cI%x09%s", "--no-renames", "--diff-filter=AM"]
        if limit is not None:
            args.append(f"-{limit}")
        args += ["HEAD", "--", f":(glob)**/{file_of(path)}"]
        rows = []
        for line in self._git(*args).stdout.splitlines():
            sha, date, subject = line.split("\t", 2)
            rows.append((sha, date, subject))
        return rows

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

    def _no_backup_yet(self) -> None:
        if self.head() is None:
            raise InputError(
                "the backup repo has no backup yet", source=str(self.root), hint="run `simpul backup configs`"
            )

    def diff(self, device: str, since: str | None = None) -> str:
        """What changed in a device's config since a date or revision (default: its last change).

        A move since then shows as git's rename (``rename from``/``rename to``) with any change.
        """
        self._no_backup_yet()
        path = self.find(device)
        if since is None:
            revs = [sha for sha, _, _ in self._changes(path, limit=2)]
            base = revs[1] if len(revs) > 1 else None
        else:
            base = self._resolve(since, end_of_day=False)
        old = self.locate(device, base) if base is not None else None
        if base is None or old is None:
            return self._git("diff", "--no-color", "--no-ext-diff", EMPTY_TREE, "HEAD", "--", path).stdout
        # a low rename threshold: the two paths are one device, whatever its config became
        return self._git(
            "diff", "--no-color", "--no-ext-diff", "--find-renames=1%", base, "HEAD", "--", old, path
        ).stdout

    def show(self, device: str, at: str | None = None) -> str:
        """A device's backed-up config now, or as it was at the end of a date / at a revision."""
        self._no_backup_yet()
        self.find(device)  # a device never backed up is named as such
        rev = "HEAD" if at is None else self._resolve(at, end_of_day=True)
        path = self.locate(device, rev) if rev else None
        content = self.read(path, rev) if rev and path else None
        if content is None:
            raise InputError(
                f"no backup of {device!r} on or before {at}",
                field="--at",
                hint="`simpul backup diff` shows its history",
            )
        return content

    def log(self, device: str | None = None, limit: int = 20) -> list[tuple[str, str, str]]:
        """(commit, ISO date, subject) of the last commits; of one device if given, across its moves."""
        if device is not None:
            return self._changes(self.find(device), limit)
        if self.head() is None:
            return []
        rows = []
        for line in self._git("log", f"-{limit}", "--format=%H%x09%cI%x09%s", "HEAD").stdout.splitlines():
            sha, date, subject = line.split("\t", 2)
            rows.append((sha, date, subject))
        return rows
