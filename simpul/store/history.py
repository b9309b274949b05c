"""A versioned history of check results: one row per subject, check, state and time (SQLite).

Generic on purpose: ``simpul intended check`` writes ``(device, "intended:<feature>", state)``,
the nightly job writes its own checks into the same table, and reports are views over it (since
when a device is non-compliant, its state changes over time). Every run is kept, not only the
latest state. The schema carries a version table; ``MIGRATIONS`` upgrades an older file in place.

Examples:
    >>> import datetime as dt, tempfile, pathlib
    >>> store = HistoryStore(pathlib.Path(tempfile.mkdtemp()) / "history.sqlite")
    >>> t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    >>> for day, state in ((0, "compliant"), (1, "non_compliant"), (2, "non_compliant")):
    ...     _ = store.record([Row("rtr-a", "intended:ntp", state)], t0 + dt.timedelta(days=day))
    >>> store.since("rtr-a", "intended:ntp").date()
    datetime.date(2026, 11, 2)
    >>> [(c.time.day, c.state) for c in store.changes("rtr-a", "intended:ntp")]
    [(1, 'compliant'), (2, 'non_compliant')]
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from simpul.errors import StoreError

#: Schema migrations, in order; the version table records how many have run.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL, who TEXT, detail TEXT
    );
    CREATE TABLE results (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run TEXT NOT NULL REFERENCES runs(id),
        time TEXT NOT NULL,
        subject TEXT NOT NULL,
        "check" TEXT NOT NULL,
        state TEXT NOT NULL,
        detail TEXT
    );
    CREATE INDEX results_subject_check_time ON results(subject, "check", time);
    """,
)


@dataclass(frozen=True)
class Row:
    """One result to record: what was checked (subject, check), its state, and details (JSON)."""

    subject: str
    check: str
    state: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """One stored result."""

    run: str
    time: dt.datetime
    subject: str
    check: str
    state: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Run:
    """One stored run: its id, time, kind (``check``, ``nightly``, ...), who started it, its detail."""

    id: str
    time: dt.datetime
    kind: str
    who: str | None
    detail: dict[str, Any]


class StateRow(NamedTuple):
    """One stored result without its detail: what :meth:`HistoryStore.iter_states` streams."""

    id: int
    run: str
    subject: str
    check: str
    state: str


class HistoryStore:
    """The SQLite history under the state directory (created and migrated on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            self._migrate(db)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=30)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the history store: {exc}", source=str(self.path)) from None
        try:
            with db:
                yield db
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"the history store is unusable: {exc}",
                source=str(self.path),
                hint="move the file aside; a new one is created on the next run",
            ) from None
        finally:
            db.close()

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT version FROM schema_version").fetchone()
        version = int(row[0]) if row else 0
        if row is None:
            db.execute("INSERT INTO schema_version (version) VALUES (0)")
        if version > len(MIGRATIONS):
            raise StoreError(
                f"the history store has schema version {version}, newer than this simpul knows",
                hint="upgrade simpul",
            )
        for script in MIGRATIONS[version:]:
            db.executescript(script)
        db.execute("UPDATE schema_version SET version = ?", (len(MIGRATIONS),))

    @property
    def version(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT version FROM schema_version").fetchone()[0])

    def record(
        self,
        rows: Iterable[Row],
        time: dt.datetime,
        *,
        kind: str = "check",
        who: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> str:
        """Store one run's results in one transaction; returns the run id."""
        run = uuid.uuid4().hex
        stamp = time.astimezone(dt.UTC).isoformat()
        with self._db() as db:
            db.execute(
                "INSERT INTO runs (id, time, kind, who, detail) VALUES (?, ?, ?, ?, ?)",
                (run, stamp, kind, who, json.dumps(detail or {})),
            )
            db.executemany(
                'INSERT INTO results (run, time, subject, "check", state, detail) VALUES (?, ?, ?, ?, ?, ?)',
                [
                    (run, stamp, r.subject, r.check, r.state, json.dumps(r.detail, sort_keys=True))
                    for r in rows
                ],
            )
        return run

    def entries(
        self, subject: str | None = None, check: str | None = None, check_prefix: str | None = None
    ) -> list[Entry]:
        """Stored results, oldest first, filtered by subject and check (exact or by prefix)."""
        sql = 'SELECT run, time, subject, "check", state, detail FROM results WHERE 1=1'
        args: list[str] = []
        if subject is not None:
            sql, args = sql + " AND subject = ?", [*args, subject]
        if check is not None:
            sql, args = sql + ' AND "check" = ?', [*args, check]
        if check_prefix is not None:
            sql, args = sql + ' AND substr("check", 1, ?) = ?', [*args, str(len(check_prefix)), check_prefix]
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY time, id", args).fetchall()
        return [
            Entry(run, dt.datetime.fromisoformat(time), subj, chk, state, json.loads(detail or "{}"))
            for run, time, subj, chk, state, detail in rows
        ]

    def changes(self, subject: str, check: str) -> list[Entry]:
        """The entries where the state changed (the first one included)."""
        out: list[Entry] = []
        for entry in self.entries(subject, check):
            if not out or out[-1].state != entry.state:
                out.append(entry)
        return out

    def since(self, subject: str, check: str) -> dt.datetime | None:
        """Since when the current state holds (first seen in its current run of states)."""
        changes = self.changes(subject, check)
        return changes[-1].time if changes else None

    def first_seen(self, subject: str, check: str, state: str) -> dt.datetime | None:
        """When a state was first recorded for a subject's check (ever)."""
        times = [e.time for e in self.entries(subject, check) if e.state == state]
        return times[0] if times else None

    def last_seen(self, subject: str, check: str, state: str) -> dt.datetime | None:
        """When a state was last recorded for a subject's check."""
        times = [e.time for e in self.entries(subject, check) if e.state == state]
        return times[-1] if times else None

    def runs(self, kind: str | None = None, since: dt.datetime | None = None) -> list[Run]:
        """Stored runs, oldest first, of one kind and from a time on (both optional).

        >>> import datetime as dt, tempfile, pathlib
        >>> store = HistoryStore(pathlib.Path(tempfile.mkdtemp()) / "history.sqlite")
        >>> t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        >>> _ = store.record([], t0, kind="nightly", detail={"stages": {}})
        >>> _ = store.record([Row("rtr-a", "intended:ntp", "compliant")], t0 + dt.timedelta(hours=1))
        >>> _ = store.record([], t0 + dt.timedelta(days=1), kind="nightly")
        >>> [(r.kind, r.time.day, r.detail) for r in store.runs("nightly")]
        [('nightly', 1, {'stages': {}}), ('nightly', 2, {})]
        >>> [r.kind for r in store.runs(since=t0 + dt.timedelta(minutes=1))]
        ['check', 'nightly']
        """
        sql = "SELECT id, time, kind, who, detail FROM runs WHERE 1=1"
        args: list[str] = []
        if kind is not None:
            sql, args = sql + " AND kind = ?", [*args, kind]
        if since is not None:
            sql, args = sql + " AND time >= ?", [*args, since.astimezone(dt.UTC).isoformat()]
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY time, rowid", args).fetchall()
        return [
            Run(run, dt.datetime.fromisoformat(time), kind_, who, json.loads(detail or "{}"))
            for run, time, kind_, who, detail in rows
        ]

    def iter_states(self, kind: str, until: dt.datetime | None = None) -> Iterator[StateRow]:
        """Every result of the runs of one kind (up to a time), oldest first, without its detail.

        Streamed from one query: a report over a year of nightly runs folds them as they come, then
        reads the few details it shows with :meth:`details`.

        >>> import datetime as dt, tempfile, pathlib
        >>> store = HistoryStore(pathlib.Path(tempfile.mkdtemp()) / "history.sqlite")
        >>> t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        >>> _ = store.record([Row("skpd:disdik", "obligation:16.1", "met", {"facts": {"n": 1}})], t0,
        ...                  kind="nightly")
        >>> _ = store.record([Row("rtr-a", "intended:ntp", "compliant")], t0)
        >>> _ = store.record([Row("skpd:disdik", "finding:ab12", "open")], t0 + dt.timedelta(days=1),
        ...                  kind="nightly")
        >>> [(r.subject, r.check, r.state) for r in store.iter_states("nightly")]
        [('skpd:disdik', 'obligation:16.1', 'met'), ('skpd:disdik', 'finding:ab12', 'open')]
        >>> [r.check for r in store.iter_states("nightly", until=t0)]
        ['obligation:16.1']
        >>> first = next(store.iter_states("nightly"))
        >>> store.details([first.id])
        {1: {'facts': {'n': 1}}}
        """
        sql = (
            'SELECT results.id, results.run, subject, "check", state FROM results'
            " JOIN runs ON runs.id = results.run WHERE runs.kind = ?"
        )
        args: list[str] = [kind]
        if until is not None:
            sql, args = sql + " AND runs.time <= ?", [*args, until.astimezone(dt.UTC).isoformat()]
        with self._db() as db:
            for row in db.execute(sql + " ORDER BY results.time, results.id", args):
                yield StateRow(*row)

    def details(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """The details of results by their id (as :meth:`iter_states` gives it)."""
        wanted = sorted(set(ids))
        out: dict[int, dict[str, Any]] = {}
        with self._db() as db:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for id_, detail in db.execute(f"SELECT id, detail FROM results WHERE id IN ({marks})", chunk):
                    out[int(id_)] = json.loads(detail or "{}")
        return out
