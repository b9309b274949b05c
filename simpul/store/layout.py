"""Where a device's backup lives in the repo, and what a run must write, move and remove. Pure.

A device is keyed by its **name** (the Nornir inventory's key, so unique in a run): its file is
``<skpd or _infra>/<site or _nosite>/<device>.cfg``, and the directories only say where NetBox has
it *now*. When NetBox moves a device to another site or SKPD, the run that backs it up next writes
the new path and removes the old one in the same commit: git records a rename, ``git log --follow``
shows the whole history, and HEAD never holds two files for one device. A repo written before this
rule (a move left two files) is repaired by the next run: the newest file is kept, the stale ones
are removed in that commit.

Examples:
    >>> plan = plan_files(
    ...     current={"rtr-disdik.cfg": ["disdik/disdik/rtr-disdik.cfg"]},
    ...     blobs={"disdik/disdik/rtr-disdik.cfg": blob_id("/export\\n")},
    ...     backups={"rtr-disdik": ("dinkes/dinkes/rtr-disdik.cfg", "/export\\n")},
    ... )
    >>> plan.writes, plan.removes
    ({'dinkes/dinkes/rtr-disdik.cfg': '/export\\n'}, ('disdik/disdik/rtr-disdik.cfg',))
    >>> plan.moved
    {'rtr-disdik': ('disdik/disdik/rtr-disdik.cfg', 'dinkes/dinkes/rtr-disdik.cfg')}
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

SUFFIX = ".cfg"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_part(text: str) -> str:
    """A path component that cannot escape its directory.

    >>> safe_part("rtr/disdik .."), safe_part("..")
    ('rtr_disdik_..', '_')
    """
    cleaned = _SAFE.sub("_", text.strip()) or "_"
    return "_" if set(cleaned) <= {"."} else cleaned


def device_file(name: str) -> str:
    """The file name of a device's backup, whatever directory it is in.

    >>> device_file("rtr-disdik")
    'rtr-disdik.cfg'
    """
    return safe_part(name) + SUFFIX


def file_of(path: str) -> str:
    """The file name part of a repo path.

    >>> file_of("disdik/disdik/rtr-disdik.cfg")
    'rtr-disdik.cfg'
    """
    return path.rsplit("/", 1)[-1]


def backup_path(name: str, skpd: str | None, site: str | None) -> str:
    """Where a device's config lives in the repo, from where NetBox has it now.

    >>> backup_path("rtr-disdik", "disdik", "disdik")
    'disdik/disdik/rtr-disdik.cfg'
    >>> backup_path("core-diskominfo-01", None, "diskominfo")
    '_infra/diskominfo/core-diskominfo-01.cfg'
    """
    top = safe_part(skpd) if skpd else "_infra"
    return f"{top}/{safe_part(site) if site else '_nosite'}/{device_file(name)}"


def blob_id(text: str) -> str:
    """The git blob id of ``text`` (what ``git hash-object`` prints), computed without git.

    >>> blob_id("")
    'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
    """
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def by_device_file(paths: Iterable[str]) -> dict[str, list[str]]:
    """Backup paths grouped by file name (one device each), in the order given.

    >>> by_device_file(["a/s/r1.cfg", "b/t/r1.cfg", "a/s/r2.cfg", "README.md"])
    {'r1.cfg': ['a/s/r1.cfg', 'b/t/r1.cfg'], 'r2.cfg': ['a/s/r2.cfg']}
    """
    grouped: dict[str, list[str]] = {}
    for path in paths:
        if path.endswith(SUFFIX):
            grouped.setdefault(file_of(path), []).append(path)
    return grouped


@dataclass(frozen=True)
class FilePlan:
    """What one commit does to the repo's files.

    ``writes``: path -> content, only what differs from HEAD; ``removes``: paths deleted;
    ``moved``: device -> (old path, new path); ``stale``: device file -> (removed duplicates,
    kept path), the repair of a repo that held two files for one device; ``changed``: the devices
    whose file changes (content or place).
    """

    writes: dict[str, str] = field(default_factory=dict)
    removes: tuple[str, ...] = ()
    moved: dict[str, tuple[str, str]] = field(default_factory=dict)
    stale: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    changed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.writes and not self.removes


def plan_files(
    current: Mapping[str, Sequence[str]],
    blobs: Mapping[str, str],
    backups: Mapping[str, tuple[str, str]],
) -> FilePlan:
    """The commit that stores ``backups`` (device -> (path, scrubbed text)) over HEAD.

    ``current``: HEAD's paths by device file name, newest first (:func:`by_device_file`);
    ``blobs``: HEAD's blob id per path. A device not in ``backups`` (it failed, or was not in
    this run) keeps its file where it is; if it has several, the newest stays.

    Examples:
        A repo from before moves were renames: two files for rtr-dinkes; the run keeps one.

        >>> plan = plan_files(
        ...     current={"rtr-dinkes.cfg": ["dinkes/dinkes/rtr-dinkes.cfg", "disdik/x/rtr-dinkes.cfg"],
        ...              "sw-01.cfg": ["a/s/sw-01.cfg", "b/t/sw-01.cfg"]},
        ...     blobs={"dinkes/dinkes/rtr-dinkes.cfg": blob_id("end\\n")},
        ...     backups={"rtr-dinkes": ("dinkes/dinkes/rtr-dinkes.cfg", "end\\n")},
        ... )
        >>> plan.writes, plan.removes, plan.moved, plan.changed
        ({}, ('b/t/sw-01.cfg', 'disdik/x/rtr-dinkes.cfg'), {}, ('rtr-dinkes',))
        >>> plan.stale["rtr-dinkes.cfg"]
        (('disdik/x/rtr-dinkes.cfg',), 'dinkes/dinkes/rtr-dinkes.cfg')
        >>> plan.stale["sw-01.cfg"]
        (('b/t/sw-01.cfg',), 'a/s/sw-01.cfg')
    """
    writes: dict[str, str] = {}
    removes: list[str] = []
    moved: dict[str, tuple[str, str]] = {}
    stale: dict[str, tuple[tuple[str, ...], str]] = {}
    changed: list[str] = []
    handled: set[str] = set()
    for device, (path, text) in sorted(backups.items()):
        name = file_of(path)
        handled.add(name)
        existing = list(current.get(name, ()))
        if blobs.get(path) != blob_id(text):
            writes[path] = text
        others = [p for p in existing if p != path]
        if path not in existing and existing:
            moved[device] = (existing[0], path)
        duplicates = tuple(p for p in others if p != moved.get(device, ("",))[0])
        if duplicates:
            stale[name] = (duplicates, path)
        removes += others
        if path in writes or others:
            changed.append(device)
    for name, paths in sorted(current.items()):
        if name not in handled and len(paths) > 1:
            stale[name] = (tuple(paths[1:]), paths[0])
            removes += paths[1:]
    return FilePlan(
        writes=writes, removes=tuple(sorted(removes)), moved=moved, stale=stale, changed=tuple(changed)
    )
