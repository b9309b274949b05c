"""SKPD data backups to the Pusat Data (Perbup Pasal 16-17): pure models and judgements.

Everything here is pure (no disk, no network, no clock: ``now`` is always passed in) and typed:

- **policies as data** (``backup_policies/<name>.yaml``): sources (paths with excludes, PostgreSQL and
  MySQL/MariaDB databases), a schedule in systemd calendar syntax, retention, RPO, restore drills.
  :func:`load_policy` validates a file and raises an ``InputError`` naming file, line and field;
- **schedules**: :func:`parse_calendar` reads the systemd ``OnCalendar`` subset simpul accepts and
  knows the longest gap between two runs, so a policy whose schedule can never meet its RPO is refused;
- **the agent**: :func:`render_agent_script` writes the one bash script every SKPD server runs (the
  Ansible role installs it, the lab's local runner runs it, the timer starts it): restic with its
  credentials read from files, database dumps streamed into ``restic backup --stdin`` so that a
  producer dying midway kills restic before it can save the truncated stream, and one *run marker*
  snapshot at the end naming the sources that succeeded. Only sources named by a marker count as good
  backups (:func:`runs_of`): a truncated snapshot left by a killed agent never does;
- **retention** (:func:`retention_keep`, :func:`retention_plan`), **RPO** (:func:`judge_rpo`),
  **drills** (:func:`pick_sample`, :func:`judge_files`, :func:`judge_check_query`) and **status
  findings** citing Pasal 16 and 17 (:func:`status_findings`).

Examples:
    >>> policy = load_policy(EXAMPLE_POLICY, "backup_policies/kritis.yaml", name="kritis")
    >>> [s.source_name for s in policy.path_sources], policy.rpo_hours
    (['files-var-www'], 26.0)
    >>> parse_calendar(policy.schedule).max_gap_hours()
    24.0
    >>> load_policy(EXAMPLE_POLICY.replace("rpo_hours: 26", "rpo_hours: 12"), "kritis.yaml", name="kritis")
    Traceback (most recent call last):
    ...
    simpul.errors.InputError: the schedule leaves up to 24.0 h between two runs, more than rpo_hours 12.0
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from simpul.core.findings import Severity
from simpul.core.yaml_lines import LineIndex, YamlPath, field_path, load_yaml_with_lines
from simpul.errors import InputError

PASAL_16_1 = "Pasal 16 ayat (1)"
PASAL_16_2 = "Pasal 16 ayat (2)"
PASAL_17 = "Pasal 17"

SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
DB_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$")
SKPD_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")

MARKER_TAG = "simpul-run"
SOURCE_TAG = "simpul"
MARKER_FILENAME = ".simpul-run.jsonl"

_M = TypeVar("_M", bound=BaseModel)

EXAMPLE_POLICY = """\
version: 1
description: Example
sources:
  paths:
    - path: /var/www
      exclude: ["*.tmp", "/var/www/*/cache"]
  databases:
    - engine: postgresql
schedule: "*-*-* 01:30:00"
rpo_hours: 26
retention: {keep_last: 3, keep_daily: 14}
drill: {every_days: 30}
"""


# -- policy model -------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PathSource(_Model):
    """A directory (or file) to back up, with restic exclude patterns."""

    path: str = Field(description="absolute path on the SKPD server")
    exclude: tuple[str, ...] = Field(default=(), description="restic --exclude patterns")
    name: str | None = Field(default=None, description="source name (default: files-<path>)")

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/") or "/../" in value + "/" or "\n" in value:
            raise ValueError("must be an absolute path without '..'")
        return value.rstrip("/") or "/"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not SOURCE_NAME.match(value):
            raise ValueError("must be lower-case letters, digits, '.', '_' or '-'")
        return value

    @property
    def source_name(self) -> str:
        """``/var/www`` -> ``files-var-www`` unless named.

        >>> PathSource(path="/").source_name, PathSource(path="/srv/Data Umum").source_name
        ('files-root', 'files-srv-data-umum')
        """
        if self.name:
            return self.name
        slug = re.sub(r"[^a-z0-9]+", "-", self.path.lower()).strip("-")
        return f"files-{slug or 'root'}"[:63]


class DatabaseSource(_Model):
    """Databases of one engine on the SKPD server, each dumped consistently into its own snapshot."""

    engine: Literal["postgresql", "mysql"]
    names: Literal["all"] | tuple[str, ...] = Field(
        default="all", description="'all' (every user database) or a list of database names"
    )
    check_query: str | None = Field(
        default=None,
        description="drill check: one value that must be true or a positive number after loading the dump",
    )

    @field_validator("names")
    @classmethod
    def _names(cls, value: Literal["all"] | tuple[str, ...]) -> Literal["all"] | tuple[str, ...]:
        if value != "all":
            if not value:
                raise ValueError("list at least one database, or say 'all'")
            for name in value:
                if not DB_NAME.match(name):
                    raise ValueError(f"{name!r} is not a database name simpul can back up")
        return value

    @property
    def prefix(self) -> str:
        return "pg" if self.engine == "postgresql" else "mysql"

    def default_check(self) -> str:
        """The check query when the policy names none: the dump created at least one table."""
        if self.engine == "postgresql":
            return (
                "select count(*) from pg_catalog.pg_tables "
                "where schemaname not in ('pg_catalog', 'information_schema')"
            )
        return "select count(*) from information_schema.tables where table_schema = database()"


class Sources(_Model):
    paths: tuple[PathSource, ...] = ()
    databases: tuple[DatabaseSource, ...] = ()


class ServerSelector(_Model):
    """Which NetBox devices / VMs of the SKPD run the agent: any of the roles or tags, and its VPS."""

    roles: tuple[str, ...] = ("server",)
    tags: tuple[str, ...] = ("simpul-backup",)
    vps: bool = True


class Retention(_Model):
    """restic's keep rules, applied by the Pusat Data to *good* runs only (see :func:`retention_keep`)."""

    keep_last: int = Field(default=0, ge=0)
    keep_hourly: int = Field(default=0, ge=0)
    keep_daily: int = Field(default=0, ge=0)
    keep_weekly: int = Field(default=0, ge=0)
    keep_monthly: int = Field(default=0, ge=0)
    keep_yearly: int = Field(default=0, ge=0)

    def describe(self) -> str:
        """The rules in words.

        >>> Retention(keep_last=3, keep_daily=7).describe()
        'last 3, daily 7'
        """
        parts = [
            f"{name.removeprefix('keep_')} {value}" for name, value in self.model_dump().items() if value
        ]
        return ", ".join(parts) or "nothing"


class DrillPolicy(_Model):
    every_days: int = Field(default=30, ge=1, description="a restore drill at least this often")
    snapshot: Literal["latest", "random"] = Field(
        default="latest", description="drill the latest good run, or a random one of those kept"
    )
    sample_files: int | None = Field(
        default=None, ge=1, description="restore this many random files per path source (default: all)"
    )


class DataPolicy(_Model):
    """One ``backup_policies/<name>.yaml``."""

    version: Literal[1] = 1
    description: str = ""
    servers: ServerSelector = ServerSelector()
    sources: Sources
    schedule: str = Field(description="systemd calendar expression (OnCalendar=), e.g. '*-*-* 01:30:00'")
    rpo_hours: float = Field(gt=0, description="the oldest a good backup may be, in hours")
    retention: Retention
    drill: DrillPolicy = DrillPolicy()

    @property
    def path_sources(self) -> tuple[PathSource, ...]:
        return self.sources.paths

    @property
    def database_sources(self) -> tuple[DatabaseSource, ...]:
        return self.sources.databases


@dataclass(frozen=True)
class NamedPolicy:
    name: str
    policy: DataPolicy
    source: str  # the file it came from


def _pydantic_error(exc: ValidationError, source: str, lines: LineIndex) -> InputError:
    """The first complaint, top-down in the file, as an InputError with file, line and field."""
    problems = []
    for err in exc.errors():
        loc = tuple(
            p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("literal[", "tuple[")))
        )
        path: YamlPath = tuple(p for p in loc if isinstance(p, str | int))
        if err["type"] == "extra_forbidden":
            message = f"unknown field {path[-1]!r}"
        elif err["type"] == "missing":
            message = f"missing field {path[-1]!r}"
        else:
            message = str(err["msg"]).removeprefix("Value error, ")
        problems.append((lines.line(path) or 0, err["type"] != "extra_forbidden", path, message))
    line, _, path, message = sorted(problems, key=lambda p: (p[0], p[1]))[0]
    more = len(problems) - 1
    return InputError(
        message + (f" ({more} more error(s) after fixing this one)" if more else ""),
        source=source,
        line=line or None,
        field=field_path(path) or None,
        hint="see backup_policies/data_policy.schema.json and docs/data-backups.md",
    )


def load_policy(text: str, source: str, *, name: str) -> DataPolicy:
    """Parse and validate one policy file; every problem is an InputError with file, line and field.

    >>> text = "version: 1\\nsources: {}\\nschedule: daily\\nrpo_hours: 30\\nretention: {keep_last: 1}\\n"
    >>> load_policy(text, "p.yaml", name="p")
    Traceback (most recent call last):
    ...
    simpul.errors.InputError: the policy backs up nothing: list sources.paths or sources.databases
    >>> try:
    ...     load_policy(EXAMPLE_POLICY.replace("keep_daily", "keep_dayly"), "k.yaml", name="k")
    ... except InputError as err:
    ...     print(err.render().splitlines()[0])
    E2001 k.yaml:11: retention.keep_dayly: unknown field 'keep_dayly'
    """
    data, lines = load_yaml_with_lines(text, source)
    if not isinstance(data, dict):
        raise InputError(
            "a policy file is a mapping (version, sources, schedule, ...)", source=source, line=1
        )
    for dup in lines.duplicates:
        raise InputError(
            f"{field_path(dup)!r} is given twice", source=source, line=lines.line(dup), field=field_path(dup)
        )
    try:
        policy = DataPolicy.model_validate(data)
    except ValidationError as exc:
        raise _pydantic_error(exc, source, lines) from None
    _check_policy(policy, source, lines)
    return policy


def _check_policy(policy: DataPolicy, source: str, lines: LineIndex) -> None:
    def fail(message: str, path: YamlPath, hint: str | None = None) -> InputError:
        return InputError(message, source=source, line=lines.line(path), field=field_path(path), hint=hint)

    if not policy.path_sources and not policy.database_sources:
        raise fail("the policy backs up nothing: list sources.paths or sources.databases", ("sources",))
    seen: dict[str, int] = {}
    for index, src in enumerate(policy.path_sources):
        if src.source_name in seen:
            raise fail(
                f"source name {src.source_name!r} is used twice",
                ("sources", "paths", index),
                hint="give one of them a distinct 'name'",
            )
        seen[src.source_name] = index
    engines = [db.engine for db in policy.database_sources]
    for index, engine in enumerate(engines):
        if engines.index(engine) != index:
            raise fail(
                f"{engine} is listed twice: list its databases in one entry", ("sources", "databases", index)
            )
    if not any(policy.retention.model_dump().values()):
        raise fail("retention keeps nothing: set at least one keep_* above 0", ("retention",))
    try:
        calendar = parse_calendar(policy.schedule)
    except ValueError as exc:
        raise fail(
            str(exc), ("schedule",), hint="systemd calendar syntax, e.g. '*-*-* 01:30:00' or 'daily'"
        ) from None
    gap = calendar.max_gap_hours()
    if gap > policy.rpo_hours:
        raise fail(
            f"the schedule leaves up to {gap} h between two runs, more than rpo_hours {policy.rpo_hours}",
            ("rpo_hours",),
            hint="run more often, or raise rpo_hours",
        )


# -- schedules: the systemd calendar subset --------------------------------------------------------

_SHORTHANDS = {
    "minutely": "*-*-* *:*:00",
    "hourly": "*-*-* *:00:00",
    "daily": "*-*-* 00:00:00",
    "weekly": "Mon *-*-* 00:00:00",
    "monthly": "*-*-01 00:00:00",
    "yearly": "*-01-01 00:00:00",
    "annually": "*-01-01 00:00:00",
    "quarterly": "*-01,04,07,10-01 00:00:00",
    "semiannually": "*-01,07-01 00:00:00",
}
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {name: i for i, name in enumerate(_DAYS)} | {
    full: i
    for i, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}


def _values(spec: str, low: int, high: int, what: str) -> frozenset[int]:
    """One calendar component: ``*``, ``5``, ``1,15``, ``1..5``, ``*/2``, ``0/15``."""
    out: set[int] = set()
    for part in spec.split(","):
        step = 1
        if "/" in part:
            start, _, step_text = part.partition("/")
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"bad repetition {step_text!r} in {what}")
            step = int(step_text)
            first, last = (low, high) if start == "*" else (_int(start, what), high)
        elif part == "*":
            first, last = low, high
        elif ".." in part:
            a, _, b = part.partition("..")
            first, last = _int(a, what), _int(b, what)
        else:
            first = last = _int(part, what)
        if not (low <= first <= high and low <= last <= high and first <= last):
            raise ValueError(f"{what} {part!r} is out of range {low}..{high}")
        out.update(range(first, last + 1, step))
    return frozenset(out)


def _int(text: str, what: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{what} {text!r} is not a number")
    return int(text)


def _weekdays(spec: str) -> frozenset[int]:
    out: set[int] = set()
    for part in spec.lower().split(","):
        a, sep, b = part.partition("..")
        if a not in _DAY_NAMES or (sep and b not in _DAY_NAMES):
            raise ValueError(f"unknown weekday in {spec!r} (Mon..Sun)")
        first, last = _DAY_NAMES[a], _DAY_NAMES[b] if sep else _DAY_NAMES[a]
        out.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
    return frozenset(out)


@dataclass(frozen=True)
class Calendar:
    """A parsed ``OnCalendar=`` expression (local time; systemd's ``~`` and time zones are not accepted)."""

    expression: str
    weekdays: frozenset[int]
    years: frozenset[int] | None  # None: every year
    months: frozenset[int]
    days: frozenset[int]
    hours: frozenset[int]
    minutes: frozenset[int]
    seconds: frozenset[int]

    def matches_day(self, day: dt.date) -> bool:
        return (
            (self.years is None or day.year in self.years)
            and day.month in self.months
            and day.day in self.days
            and day.weekday() in self.weekdays
        )

    def times_of_day(self) -> list[int]:
        """Seconds after midnight of every match within a matching day, sorted."""
        return sorted(h * 3600 + m * 60 + s for h in self.hours for m in self.minutes for s in self.seconds)

    def occurrences(self, start: dt.date, days: int) -> Iterable[dt.datetime]:
        times = self.times_of_day()
        for offset in range(days):
            day = start + dt.timedelta(days=offset)
            if self.matches_day(day):
                midnight = dt.datetime.combine(day, dt.time())
                for t in times:
                    yield midnight + dt.timedelta(seconds=t)

    def max_gap_hours(self, start: dt.date = dt.date(2026, 1, 1), days: int = 800) -> float:
        """The longest wait between two runs over ``days`` days (two years and more: leap days, weekdays).

        >>> parse_calendar("Mon..Fri *-*-* 18:00").max_gap_hours()
        72.0
        >>> parse_calendar("*-*-* 00/6:00").max_gap_hours()
        6.0
        """
        previous: dt.datetime | None = None
        longest = 0.0
        for when in self.occurrences(start, days):
            if previous is not None:
                longest = max(longest, (when - previous).total_seconds())
            previous = when
        if previous is None:
            raise ValueError(f"{self.expression!r} never runs between {start} and {days} days later")
        return round(longest / 3600, 2)

    def cron(self) -> str | None:
        """The same schedule as a cron time spec, when cron can say it (whole minutes, every year).

        >>> parse_calendar("*-*-* 01:30:00").cron(), parse_calendar("Mon,Thu *-*-* 02:00").cron()
        ('30 1 * * *', '0 2 * * 1,4')
        >>> parse_calendar("*-*-* 01:30:15").cron() is None
        True
        """
        if self.seconds != frozenset({0}) or self.years is not None:
            return None
        if self.weekdays != frozenset(range(7)) and self.days != frozenset(range(1, 32)):
            return None  # cron ORs day-of-month and day-of-week; systemd ANDs them

        def field(values: frozenset[int], low: int, high: int, shift: int = 0) -> str:
            if values == frozenset(range(low, high + 1)):
                return "*"
            return ",".join(str((v + shift) % 7 if shift else v) for v in sorted(values))

        dow = field(self.weekdays, 0, 6, shift=1)  # cron: 0 = Sunday, systemd/Python: 0 = Monday
        if dow != "*":
            dow = ",".join(sorted(dow.split(","), key=int))
        return " ".join(
            [
                field(self.minutes, 0, 59),
                field(self.hours, 0, 23),
                field(self.days, 1, 31),
                field(self.months, 1, 12),
                dow,
            ]
        )


def parse_calendar(expression: str) -> Calendar:
    """Parse a systemd calendar expression: ``[weekdays] [[Y-]M-D] [H:M[:S]]`` or a shorthand.

    >>> c = parse_calendar("Sat,Sun *-*-* 03:15")
    >>> sorted(c.weekdays), sorted(c.hours), sorted(c.minutes), sorted(c.seconds)
    ([5, 6], [3], [15], [0])
    >>> parse_calendar("daily") == parse_calendar("*-*-* 00:00:00").__class__(**{
    ...     **parse_calendar("*-*-* 00:00:00").__dict__, "expression": "daily"})
    True
    >>> parse_calendar("*-*-* 25:00")
    Traceback (most recent call last):
    ...
    ValueError: hour '25' is out of range 0..23
    """
    text = " ".join(expression.split())
    if not text:
        raise ValueError("the schedule is empty")
    body = _SHORTHANDS.get(text.lower(), text)
    if "~" in body:
        raise ValueError("'~' (days from the end of the month) is not supported: name the days")
    parts = body.split(" ")
    weekdays = frozenset(range(7))
    if parts and re.match(r"^[A-Za-z]", parts[0]):
        weekdays = _weekdays(parts.pop(0))
    date_part, time_part = "*-*-*", "00:00:00"
    for part in parts:
        if ":" in part:
            time_part = part
        elif "-" in part:
            date_part = part
        else:
            raise ValueError(f"cannot read {part!r} (time zones are not supported; times are local)")
    if len(parts) > 2:
        raise ValueError(f"too many parts in {expression!r}")
    date_fields = date_part.split("-")
    if len(date_fields) == 2:
        date_fields = ["*", *date_fields]
    if len(date_fields) != 3:
        raise ValueError(f"bad date {date_part!r}: use Y-M-D or M-D")
    time_fields = time_part.split(":")
    if len(time_fields) == 2:
        time_fields.append("00")
    if len(time_fields) != 3:
        raise ValueError(f"bad time {time_part!r}: use H:M or H:M:S")
    return Calendar(
        expression=expression,
        weekdays=weekdays,
        years=None if date_fields[0] == "*" else _values(date_fields[0], 1970, 2199, "year"),
        months=_values(date_fields[1], 1, 12, "month"),
        days=_values(date_fields[2], 1, 31, "day"),
        hours=_values(time_fields[0], 0, 23, "hour"),
        minutes=_values(time_fields[1], 0, 59, "minute"),
        seconds=_values(time_fields[2], 0, 59, "second"),
    )


# -- the Pusat Data target ----------------------------------------------------------------------


class PusatDataTarget(_Model):
    """The backup server of the Pusat Data: where the repositories live and how agents reach them.

    The REST server (``rclone serve restic --append-only --private-repos``) gives each SKPD user its
    own ``/<skpd>/`` repository only; the Dinas's own key per repository (``keys_dir``) works on the
    directory directly (prune, check, drills), never through the append-only server.
    """

    repos_dir: str
    listen: str = "127.0.0.1:8000"
    url: str | None = Field(default=None, description="URL the agents use (default: http://<listen>)")
    htpasswd: str
    keys_dir: str
    reports_dir: str
    cache_dir: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    rclone: str = "rclone"
    restic: str = "restic"
    scratch_dir: str | None = Field(default=None, description="where drills restore (default: a temp dir)")

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be HOST:PORT")
        return value

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls_cert else "http"
        return (self.url or f"{scheme}://{self.listen}").rstrip("/")

    @property
    def loopback_only(self) -> bool:
        host = self.listen.rpartition(":")[0].strip("[]")
        return host in ("127.0.0.1", "::1", "localhost")

    def repo_dir(self, skpd: str) -> str:
        return f"{self.repos_dir.rstrip('/')}/{skpd}"

    def key_file(self, skpd: str) -> str:
        return f"{self.keys_dir.rstrip('/')}/{skpd}.key"


def rclone_serve_argv(target: PusatDataTarget) -> list[str]:
    """The REST server command line: append-only, one private repository per user, loopback or TLS.

    >>> t = PusatDataTarget(repos_dir="/srv/r", htpasswd="/etc/h", keys_dir="/k", reports_dir="/d")
    >>> " ".join(rclone_serve_argv(t))
    'rclone serve restic --append-only --private-repos --htpasswd /etc/h --addr 127.0.0.1:8000 /srv/r'
    """
    argv = [target.rclone, "serve", "restic", "--append-only", "--private-repos"]
    argv += ["--htpasswd", target.htpasswd, "--addr", target.listen]
    if target.tls_cert and target.tls_key:
        argv += ["--cert", target.tls_cert, "--key", target.tls_key]
    return [*argv, target.repos_dir]


def repository_location(target: PusatDataTarget, skpd: str, http_password: str | None = None) -> str:
    """The restic location an agent uses; with the password it is a secret (written to a 0600 file only).

    >>> t = PusatDataTarget(repos_dir="/r", htpasswd="/h", keys_dir="/k", reports_dir="/d",
    ...                     listen="127.0.0.1:8123")
    >>> repository_location(t, "disdik")
    'rest:http://127.0.0.1:8123/disdik/'
    >>> repository_location(t, "disdik", "p@ss/word")
    'rest:http://disdik:p%40ss%2Fword@127.0.0.1:8123/disdik/'
    """
    return rest_location(target.base_url, skpd, http_password)


def rest_location(base_url: str, skpd: str, http_password: str | None = None) -> str:
    """``rest:<base_url>/<skpd>/``, with the SKPD's HTTP user and password when given.

    >>> rest_location("https://backup.pusatdata.example:8000/", "disdik")
    'rest:https://backup.pusatdata.example:8000/disdik/'
    """
    from urllib.parse import quote

    scheme, _, rest = base_url.rstrip("/").partition("://")
    auth = f"{skpd}:{quote(http_password, safe='')}@" if http_password is not None else ""
    return f"rest:{scheme}://{auth}{rest}/{skpd}/"


def validate_skpd(skpd: str) -> str:
    if not SKPD_SLUG.match(skpd):
        raise InputError(
            f"{skpd!r} is not an SKPD slug", field="skpd", hint="lower-case letters, digits, '-'"
        )
    return skpd


# -- where the agents are (the estate) ------------------------------------------------------------


class PostgresAccess(_Model):
    """How the agent reaches PostgreSQL: the local socket as ``os_user`` (peer auth, no password), or
    host/port/user with the password in ``<etc>/pgpass`` (PGPASSFILE, never argv)."""

    host: str | None = None
    port: int | None = None
    user: str | None = None
    os_user: str | None = "postgres"
    bin_dir: str | None = None


class MysqlAccess(_Model):
    """MySQL/MariaDB: credentials in ``<etc>/my.cnf`` (``--defaults-extra-file``, never argv)."""

    os_user: str | None = None
    dump: str = "mysqldump"
    client: str = "mysql"


class ServerAccess(_Model):
    """How simpul reaches one SKPD server's agent: ``local`` (a lab tree on this host) or ``ssh``."""

    runner: Literal["local", "ssh"] = "ssh"
    root: str | None = Field(default=None, description="local: the server's root directory (lab)")
    host: str | None = None
    port: int = 22
    user: str = "root"
    identity: str | None = Field(default=None, description="ssh: private key file")
    known_hosts: str | None = Field(default=None, description="ssh: known_hosts file (new hosts accepted)")
    postgres: PostgresAccess | None = Field(default=None, description="how the agent reaches PostgreSQL")
    mysql: MysqlAccess | None = None
    refused: str | None = Field(default=None, description="why simpul must not contact it (the lab)")


class SkpdEntry(_Model):
    policy: str | None = None
    servers: dict[str, ServerAccess] = Field(default_factory=dict)


class Estate(_Model):
    """Every SKPD, its policy name and the servers its agents run on (from NetBox, or a file for the lab)."""

    skpd: dict[str, SkpdEntry] = Field(default_factory=dict)

    def only(self, names: Sequence[str]) -> Estate:
        if not names:
            return self
        unknown = [n for n in names if n not in self.skpd]
        if unknown:
            raise InputError(
                f"unknown SKPD {', '.join(unknown)}",
                field="--skpd",
                hint=f"one of: {', '.join(sorted(self.skpd))}",
            )
        return Estate(skpd={n: self.skpd[n] for n in names})


def load_model(model: type[_M], text: str, source: str, what: str) -> _M:
    """Any simpul data file (estate, target) validated with file/line/field errors."""
    data, lines = load_yaml_with_lines(text, source)
    if not isinstance(data, dict):
        raise InputError(f"{what} is a mapping", source=source, line=1)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _pydantic_error(exc, source, lines) from None


# -- the agent ----------------------------------------------------------------------------------


class AgentConfig(_Model):
    """Everything the agent script of one SKPD server needs; the same for the lab and production."""

    skpd: str
    server: str
    policy_name: str
    policy: DataPolicy
    root: str = Field(default="", description="prefix of every path (a lab tree); '' in production")
    etc_dir: str = "/etc/simpul-backup"
    cache_dir: str = "/var/cache/simpul-backup"
    lock_file: str = "/run/lock/simpul-backup-agent.lock"
    state_dir: str = "/var/lib/simpul-backup"
    restic: str = "restic"
    postgres: PostgresAccess = PostgresAccess()
    mysql: MysqlAccess = MysqlAccess()

    def rooted(self, path: str) -> str:
        return self.root.rstrip("/") + path if self.root else path

    @property
    def etc(self) -> str:
        return self.rooted(self.etc_dir)


def _q(text: str) -> str:
    return shlex.quote(text)


def restic_paths_args(cfg: AgentConfig, src: PathSource) -> list[str]:
    """The arguments of ``restic backup`` for one path source (after the tags): excludes anchored in
    the lab root, and the agent's own credentials directory always excluded.

    >>> cfg = AgentConfig(skpd="disdik", server="srv-1", policy_name="p", root="/lab/srv-1",
    ...                   policy=load_policy(EXAMPLE_POLICY, "p.yaml", name="p"))
    >>> for arg in restic_paths_args(cfg, cfg.policy.path_sources[0]):
    ...     print(arg)
    --exclude
    *.tmp
    --exclude
    /lab/srv-1/var/www/*/cache
    --exclude
    /lab/srv-1/etc/simpul-backup
    /lab/srv-1/var/www
    """
    args: list[str] = []
    for pattern in src.exclude:
        args += ["--exclude", cfg.rooted(pattern) if pattern.startswith("/") else pattern]
    args += ["--exclude", cfg.etc]
    return [*args, cfg.rooted(src.path)]


def pg_command(cfg: AgentConfig, tool: str) -> list[str]:
    """``pg_dump``/``psql`` with the connection options (never a password: PGPASSFILE or peer auth)."""
    pg = cfg.postgres
    exe = f"{pg.bin_dir.rstrip('/')}/{tool}" if pg.bin_dir else tool
    argv = ["runuser", "-u", pg.os_user, "--", exe] if pg.os_user else [exe]
    if pg.host:
        argv += ["-h", pg.host]
    if pg.port:
        argv += ["-p", str(pg.port)]
    if pg.user:
        argv += ["-U", pg.user]
    return [*argv, "--no-password"]


def mysql_command(cfg: AgentConfig, tool: str) -> list[str]:
    exe = cfg.mysql.dump if tool == "dump" else cfg.mysql.client
    argv = ["runuser", "-u", cfg.mysql.os_user, "--", exe] if cfg.mysql.os_user else [exe]
    return [*argv, f"--defaults-extra-file={cfg.etc}/my.cnf"]


def dump_argv(cfg: AgentConfig, db: DatabaseSource, name: str) -> list[str]:
    """The consistent dump of one database (plain SQL: deduplicates well and loads anywhere).

    >>> cfg = AgentConfig(skpd="d", server="s", policy_name="p",
    ...                   policy=load_policy(EXAMPLE_POLICY, "p", name="p"),
    ...                   postgres=PostgresAccess(host="127.0.0.1", port=5433, user="backup", os_user=None))
    >>> argv = dump_argv(cfg, cfg.policy.database_sources[0], "simpeg")
    >>> print(" ".join(argv).replace(" --format", "\\n--format"))
    pg_dump -h 127.0.0.1 -p 5433 -U backup --no-password
    --format=plain --no-owner --no-privileges --dbname=simpeg
    """
    if db.engine == "postgresql":
        return [
            *pg_command(cfg, "pg_dump"),
            "--format=plain",
            "--no-owner",
            "--no-privileges",
            f"--dbname={name}",
        ]
    return [
        *mysql_command(cfg, "dump"),
        "--single-transaction",
        "--routines",
        "--events",
        "--triggers",
        "--hex-blob",
        "--databases",
        name,
    ]


def list_databases_argv(cfg: AgentConfig, db: DatabaseSource) -> list[str]:
    if db.engine == "postgresql":
        sql = (
            "select datname from pg_database "
            "where datallowconn and not datistemplate and datname <> 'postgres'"
        )
        return [*pg_command(cfg, "psql"), "-d", "postgres", "-Atc", sql]
    sql = (
        "select schema_name from information_schema.schemata where schema_name not in "
        "('mysql','information_schema','performance_schema','sys')"
    )
    return [*mysql_command(cfg, "client"), "-N", "-B", "-e", sql]


def agent_credential_files(
    cfg: AgentConfig,
    *,
    repository: str,
    password: str,
    postgres_password: str | None = None,
    mysql_user: str | None = None,
    mysql_password: str | None = None,
    mysql_socket: str | None = None,
) -> dict[str, str]:
    """The agent's credential files (path on the server -> content; each is written 0600): secrets,
    so only ever handed to a 0600 writer, never logged.

    >>> cfg = AgentConfig(skpd="d", server="s", policy_name="p",
    ...                   policy=load_policy(EXAMPLE_POLICY, "p", name="p"),
    ...                   postgres=PostgresAccess(host="127.0.0.1", port=5433, user="backup", os_user=None))
    >>> files = agent_credential_files(cfg, repository="rest:http://d:x@h:1/d/", password="pw",
    ...                                postgres_password="a:b")
    >>> sorted(files)
    ['/etc/simpul-backup/password', '/etc/simpul-backup/pgpass', '/etc/simpul-backup/repository']
    >>> files["/etc/simpul-backup/pgpass"]
    '127.0.0.1:5433:*:backup:a\\\\:b\\n'
    """
    etc = cfg.etc_dir.rstrip("/")
    files = {f"{etc}/repository": repository + "\n", f"{etc}/password": password + "\n"}
    if postgres_password is not None:
        pg = cfg.postgres
        secret = postgres_password.replace("\\", "\\\\").replace(":", "\\:")
        files[f"{etc}/pgpass"] = (
            f"{pg.host or 'localhost'}:{pg.port or 5432}:*:{pg.user or 'postgres'}:{secret}\n"
        )
    if mysql_user is not None:
        lines = ["[client]", f"user={mysql_user}"]
        if mysql_password is not None:
            lines.append(f"password={mysql_password}")
        if mysql_socket is not None:
            lines.append(f"socket={mysql_socket}")
        files[f"{etc}/my.cnf"] = "\n".join(lines) + "\n"
    return files


def agent_plan(cfg: AgentConfig) -> list[str]:
    """What one run does, command by command, without secrets (the dry run prints this)."""
    restic = (
        f"{cfg.restic} backup --host {_q(cfg.server)} --tag simpul,skpd={cfg.skpd},source=<name>,run=<run>"
    )
    steps = [f"{cfg.restic} unlock  # only after a run that did not end cleanly: its stale locks"]
    for src in cfg.policy.path_sources:
        steps.append(f"{restic.replace('<name>', src.source_name)} {shlex.join(restic_paths_args(cfg, src))}")
    for db in cfg.policy.database_sources:
        names = ["<each database>"] if db.names == "all" else list(db.names)
        for name in names:
            source = f"{db.prefix}-{name}"
            steps.append(
                f"{shlex.join(dump_argv(cfg, db, name))} | {restic.replace('<name>', source)} --stdin "
                f"--stdin-filename {source}.sql  # restic killed if the dump fails"
            )
    steps.append(
        f"{cfg.restic} backup --stdin --tag {MARKER_TAG},run=<run>,ok=<source>@<snapshot>...  # marker"
    )
    return steps


_SCRIPT_HEAD = r"""#!/bin/bash
# simpul data backup agent: SKPD @SKPD@, server @SERVER@, policy @POLICY@ (Perbup Pasal 16 ayat (1)).
# Generated by simpul (simpul.core.data_backup.render_agent_script): change the policy, not this file.
# Credentials are only read from files in @ETC@ (0600): the repository location (with the SKPD's
# HTTP password) and the SKPD's repository password, never argv or the environment.
# Output: one JSON object per line. Exit 0: every source backed up; 1: some failed; 75: already running.
set -u -o pipefail
umask 077
export LC_ALL=C
ETC=@ETC@
export RESTIC_REPOSITORY_FILE="$ETC/repository"
export RESTIC_PASSWORD_FILE="$ETC/password"
export RESTIC_CACHE_DIR=@CACHE@
export PGPASSFILE="$ETC/pgpass"
RESTIC=@RESTIC@
SKPD=@SKPD@
HOST=@SERVER@
LOCK=@LOCK@
STATE=@STATE@
# restic errors no other source of this run can escape: stop the run at the first one
FATAL='connection refused|no such host|no route to host|i/o timeout|network is unreachable|wrong password'
FATAL="$FATAL|no key found|unable to open config file"

mkdir -p "$(dirname "$LOCK")" "$RESTIC_CACHE_DIR"
exec 8>"$LOCK"
if ! flock --nonblock 8; then
    printf '{"event":"busy"}\n'
    exit 75
fi
RUN=$(date -u +%Y%m%dT%H%M%SZ)-$$
if ! WORK=$(mktemp -d "${TMPDIR:-/tmp}/simpul-backup.XXXXXX" 2>&1); then
    WORK=$(printf 'cannot create a work directory: %s' "$WORK" | base64 -w0)
    printf '{"event":"error","error_b64":"%s"}\n' "$WORK"
    exit 1
fi
trap 'rm -rf "$WORK"' EXIT
OK_TAGS=""
FAILED=0
ADDED=0

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
b64() { tail -c 2000 "$1" 2>/dev/null | base64 -w0; }
summary() { grep -m1 '"message_type":"summary"' "$1" 2>/dev/null || printf 'null'; }
tags() { printf 'simpul,skpd=%s,source=%s,kind=%s,run=%s' "$SKPD" "$1" "$2" "$RUN"; }

record() {  # name kind restic_rc producer_rc start
    local name=$1 kind=$2 rrc=$3 prc=$4 start=$5 line snap added
    line=$(summary "$WORK/$name.json")
    snap=$(printf '%s' "$line" | sed -n 's/.*"snapshot_id":"\([0-9a-f]*\)".*/\1/p')
    added=$(printf '%s' "$line" | sed -n 's/.*"data_added":\([0-9]*\).*/\1/p')
    if [ "$rrc" -eq 0 ] && [ "$prc" -eq 0 ] && [ -n "$snap" ]; then
        OK_TAGS="$OK_TAGS,ok=$name@${snap:0:8}"
        ADDED=$((ADDED + ${added:-0}))
    else
        FAILED=$((FAILED + 1))
    fi
    printf '{"event":"source","source":"%s","kind":"%s","rc":%d,"producer_rc":%d,"seconds":%s,' \
        "$name" "$kind" "$rrc" "$prc" "$(elapsed "$start")"
    printf '"summary":%s,"error_b64":"%s","producer_error_b64":"%s"}\n' "$line" \
        "$(b64 "$WORK/$name.err")" "$(b64 "$WORK/$name.producer.err")"
    if [ "$rrc" -ne 0 ] && grep -qE "$FATAL" "$WORK/$name.err" 2>/dev/null; then
        # the target is down or refuses us: stop here, loudly, rather than dump every database for nothing
        printf '{"event":"target","rc":%d,"error_b64":"%s"}\n' "$rrc" "$(b64 "$WORK/$name.err")"
        exit 1
    fi
}

backup_paths() {  # name, restic arguments...
    local name=$1 start rc=0
    shift
    start=$(now)
    "$RESTIC" backup --json --quiet --host "$HOST" --tag "$(tags "$name" paths)" "$@" \
        >"$WORK/$name.json" 2>"$WORK/$name.err" || rc=$?
    record "$name" paths "$rc" 0 "$start"
}

backup_dump() {  # name, kind, producer argv...
    # The producer writes into a FIFO that restic reads. This shell holds the FIFO's write end, so
    # restic sees the end of the stream only when this shell closes it: after checking the
    # producer's exit code. A producer that dies midway gets restic killed first (no snapshot).
    local name=$1 kind=$2 start rc=0 prc=0 rpid
    shift 2
    start=$(now)
    mkfifo "$WORK/$name.fifo"
    "$RESTIC" backup --json --quiet --host "$HOST" --tag "$(tags "$name" "$kind")" \
        --stdin --stdin-filename "$name.sql" \
        <"$WORK/$name.fifo" >"$WORK/$name.json" 2>"$WORK/$name.err" &
    rpid=$!
    exec 9>"$WORK/$name.fifo"
    "$@" >&9 2>"$WORK/$name.producer.err" || prc=$?
    if [ "$prc" -ne 0 ]; then
        kill -KILL "$rpid" 2>/dev/null
    fi
    exec 9>&-
    wait "$rpid" || rc=$?
    record "$name" "$kind" "$rc" "$prc" "$start"
}

no_list() {  # the database list could not be read: one failed source
    local name=$1 kind=$2
    : >"$WORK/$name.json"
    cp "$WORK/list.err" "$WORK/$name.producer.err" 2>/dev/null
    record "$name" "$kind" 0 1 "$(now)"
}

printf '{"event":"start","run":"%s","skpd":"%s","server":"%s"}\n' "$RUN" "$SKPD" "$HOST"
# A run that did not end cleanly (killed, a source failed) may have left a stale lock: clear this
# server's stale locks first. A clean previous run saves that restic call (~0.7 s of key derivation).
mkdir -p "$STATE"
if [ -e "$STATE/unclean" ] && ! "$RESTIC" unlock >"$WORK/unlock.out" 2>"$WORK/unlock.err"; then
    printf '{"event":"target","rc":1,"error_b64":"%s"}\n' "$(b64 "$WORK/unlock.err")"
    exit 1
fi
: >"$STATE/unclean"
"""

_SCRIPT_TAIL = r"""
printf '{"event":"sources","failed":%d}\n' "$FAILED"
COMPLETE=complete
[ "$FAILED" -eq 0 ] || COMPLETE=incomplete
MARKER_TAGS="@MARKER@,skpd=$SKPD,run=$RUN,added=$ADDED,$COMPLETE$OK_TAGS"
rc=0
printf '{"run":"%s","skpd":"%s","server":"%s","ok":"%s","failed":%d}\n' \
    "$RUN" "$SKPD" "$HOST" "$OK_TAGS" "$FAILED" |
    "$RESTIC" backup --json --quiet --host "$HOST" --tag "$MARKER_TAGS" \
        --stdin --stdin-filename @MARKER_FILE@ \
        >"$WORK/marker.json" 2>"$WORK/marker.err" || rc=$?
printf '{"event":"end","run":"%s","marker_rc":%d,"marker":%s,"error_b64":"%s","failed":%d}\n' \
    "$RUN" "$rc" "$(summary "$WORK/marker.json")" "$(b64 "$WORK/marker.err")" "$FAILED"
[ "$rc" -eq 0 ] && [ "$FAILED" -eq 0 ] && rm -f "$STATE/unclean"
"""


def _dump_block(cfg: AgentConfig, db: DatabaseSource) -> str:
    prefix, kind = db.prefix, db.engine
    if db.names != "all":
        return "".join(
            f"backup_dump {_q(f'{prefix}-{name}')} {kind} {shlex.join(dump_argv(cfg, db, name))}\n"
            for name in db.names
        )
    listing = shlex.join(list_databases_argv(cfg, db))
    dump = shlex.join(dump_argv(cfg, db, "NAME")).replace("NAME", '"$db"')
    return (
        f'if dbs=$({listing} 2>"$WORK/list.err"); then\n'
        "    for db in $dbs; do\n"
        '        case "$db" in *[!A-Za-z0-9_.-]*) continue ;; esac\n'
        f'        backup_dump "{prefix}-$db" {kind} {dump}\n'
        "    done\n"
        "else\n"
        f"    no_list {prefix}-all {kind}\n"
        "fi\n"
    )


def render_agent_script(cfg: AgentConfig) -> str:
    """The agent script of one SKPD server: deterministic (same config, same text), so Ansible's
    ``template``/``copy`` stays idempotent. Run by the timer, by ``simpul backup data run`` (local or
    over SSH) and by the tests, unchanged."""
    values = {
        "@SKPD@": _q(cfg.skpd),
        "@SERVER@": _q(cfg.server),
        "@POLICY@": _q(cfg.policy_name),
        "@ETC@": _q(cfg.etc),
        "@CACHE@": _q(cfg.rooted(cfg.cache_dir)),
        "@LOCK@": _q(cfg.rooted(cfg.lock_file)),
        "@STATE@": _q(cfg.rooted(cfg.state_dir)),
        "@RESTIC@": _q(cfg.restic),
        "@MARKER@": MARKER_TAG,
        "@MARKER_FILE@": MARKER_FILENAME,
    }
    head, tail = _SCRIPT_HEAD, _SCRIPT_TAIL
    for key, value in values.items():
        head, tail = head.replace(key, value), tail.replace(key, value)
    body = "".join(
        f"backup_paths {_q(src.source_name)} {shlex.join(restic_paths_args(cfg, src))}\n"
        for src in cfg.policy.path_sources
    )
    body += "".join(_dump_block(cfg, db) for db in cfg.policy.database_sources)
    return head + body + tail


# -- what an agent run reported -------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRun:
    source: str
    kind: str
    ok: bool
    reason: str | None
    snapshot: str | None
    bytes_processed: int
    bytes_added: int
    seconds: float


@dataclass(frozen=True)
class AgentReport:
    """One agent run as its JSON lines told it: ``ok`` only if every source and the marker succeeded."""

    run: str | None
    sources: tuple[SourceRun, ...] = ()
    marker: str | None = None
    category: str | None = None  # why the run as a whole failed (DeviceError category)
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None and all(s.ok for s in self.sources) and self.marker is not None


def _decode(text: str | None) -> str:
    if not text:
        return ""
    try:
        raw = base64.b64decode(text, validate=True).decode("utf-8", "replace")
    except ValueError:
        return ""
    lines = [line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("\t")]
    fatal = [line for line in lines if line.startswith("Fatal:")]
    return (fatal or lines or [""])[-1][:200]


def classify_restic_error(text: str) -> tuple[str, str]:
    """(DeviceError category, simpul's words) for what restic printed last.

    >>> classify_restic_error("Fatal: ... dial tcp 127.0.0.1:9: connect: connection refused")
    ('unreachable', 'the Pusat Data backup target did not answer (connection refused)')
    >>> classify_restic_error("blob not removed, server response: 403 Forbidden (403)")[0]
    'refused'
    >>> classify_restic_error("Fatal: wrong password or no key found")[0]
    'auth'
    """
    low = text.lower()
    if "connection refused" in low or "no such host" in low or "no route to host" in low:
        return "unreachable", "the Pusat Data backup target did not answer (connection refused)"
    if "timeout" in low or "deadline exceeded" in low:
        return "timeout", "the Pusat Data backup target did not answer in time"
    if re.search(r"\b401\b", low) or "unauthorized" in low:
        return "auth", "the target refused the SKPD's HTTP credentials (401)"
    if re.search(r"\b403\b", low) or "forbidden" in low:
        return "refused", "the target refused the operation (403: append-only, or another SKPD's repository)"
    if "wrong password" in low or "no key found" in low:
        return "auth", "the repository password is wrong (no key found)"
    if "locked" in low:
        return "error", "the repository is locked (a prune or check is running on the Pusat Data)"
    return "error", f"restic failed: {text[:160]}" if text else "restic failed"


def _source_run(event: Mapping[str, Any]) -> SourceRun:
    summary = event.get("summary") or {}
    rc, prc = int(event.get("rc", 1)), int(event.get("producer_rc", 0))
    snapshot = summary.get("snapshot_id") if isinstance(summary, dict) else None
    reason = None
    if prc != 0 and str(event.get("source", "")).endswith("-all"):
        detail = _decode(event.get("producer_error_b64"))
        reason = f"could not list the {event.get('kind')} databases{': ' + detail if detail else ''}"
    elif prc != 0:
        detail = _decode(event.get("producer_error_b64"))
        reason = f"the dump failed midway (exit {prc}){': ' + detail if detail else ''}; no snapshot counted"
    elif rc != 0 or not snapshot:
        reason = classify_restic_error(_decode(event.get("error_b64")))[1]
    return SourceRun(
        source=str(event.get("source")),
        kind=str(event.get("kind")),
        ok=reason is None,
        reason=reason,
        snapshot=str(snapshot)[:8] if snapshot else None,
        bytes_processed=int(summary.get("total_bytes_processed", 0)) if isinstance(summary, dict) else 0,
        bytes_added=int(summary.get("data_added", 0)) if isinstance(summary, dict) else 0,
        seconds=float(event.get("seconds") or 0.0),
    )


def parse_agent_output(stdout: str, returncode: int) -> AgentReport:
    """Read the agent's JSON lines. A run cut short (killed, no ``end`` line) is a failed run.

    >>> out = '{"event":"start","run":"R1"}\\n{"event":"target","rc":1,"error_b64":""}\\n'
    >>> r = parse_agent_output(out, 1)
    >>> r.ok, r.category
    (False, 'unreachable')
    >>> parse_agent_output('{"event":"busy"}\\n', 75).reason
    'another run of the agent is still going on'
    """
    run: str | None = None
    sources: list[SourceRun] = []
    marker: str | None = None
    category = reason = None
    ended = False
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        kind = event.get("event") if isinstance(event, dict) else None
        if kind == "start":
            run = event.get("run")
        elif kind == "busy":
            return AgentReport(
                run=None, category="error", reason="another run of the agent is still going on"
            )
        elif kind == "error":
            return AgentReport(
                run=run, category="error", reason=_decode(event.get("error_b64")) or "agent error"
            )
        elif kind == "target":
            text = _decode(event.get("error_b64"))
            category, message = classify_restic_error(text) if text else ("unreachable", "")
            return AgentReport(
                run=run, category=category, reason=message or "the Pusat Data backup target did not answer"
            )
        elif kind == "source":
            sources.append(_source_run(event))
        elif kind == "end":
            ended = True
            summary = event.get("marker")
            if (
                int(event.get("marker_rc", 1)) == 0
                and isinstance(summary, dict)
                and summary.get("snapshot_id")
            ):
                marker = str(summary["snapshot_id"])[:8]
            else:
                category, reason = classify_restic_error(_decode(event.get("error_b64")))
                reason = f"the run marker was not saved: {reason}"
    if not ended and reason is None:
        category, reason = "disconnected", f"the agent stopped before the end of the run (exit {returncode})"
    failed = [s for s in sources if not s.ok]
    if reason is None and failed:
        category = "error"
        reason = "; ".join(f"{s.source}: {s.reason}" for s in failed)
    return AgentReport(run=run, sources=tuple(sources), marker=marker, category=category, reason=reason)


# -- snapshots, runs, retention -------------------------------------------------------------------


def parse_time(text: str) -> dt.datetime:
    """restic's nanosecond timestamps -> an aware datetime (microseconds).

    >>> parse_time("2026-11-28T05:51:31.123456789+07:00").isoformat()
    '2026-11-28T05:51:31.123456+07:00'
    """
    match = re.match(r"^(.*?T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$", text)
    if not match:
        raise ValueError(f"unreadable time {text!r}")
    frac = (match.group(2) or "")[:7]
    zone = match.group(3) or "+00:00"
    return dt.datetime.fromisoformat(match.group(1) + frac + ("+00:00" if zone == "Z" else zone))


@dataclass(frozen=True)
class Snapshot:
    id: str
    short_id: str
    time: dt.datetime
    hostname: str
    tags: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()

    def tag(self, key: str) -> str | None:
        prefix = key + "="
        return next((t[len(prefix) :] for t in self.tags if t.startswith(prefix)), None)

    def tag_values(self, key: str) -> list[str]:
        prefix = key + "="
        return [t[len(prefix) :] for t in self.tags if t.startswith(prefix)]


def parse_snapshots(raw: Iterable[Mapping[str, Any]]) -> list[Snapshot]:
    """``restic snapshots --json`` -> snapshots, oldest first."""
    out = [
        Snapshot(
            id=str(s["id"]),
            short_id=str(s.get("short_id") or str(s["id"])[:8]),
            time=parse_time(str(s["time"])),
            hostname=str(s.get("hostname", "")),
            tags=tuple(s.get("tags") or ()),
            paths=tuple(s.get("paths") or ()),
        )
        for s in raw
    ]
    return sorted(out, key=lambda s: s.time)


@dataclass(frozen=True)
class RunRecord:
    """One agent run, as its marker snapshot tells it: the good sources and their snapshots."""

    run_id: str
    host: str
    time: dt.datetime
    marker: str
    ok: Mapping[str, str]  # source -> short snapshot id
    complete: bool
    added: int

    def snapshot_ids(self) -> set[str]:
        return {*self.ok.values(), self.marker}


def runs_of(snapshots: Sequence[Snapshot]) -> list[RunRecord]:
    """The runs the markers vouch for, oldest first. A source snapshot counts only if its run's marker
    names it (``ok=<source>@<id>``) *and* it exists with that run's tag: a truncated stream left by a
    killed agent has no marker and never counts.
    """
    by_short = {s.short_id: s for s in snapshots}
    runs = []
    for marker in snapshots:
        if MARKER_TAG not in marker.tags or not marker.tag("run"):
            continue
        run_id = marker.tag("run") or ""
        ok: dict[str, str] = {}
        for value in marker.tag_values("ok"):
            source, _, short = value.partition("@")
            snap = by_short.get(short)
            if snap is not None and snap.tag("run") == run_id and snap.tag("source") == source:
                ok[source] = short
        runs.append(
            RunRecord(
                run_id=run_id,
                host=marker.hostname,
                time=marker.time,
                marker=marker.short_id,
                ok=ok,
                complete="complete" in marker.tags and bool(ok),
                added=int(marker.tag("added") or 0) if (marker.tag("added") or "").isdigit() else 0,
            )
        )
    return runs


def _bucket(when: dt.datetime, rule: str) -> tuple[int, ...]:
    iso = when.isocalendar()
    return {
        "hourly": (when.year, when.month, when.day, when.hour),
        "daily": (when.year, when.month, when.day),
        "weekly": (iso.year, iso.week),
        "monthly": (when.year, when.month),
        "yearly": (when.year,),
    }[rule]


def retention_keep(times: Mapping[str, dt.datetime], retention: Retention) -> set[str]:
    """restic's ``forget --keep-*`` rules over ``id -> time``: keep-last the N newest; keep-daily the
    newest of each of the N newest days that have one; and so on. An id kept by any rule is kept.

    >>> d = lambda day, hour: dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC)
    >>> runs = {"a": d(1, 1), "b": d(1, 13), "c": d(2, 1), "d": d(3, 1), "e": d(3, 9)}
    >>> sorted(retention_keep(runs, Retention(keep_last=1, keep_daily=2)))
    ['c', 'e']
    """
    ordered = sorted(times, key=lambda i: times[i], reverse=True)
    keep = set(ordered[: retention.keep_last])
    for rule in ("hourly", "daily", "weekly", "monthly", "yearly"):
        budget = getattr(retention, f"keep_{rule}")
        seen: set[tuple[int, ...]] = set()
        for run_id in ordered:
            if len(seen) >= budget:
                break
            bucket = _bucket(times[run_id], rule)
            if bucket not in seen:
                seen.add(bucket)
                keep.add(run_id)
    return keep


@dataclass(frozen=True)
class RetentionPlan:
    keep_runs: tuple[str, ...]  # marker short ids
    forget: tuple[str, ...]  # snapshot short ids
    ungrounded: tuple[str, ...]  # snapshots no marker vouches for, older than the grace period


def retention_plan(
    snapshots: Sequence[Snapshot], retention: Retention, *, now: dt.datetime, grace_hours: float = 24.0
) -> RetentionPlan:
    """What the Pusat Data forgets: the runs the keep rules drop (per server, like restic's host
    grouping), and snapshots no marker vouches for once older than ``grace_hours`` (a killed run's
    truncated stream; younger ones may belong to a run still going on). The newest complete run of
    each server is always kept.

    >>> t = lambda h: dt.datetime(2026, 11, 1, h, tzinfo=dt.UTC)
    >>> snaps = [Snapshot("x" * 8, "aaaaaaaa", t(1), "srv", ("simpul", "source=f", "run=R1")),
    ...          Snapshot("y" * 8, "bbbbbbbb", t(1), "srv",
    ...                   (MARKER_TAG, "run=R1", "ok=f@aaaaaaaa", "complete")),
    ...          Snapshot("z" * 8, "cccccccc", t(2), "srv", ("simpul", "source=f", "run=R2"))]
    >>> retention_plan(snaps, Retention(keep_last=1), now=t(5)).forget
    ()
    >>> retention_plan(snaps, Retention(keep_last=1), now=t(2) + dt.timedelta(days=2)).forget
    ('cccccccc',)
    """
    runs = runs_of(snapshots)
    keep_runs: set[str] = set()
    for host in sorted({r.host for r in runs}):
        mine = [r for r in runs if r.host == host and r.ok]
        keep_runs |= retention_keep({r.marker: r.time for r in mine}, retention)
        complete = [r for r in mine if r.complete]
        if complete:
            keep_runs.add(complete[-1].marker)
    vouched = {sid for r in runs for sid in r.snapshot_ids()}
    kept = {sid for r in runs if r.marker in keep_runs for sid in r.snapshot_ids()}
    cutoff = now - dt.timedelta(hours=grace_hours)
    forget, ungrounded = [], []
    for snap in snapshots:
        if snap.short_id in kept:
            continue
        if snap.short_id in vouched:
            forget.append(snap.short_id)
        elif snap.time < cutoff:
            forget.append(snap.short_id)
            ungrounded.append(snap.short_id)
    return RetentionPlan(tuple(sorted(keep_runs)), tuple(forget), tuple(ungrounded))


# -- RPO, status findings -----------------------------------------------------------------------


@dataclass(frozen=True)
class RpoJudgement:
    age_hours: float | None
    ok: bool


def judge_rpo(last_good: dt.datetime | None, *, now: dt.datetime, rpo_hours: float | None) -> RpoJudgement:
    """Age of the last good backup against the RPO (no backup, or no RPO: not ok).

    >>> now = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)
    >>> judge_rpo(now - dt.timedelta(hours=30), now=now, rpo_hours=26)
    RpoJudgement(age_hours=30.0, ok=False)
    >>> judge_rpo(None, now=now, rpo_hours=26)
    RpoJudgement(age_hours=None, ok=False)
    """
    if last_good is None:
        return RpoJudgement(None, False)
    age = round((now - last_good).total_seconds() / 3600, 2)
    return RpoJudgement(age, rpo_hours is not None and age <= rpo_hours)


def last_good_time(runs: Sequence[RunRecord], servers: Iterable[str]) -> dt.datetime | None:
    """When the SKPD's data was last fully protected: the oldest of each server's newest complete run
    (a server with none means never). With no servers declared, any host's runs count.

    >>> t = lambda h: dt.datetime(2026, 11, 1, h, tzinfo=dt.UTC)
    >>> runs = [RunRecord("R1", "a", t(1), "m1", {"f": "s1"}, True, 0),
    ...         RunRecord("R2", "b", t(5), "m2", {"f": "s2"}, True, 0)]
    >>> last_good_time(runs, ["a", "b"]).hour, last_good_time(runs, ["a", "c"])
    (1, None)
    """
    complete = [r for r in runs if r.complete]
    wanted = list(servers) or sorted({r.host for r in complete})
    if not wanted:
        return None
    newest: list[dt.datetime] = []
    for host in wanted:
        mine = [r.time for r in complete if r.host == host]
        if not mine:
            return None
        newest.append(max(mine))
    return min(newest)


class BackupFindingKind(StrEnum):
    NO_POLICY = "no_policy"
    UNKNOWN_POLICY = "unknown_policy"
    NO_SERVERS = "no_servers"
    NO_SNAPSHOT = "no_snapshot"
    RPO_BREACH = "rpo_breach"
    LAST_RUN_FAILED = "last_run_failed"
    DRILL_MISSING = "drill_missing"
    DRILL_OVERDUE = "drill_overdue"
    DRILL_FAILED = "drill_failed"
    RETENTION_NOT_APPLIED = "retention_not_applied"
    TARGET_EXPOSED = "target_exposed"


# Stable codes: never renumber, only append (docs/data-backups.md explains each one).
BACKUP_FINDING_CODES: dict[BackupFindingKind, tuple[str, Severity, str]] = {
    BackupFindingKind.NO_POLICY: ("DBK-001", Severity.HIGH, PASAL_16_1),
    BackupFindingKind.UNKNOWN_POLICY: ("DBK-002", Severity.HIGH, PASAL_16_1),
    BackupFindingKind.NO_SERVERS: ("DBK-003", Severity.MEDIUM, PASAL_16_1),
    BackupFindingKind.NO_SNAPSHOT: ("DBK-004", Severity.CRITICAL, PASAL_16_1),
    BackupFindingKind.RPO_BREACH: ("DBK-005", Severity.HIGH, PASAL_16_1),
    BackupFindingKind.LAST_RUN_FAILED: ("DBK-006", Severity.MEDIUM, PASAL_16_1),
    BackupFindingKind.DRILL_MISSING: ("DBK-007", Severity.MEDIUM, PASAL_16_2),
    BackupFindingKind.DRILL_OVERDUE: ("DBK-008", Severity.MEDIUM, PASAL_16_2),
    BackupFindingKind.DRILL_FAILED: ("DBK-009", Severity.HIGH, PASAL_16_2),
    BackupFindingKind.RETENTION_NOT_APPLIED: ("DBK-010", Severity.LOW, PASAL_16_2),
    BackupFindingKind.TARGET_EXPOSED: ("DBK-011", Severity.HIGH, PASAL_17),
}


@dataclass(frozen=True)
class BackupFinding:
    kind: BackupFindingKind
    skpd: str | None
    message: str

    @property
    def code(self) -> str:
        return BACKUP_FINDING_CODES[self.kind][0]

    @property
    def severity(self) -> Severity:
        return BACKUP_FINDING_CODES[self.kind][1]

    @property
    def article(self) -> str:
        return BACKUP_FINDING_CODES[self.kind][2]

    def as_json(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "kind": self.kind.value,
            "severity": self.severity.value,
            "article": self.article,
            "skpd": self.skpd,
            "message": self.message,
        }


@dataclass(frozen=True)
class DrillRecord:
    at: dt.datetime
    result: Literal["passed", "failed"]


@dataclass(frozen=True)
class SkpdBackupFacts:
    """What the Pusat Data knows of one SKPD, gathered by the service; judged by :func:`status_findings`."""

    skpd: str
    policy_name: str | None
    policy: DataPolicy | None
    servers: tuple[str, ...] = ()
    runs: tuple[RunRecord, ...] = ()
    last_drill: DrillRecord | None = None
    removable_runs: int = 0  # runs retention would forget that are still there
    repo_exists: bool = False


@dataclass(frozen=True)
class SkpdStatus:
    skpd: str
    policy: str | None
    last_snapshot: dt.datetime | None
    rpo: RpoJudgement
    rpo_hours: float | None
    last_drill: DrillRecord | None
    runs_kept: int
    last_run: RunRecord | None
    added_7d: int
    findings: tuple[BackupFinding, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """Exactly the status facts ``--json`` prints per SKPD (issue 13, item 4)."""
        return {
            "policy": self.policy,
            "last_snapshot": self.last_snapshot.isoformat() if self.last_snapshot else None,
            "age_hours": self.rpo.age_hours,
            "rpo_hours": self.rpo_hours,
            "rpo_ok": self.rpo.ok,
            "last_drill": (
                {"at": self.last_drill.at.isoformat(), "result": self.last_drill.result}
                if self.last_drill
                else None
            ),
        }


def status_findings(facts: SkpdBackupFacts, *, now: dt.datetime) -> SkpdStatus:
    """Judge one SKPD against its policy: every gap is a finding citing Pasal 16 (or 17).

    >>> now = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)
    >>> s = status_findings(SkpdBackupFacts(skpd="bappeda", policy_name=None, policy=None), now=now)
    >>> [(f.code, f.article) for f in s.findings], s.as_json()["rpo_ok"]
    ([('DBK-001', 'Pasal 16 ayat (1)')], False)
    """
    skpd, policy = facts.skpd, facts.policy
    found: list[BackupFinding] = []

    def add(kind: BackupFindingKind, message: str) -> None:
        found.append(BackupFinding(kind, skpd, message))

    runs = list(facts.runs)
    last = last_good_time(runs, facts.servers)
    rpo_hours = policy.rpo_hours if policy else None
    rpo = judge_rpo(last, now=now, rpo_hours=rpo_hours)
    if facts.policy_name is None:
        add(BackupFindingKind.NO_POLICY, "no backup policy: set the tenant's backup_policy custom field")
    elif policy is None:
        add(
            BackupFindingKind.UNKNOWN_POLICY,
            f"backup policy {facts.policy_name!r} has no file in backup_policies/",
        )
    if policy is not None:
        if not facts.servers:
            add(BackupFindingKind.NO_SERVERS, "no server of this SKPD carries the policy's role or tag")
        if last is None:
            add(
                BackupFindingKind.NO_SNAPSHOT, "no complete backup of every server has reached the Pusat Data"
            )
        elif not rpo.ok:
            add(
                BackupFindingKind.RPO_BREACH,
                f"the last complete backup is {rpo.age_hours} h old, "
                f"more than the RPO of {policy.rpo_hours} h",
            )
        _drill_findings(facts, policy, now, add)
        if facts.removable_runs:
            add(
                BackupFindingKind.RETENTION_NOT_APPLIED,
                f"{facts.removable_runs} run(s) the retention ({policy.retention.describe()}) drops "
                "are still kept: "
                "run `simpul backup data maintain --commit` on the Pusat Data",
            )
    newest = runs[-1] if runs else None
    if newest is not None and not newest.complete:
        add(
            BackupFindingKind.LAST_RUN_FAILED,
            f"the last run ({newest.run_id} on {newest.host}) was incomplete",
        )
    week_ago = now - dt.timedelta(days=7)
    return SkpdStatus(
        skpd=skpd,
        policy=facts.policy_name,
        last_snapshot=last,
        rpo=rpo,
        rpo_hours=rpo_hours,
        last_drill=facts.last_drill,
        runs_kept=len(runs),
        last_run=newest,
        added_7d=sum(r.added for r in runs if r.time >= week_ago),
        findings=tuple(found),
    )


def _drill_findings(facts: SkpdBackupFacts, policy: DataPolicy, now: dt.datetime, add: Any) -> None:
    drill = facts.last_drill
    if drill is None:
        if facts.runs:
            add(BackupFindingKind.DRILL_MISSING, "no restore drill has proved these backups yet")
        return
    if drill.result == "failed":
        add(BackupFindingKind.DRILL_FAILED, f"the last restore drill ({drill.at:%Y-%m-%d %H:%M}) failed")
    elif drill_due(drill.at, policy.drill.every_days, now=now):
        add(
            BackupFindingKind.DRILL_OVERDUE,
            f"the last restore drill was {(now - drill.at).days} days ago "
            f"(policy: every {policy.drill.every_days})",
        )


def target_findings(target: PusatDataTarget) -> list[BackupFinding]:
    """Pasal 17: the Dinas keeps data in the Pusat Data confidential: no plain HTTP off loopback.

    >>> t = PusatDataTarget(repos_dir="/r", htpasswd="/h", keys_dir="/k", reports_dir="/d",
    ...                     listen="0.0.0.0:8000")
    >>> [f.code for f in target_findings(t)]
    ['DBK-011']
    """
    if target.loopback_only or (target.tls_cert and target.tls_key):
        return []
    return [
        BackupFinding(
            BackupFindingKind.TARGET_EXPOSED,
            None,
            f"the backup target listens on {target.listen} without TLS: set tls_cert and tls_key",
        )
    ]


# -- drills ---------------------------------------------------------------------------------------


def drill_due(last: dt.datetime | None, every_days: int, *, now: dt.datetime) -> bool:
    """A drill is due when none was made within ``every_days``.

    >>> drill_due(None, 30, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    True
    """
    return last is None or now - last > dt.timedelta(days=every_days)


def pick_run(runs: Sequence[RunRecord], how: Literal["latest", "random"], seed: int) -> RunRecord | None:
    """The run a drill restores: the newest complete one, or a random complete one (seeded, so the
    report can say which and a rerun picks the same).

    >>> t = lambda h: dt.datetime(2026, 11, 1, h, tzinfo=dt.UTC)
    >>> runs = [RunRecord(f"R{h}", "a", t(h), f"m{h}", {"f": "s"}, h != 3, 0) for h in (1, 2, 3)]
    >>> pick_run(runs, "latest", 0).run_id, pick_run(runs, "random", 7).run_id in ("R1", "R2")
    ('R2', True)
    """
    complete = [r for r in runs if r.complete]
    if not complete:
        return None
    if how == "latest":
        return max(complete, key=lambda r: r.time)
    return random.Random(seed).choice(sorted(complete, key=lambda r: r.time))


def pick_sample(paths: Sequence[str], size: int | None, seed: int) -> list[str]:
    """All files, or ``size`` of them chosen at random (seeded), in a stable order.

    >>> pick_sample(["/a", "/b", "/c"], None, 1), len(pick_sample(["/a", "/b", "/c"], 2, 1))
    (['/a', '/b', '/c'], 2)
    """
    ordered = sorted(paths)
    if size is None or size >= len(ordered):
        return ordered
    return sorted(random.Random(seed).sample(ordered, size))


def glob_escape(path: str) -> str:
    """A literal path as a restic ``--include`` pattern.

    >>> glob_escape("/srv/a[1]*.txt")
    '/srv/a\\\\[1\\\\]\\\\*.txt'
    """
    return re.sub(r"([*?\[\]\\])", r"\\\1", path)


@dataclass(frozen=True)
class FilesVerdict:
    ok: bool
    files_checked: int
    bytes_restored: int
    reason: str | None


def judge_files(
    expected: Mapping[str, int],
    restored: Mapping[str, int | None],
    *,
    verified: bool,
    verify_reason: str = "",
) -> FilesVerdict:
    """Every sampled file of the snapshot is back with its size, and restic re-read its content.

    >>> judge_files({"/a": 3, "/b": 5}, {"/a": 3, "/b": 5}, verified=True)
    FilesVerdict(ok=True, files_checked=2, bytes_restored=8, reason=None)
    >>> judge_files({"/a": 3, "/b": 5}, {"/a": 3, "/b": None}, verified=True).reason
    '1 file(s) missing or of the wrong size after restore, e.g. /b'
    """
    bad = sorted(p for p, size in expected.items() if restored.get(p) != size)
    total = sum(size for size in restored.values() if size is not None)
    reason = None
    if bad:
        reason = f"{len(bad)} file(s) missing or of the wrong size after restore, e.g. {bad[0]}"
    elif not verified:
        reason = (
            f"restic could not verify the restored content{': ' + verify_reason if verify_reason else ''}"
        )
    return FilesVerdict(reason is None, len(expected) - len(bad), total, reason)


def judge_check_query(output: str) -> bool:
    """The check query must return one true value or a positive number.

    >>> [judge_check_query(v) for v in ("t", "42", "0", "f", "", "1\\n2")]
    [True, True, False, False, False, False]
    """
    values = output.strip().splitlines()
    if len(values) != 1:
        return False
    value = values[0].strip().lower()
    if value in ("t", "true"):
        return True
    try:
        return float(value) > 0
    except ValueError:
        return False


@dataclass(frozen=True)
class SkpdDrill:
    """One SKPD's restore drill: exactly the facts ``drill --json`` prints, plus the evidence file."""

    skpd: str
    result: Literal["passed", "failed"]
    files_checked: int = 0
    bytes_restored: int = 0
    restore_seconds: float = 0.0
    databases: Mapping[str, Literal["passed", "failed"]] = field(default_factory=dict)
    reason: str | None = None
    run: str | None = None
    report: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "files_checked": self.files_checked,
            "bytes_restored": self.bytes_restored,
            "restore_seconds": round(self.restore_seconds, 3),
            "databases": dict(self.databases),
            "reason": self.reason,
        }


def drill_verdict(reasons: Sequence[str], databases: Mapping[str, str]) -> Literal["passed", "failed"]:
    """Passed only when nothing went wrong and every database loaded and answered its check.

    >>> drill_verdict([], {"pg-a": "passed"}), drill_verdict([], {"pg-a": "failed"})
    ('passed', 'failed')
    """
    return "passed" if not reasons and all(v == "passed" for v in databases.values()) else "failed"


def policy_json_schema() -> dict[str, Any]:
    """The JSON schema of a policy file (``backup_policies/data_policy.schema.json`` is this, written out).

    >>> policy_json_schema()["title"]
    'simpul SKPD data backup policy (Perbup Pasal 16)'
    """
    return {
        **DataPolicy.model_json_schema(),
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://simpul/backup_policies/data_policy.schema.json",
        "title": "simpul SKPD data backup policy (Perbup Pasal 16)",
    }
