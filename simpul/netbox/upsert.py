"""The idempotent upsert engine behind ``simpul netbox bootstrap`` and ``simpul netbox seed``.

One pattern for every object type: load what exists with one paged (threaded) list call, compare
each desired object with its existing twin field by field, bulk-create what is missing, bulk-update
only the fields that differ, and count ``created`` / ``updated`` / ``unchanged``. A second run over
the same data therefore creates and updates nothing.

Desired payloads use NetBox's write format (ids for related objects, plain values for choices);
existing objects are NetBox's read format. ``differs`` bridges the two.

Examples:
    >>> existing = {"id": 7, "name": "rtr-disdik", "site": {"id": 3, "slug": "disdik"},
    ...             "status": {"value": "active", "label": "Active"}, "description": "",
    ...             "tags": [{"id": 1, "slug": "simpul"}], "vcpus": 2.0,
    ...             "custom_fields": {"bw_cir_mbps": 25, "backup_policy": None}}
    >>> differs({"name": "rtr-disdik", "site": 3, "status": "active", "description": None,
    ...          "tags": [1], "vcpus": 2, "custom_fields": {"bw_cir_mbps": 25}}, existing)
    {}
    >>> differs({"site": 4, "tags": [2], "custom_fields": {"backup_policy": "standar"}}, existing)
    {'site': 4, 'tags': [1, 2], 'custom_fields': {'backup_policy': 'standar'}}
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pynetbox
import requests
from pynetbox.core.query import Request, RequestError

from simpul.errors import NetBoxError

log = logging.getLogger(__name__)

CHUNK = 250  # objects per bulk POST/PATCH: one transaction each, small enough for NetBox's timeout
# Cables trace their paths on save: a bulk POST of cables costs ~0.1-0.5 s per cable on a busy NetBox.
CHUNK_BY_PATH = {"dcim.cables": 25, "dcim.interfaces": 100, "ipam.ip_addresses": 100}
WRITE_TIMEOUT_MIN = 300.0  # seconds; a bulk write is slower than a read (gunicorn default-ish limit)
# Writes go one bulk request at a time: NetBox keeps counters on parent rows (a device type's
# device_count, a device's interface_count), so concurrent bulk creates deadlock in PostgreSQL.
PAGE = 1000  # NetBox's default MAX_PAGE_SIZE


@dataclass
class Counts:
    """What an upsert run did, in total and per object type."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, kind: str, what: str, n: int = 1) -> None:
        if n == 0:
            return
        setattr(self, what, getattr(self, what) + n)
        row = self.by_type.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})
        row[what] += n

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}

    def merge(self, other: Counts) -> None:
        for kind, row in other.by_type.items():
            for what, n in row.items():
                self.add(kind, what, n)


def _norm(value: Any) -> Any:
    """NetBox read format -> comparable write format."""
    if isinstance(value, dict):
        if "id" in value:
            return value["id"]
        if "value" in value and "label" in value:
            return value["value"]
        return value
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _same(want: Any, have: Any) -> bool:
    if isinstance(want, dt.date):
        want = want.isoformat()
    if want in (None, "") and have in (None, ""):
        return True
    if isinstance(want, bool) or isinstance(have, bool):
        return want is have or (want == have and type(want) is type(have))
    if isinstance(want, int | float) and isinstance(have, int | float | str):
        try:
            return float(want) == float(have)
        except ValueError:
            return False
    if isinstance(want, list) and isinstance(have, list):
        if all(isinstance(v, int | str) for v in want + have):
            return sorted(map(str, want)) == sorted(map(str, have))
        return bool(want == have)
    return bool(want == have)


def _terminations(value: Any) -> set[tuple[str, int]]:
    return {(str(t["object_type"]), int(t["object_id"])) for t in value or []}


def differs(desired: dict[str, Any], existing: dict[str, Any]) -> dict[str, Any]:
    """The part of ``desired`` that ``existing`` lacks (the PATCH body), empty when in sync."""
    patch: dict[str, Any] = {}
    for key, want in desired.items():
        have = existing.get(key)
        if key == "custom_fields":
            have_cf = have or {}
            changed = {k: v for k, v in want.items() if not _same(v, _norm(have_cf.get(k)))}
            if changed:
                patch[key] = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in changed.items()}
        elif key == "tags":
            have_ids = [t["id"] for t in have or []]
            missing = [t for t in want if t not in have_ids]
            if missing:
                patch[key] = sorted(set(have_ids) | set(want))  # never drop a user's own tags
        elif key in ("a_terminations", "b_terminations"):
            if _terminations(want) != _terminations(have):
                patch[key] = want
        elif key == "data":
            if want != have:
                patch[key] = want
        elif not _same(want, _norm(have)):
            patch[key] = want
    return patch


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif isinstance(value, dict):
            out[key] = _jsonable(value)
        else:
            out[key] = value
    return out


class Upserter:
    """Load-once, compare, bulk create/update against one NetBox."""

    def __init__(self, api: pynetbox.api, counts: Counts | None = None) -> None:
        self.api = api
        self.counts = counts if counts is not None else Counts()
        self.last_created: set[Hashable] = set()  # keys the latest sync() created

    def _endpoint(self, path: str) -> Any:
        app, name = path.split(".")
        return getattr(getattr(self.api, app), name)

    def fetch(self, path: str, **filters: Any) -> list[dict[str, Any]]:
        """Every object of a type as raw JSON: one paged list call, pages fetched in parallel."""
        endpoint = self._endpoint(path)
        request = Request(
            base=f"{endpoint.url}/",
            token=self.api.token,
            http_session=self.api.http_session,
            filters=filters or None,
            threading=bool(self.api.threading),
            max_workers=self.api.max_workers,
            limit=PAGE,
        )
        try:
            return list(request.get())
        except RequestError as exc:
            raise NetBoxError(f"listing {path} failed: {_reason(exc)}") from None
        except requests.RequestException as exc:
            raise NetBoxError(
                f"lost NetBox while listing {path} ({type(exc).__name__})",
                hint="check that NetBox is running, or raise SIMPUL_NETBOX_TIMEOUT",
            ) from None

    def sync(
        self,
        kind: str,
        path: str,
        desired: Iterable[tuple[Hashable, dict[str, Any]]],
        key: Callable[[dict[str, Any]], Hashable],
        *,
        existing: list[dict[str, Any]] | None = None,
        create_only: Iterable[str] = (),
    ) -> dict[Hashable, dict[str, Any]]:
        """Make NetBox hold every desired object; return key -> object (raw JSON, with ``id``).

        ``create_only`` fields are sent when creating but never compared afterwards.
        """
        desired = list(desired)
        if existing is None:
            key_fields = getattr(key, "fields", None)
            if key_fields is None:
                existing = self.fetch(path)
            else:
                # only the fields compared: NetBox serialises far less (5x faster for interfaces)
                wanted = {"id", *key_fields}
                for _, payload in desired:
                    wanted.update(payload)
                existing = self.fetch(path, fields=",".join(sorted(wanted)))
        have = {key(obj): obj for obj in existing}
        to_create: list[tuple[Hashable, dict[str, Any]]] = []
        to_update: list[tuple[Hashable, dict[str, Any]]] = []
        skip = set(create_only)
        seen: set[Hashable] = set()
        for k, payload in desired:
            if k in seen:
                continue
            seen.add(k)
            current = have.get(k)
            if current is None:
                to_create.append((k, payload))
                continue
            patch = differs({f: v for f, v in payload.items() if f not in skip}, current)
            if patch:
                to_update.append((k, {"id": current["id"], **patch}))
            else:
                self.counts.add(kind, "unchanged")
        self.last_created = {k for k, _ in to_create}
        for (k, _), record in zip(to_create, self._bulk(kind, path, "create", to_create), strict=True):
            have[k] = _raw(record)
        self.counts.add(kind, "created", len(to_create))
        for (k, _), record in zip(to_update, self._bulk(kind, path, "update", to_update), strict=True):
            have[k] = _raw(record)
        self.counts.add(kind, "updated", len(to_update))
        log.debug("%s: %s", kind, self.counts.by_type.get(kind))
        return have

    def _bulk(
        self, kind: str, path: str, verb: str, items: list[tuple[Hashable, dict[str, Any]]]
    ) -> list[Any]:
        """Bulk POST/PATCH in chunks, one request at a time (see the note on counters above)."""
        if not items:
            return []
        endpoint = self._endpoint(path)
        call = endpoint.create if verb == "create" else endpoint.update
        chunks = list(_chunks(items, CHUNK_BY_PATH.get(path, CHUNK)))

        def one(chunk: list[tuple[Hashable, dict[str, Any]]]) -> list[Any]:
            try:
                return list(call([_jsonable(p) for _, p in chunk]))
            except RequestError as exc:
                raise NetBoxError(
                    f"{'creating' if verb == 'create' else 'updating'} {kind} failed: {_reason(exc)}",
                    hint=f"first of this batch: {_describe(chunk[0][1])}",
                ) from None

        def run() -> list[Any]:
            return [record for chunk in chunks for record in one(chunk)]

        return list(_write(self.api, kind, run))

    def patch_only(
        self,
        kind: str,
        path: str,
        patches: Iterable[tuple[dict[str, Any], dict[str, Any]]],
        fresh: set[int] = frozenset(),  # type: ignore[assignment]
    ) -> None:
        """Second-pass updates (a device's primary IP) on objects that already exist.

        ``patches`` holds (existing object, desired fields); objects whose id is in ``fresh`` were
        created in this run, so their patch is part of creating them and is not counted as updated.
        """
        body: list[dict[str, Any]] = []
        counted = 0
        for current, desired in patches:
            patch = differs(desired, current)
            if patch:
                body.append({"id": current["id"], **patch})
                counted += current["id"] not in fresh
        self._bulk(kind, path, "update", [(p["id"], p) for p in body])
        self.counts.add(kind, "updated", counted)


def keyed(func: Callable[[dict[str, Any]], Hashable], *fields: str) -> Callable[[dict[str, Any]], Hashable]:
    """Mark a key function with the fields it reads, so ``sync`` can list only the fields it needs."""
    func.fields = fields  # type: ignore[attr-defined]
    return func


def _write(api: pynetbox.api, kind: str, call: Callable[[], Any]) -> Any:
    """One bulk write, with a longer timeout than reads and transport errors made clear."""
    session = api.http_session
    before = getattr(session, "timeout", None)
    if before is not None:
        session.timeout = max(float(before), WRITE_TIMEOUT_MIN)
    try:
        return call()
    except requests.Timeout:
        raise NetBoxError(
            f"NetBox did not answer in time while writing {kind}",
            field="netbox_timeout",
            hint="NetBox may still finish the write: run the same command again (it is idempotent), "
            "or raise SIMPUL_NETBOX_TIMEOUT",
        ) from None
    except requests.RequestException as exc:
        raise NetBoxError(
            f"lost the connection to NetBox while writing {kind} ({type(exc).__name__})",
            hint="check that NetBox is running, then run the same command again (it is idempotent)",
        ) from None
    finally:
        if before is not None:
            session.timeout = before


def _raw(record: Any) -> dict[str, Any]:
    """A pynetbox Record back to its raw JSON (as the list calls return it)."""
    return dict(record)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _reason(exc: RequestError) -> str:
    try:
        return str(exc.error)[:600]
    except AttributeError:
        return str(exc)[:600]


def _describe(payload: dict[str, Any]) -> str:
    for field_name in ("name", "slug", "address", "prefix", "cid", "vid"):
        if field_name in payload:
            return f"{field_name}={payload[field_name]!r}"
    return str({k: v for k, v in list(payload.items())[:4]})
