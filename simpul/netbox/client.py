"""Connect to the Pemda's NetBox: reachable, token valid, version >= 4.0 -- or a clear error.

Every command that talks to NetBox starts with ``connect(settings)``. It returns a ``pynetbox.api``
whose requests share one ``requests.Session``: a connection pool sized for threaded paging, a default
timeout on every call, the right token scheme (v2 ``nbt_`` tokens as ``Bearer``, v1 as ``Token``) and
retries with exponential backoff on connection errors and 502/503/504 for reads. So a slow or dead
NetBox fails in seconds with a message that says what to do (exit 2), never a traceback.

:func:`get_all` is the one paged reader every edge uses (inventory, SKPD views, the lab):
``?fields=`` when given, 1000 objects a page, one call per page. :func:`as_netbox_error` turns what
``requests``/``pynetbox`` raise into a :class:`~simpul.errors.NetBoxError`.

Examples:
    >>> parse_version("4.7.3-Docker-3.2.1")
    (4, 7, 3)
    >>> parse_version("v3.7.8")
    (3, 7, 8)
    >>> token_scheme("nbt_abcdefghijkl.0123456789"), token_scheme("0123456789abcdef")
    ('Bearer', 'Token')
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

import pynetbox
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from simpul.errors import NetBoxAuthError, NetBoxError, NetBoxVersionError
from simpul.settings import Settings

log = logging.getLogger(__name__)

MIN_VERSION = (4, 0)
POOL_SIZE = 16
PAGE_WORKERS = 4
PAGE_SIZE = 1000
RETRIES = 3  # then a clear error; reads only: a retried POST could create an object twice
BACKOFF = 0.5  # seconds, doubled on each retry
RETRY_STATUS = (502, 503, 504)
LAB_HINT = 'run `simpul lab netbox up` (then `eval "$(simpul lab env)"`) or check NETBOX_URL'


class TimeoutSession(requests.Session):
    """A Session whose requests time out after ``timeout`` seconds unless told otherwise."""

    def __init__(self, timeout: float, pool_size: int = POOL_SIZE, retries: int = RETRIES) -> None:
        super().__init__()
        self.timeout = timeout
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=BACKOFF,
            status_forcelist=RETRY_STATUS,
            allowed_methods=frozenset({"GET", "HEAD", "OPTIONS"}),
            raise_on_status=False,  # the last 5xx answer reaches the caller, which names it
        )
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=retry)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]


def parse_version(text: str) -> tuple[int, ...]:
    """The numeric part of a NetBox version string."""
    match = re.match(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip())
    if not match:
        raise ValueError(text)
    return tuple(int(part) for part in match.groups() if part is not None)


def token_scheme(token: str) -> str:
    """NetBox v2 tokens (``nbt_<key>.<secret>``) go as Bearer, v1 tokens as Token."""
    return "Bearer" if token.startswith("nbt_") else "Token"


def auth_header(token: str) -> dict[str, str]:
    """The Authorization header for a token, in its scheme.

    >>> auth_header("0123456789abcdef")
    {'Authorization': 'Token 0123456789abcdef', 'Accept': 'application/json'}
    """
    return {"Authorization": f"{token_scheme(token)} {token}", "Accept": "application/json"}


def get_all(
    api: Any, path: str, params: Iterable[tuple[str, str]] = (), fields: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every object of a list endpoint (``dcim/devices``...), page by page, as plain JSON.

    Several values of one filter are OR, filters are AND (NetBox's rules). ``fields``: NetBox 4's
    ``?fields=`` (only what the caller reads; pages stay small). HTTP errors become ``NetBoxError``.
    """
    url: str | None = f"{api.base_url}/{path.strip('/')}/"
    first = [*params, ("limit", str(PAGE_SIZE))] + ([("fields", fields)] if fields else [])
    query: list[tuple[str, str]] | None = first
    headers = auth_header(str(api.token))
    while url:
        try:
            resp = api.http_session.get(url, params=query, headers=headers)
        except requests.RequestException as exc:
            raise as_netbox_error(exc, path) from None
        if resp.status_code >= 400:
            raise _http_error(resp.status_code, path)
        page = resp.json()
        yield from page["results"]
        url, query = page.get("next"), None


def graphql_query(api: Any, query: str, what: str) -> dict[str, Any] | None:
    """The ``data`` of one GraphQL query; None when GraphQL cannot answer it (disabled, an older
    schema, an error): callers then read REST, whose errors say what is wrong."""
    url = api.base_url.removesuffix("/").removesuffix("/api") + "/graphql/"
    try:
        resp = api.http_session.post(url, json={"query": query}, headers=auth_header(str(api.token)))
        body = resp.json() if resp.status_code == 200 else None
    except (requests.RequestException, ValueError) as exc:
        log.debug("GraphQL %s unavailable (%s): reading REST", what, type(exc).__name__)
        return None
    if not isinstance(body, dict) or body.get("errors") or not isinstance(body.get("data"), dict):
        log.debug("GraphQL %s unavailable (HTTP %s): reading REST", what, resp.status_code)
        return None
    data: dict[str, Any] = body["data"]
    return data


def _page(field: str, offset: int, limit: int, filters: str = "") -> str:
    """One page of a GraphQL list.

    >>> _page("device_list", 1000, 1000)
    'device_list(pagination: {offset: 1000, limit: 1000})'
    """
    where = f"filters: {filters}, " if filters else ""
    return f"{field}({where}pagination: {{offset: {offset}, limit: {limit}}})"


def graphql_list(
    api: Any, field: str, selection: str, page_size: int = PAGE_SIZE
) -> list[dict[str, Any]] | None:
    """Every object of a GraphQL list (``device_list``...), ``selection`` picked, page by page; None
    when GraphQL cannot answer. Measured on NetBox 4.7: ~2x faster than REST ``?fields=`` for the
    same nested fields (docs/benchmarks.md).
    """
    out: list[dict[str, Any]] = []
    offset = 0
    while True:
        data = graphql_query(api, f"{{ {_page(field, offset, page_size)} {{ {selection} }} }}", field)
        page = data.get(field) if data else None
        if not isinstance(page, list):
            return None
        out += page
        if len(page) < page_size:
            return out
        offset += page_size


def _tagged_with(slug: str) -> str:
    """A GraphQL filter (NetBox >= 4.3's lookups; older schemas refuse it, and the caller reads REST).

    >>> _tagged_with("simpul")
    '{tags: {slug: {exact: "simpul"}}}'
    """
    return f"{{tags: {{slug: {{exact: {json.dumps(slug)}}}}}}}"


def graphql_tags(api: Any, field: str, page_size: int = PAGE_SIZE) -> dict[str, list[str]] | None:
    """The tag slugs of every tagged object of a GraphQL list, by object id (``{"17": ["simpul"]}``);
    None when GraphQL cannot answer.

    Asking ``tags { slug }`` of every device costs NetBox more than all the other fields together
    (2,000 devices: ~0.45 s of ~0.75 s); one light id list per tag, all tags in one query, costs
    ~0.1 s (docs/benchmarks.md).
    """
    data = graphql_query(api, "{ tag_list { slug } }", "tag_list")
    tags = data.get("tag_list") if data else None
    if not isinstance(tags, list):
        return None
    out: dict[str, list[str]] = {}
    todo = {f"t{i}": str(tag["slug"]) for i, tag in enumerate(tags)}
    offset = 0
    while todo:
        lists = [
            f"{alias}: {_page(field, offset, page_size, _tagged_with(slug))} {{ id }}"
            for alias, slug in todo.items()
        ]
        data = graphql_query(api, "{ " + " ".join(lists) + " }", f"{field} by tag")
        if data is None or not all(isinstance(data.get(alias), list) for alias in todo):
            return None
        for alias, slug in todo.items():
            for obj in data[alias]:
                out.setdefault(str(obj["id"]), []).append(slug)
        todo = {alias: slug for alias, slug in todo.items() if len(data[alias]) == page_size}
        offset += page_size
    return out


def _http_error(status: int, what: str) -> NetBoxError:
    if status in (401, 403):
        return NetBoxAuthError(
            f"NetBox refused {what} (HTTP {status})",
            field="netbox_token",
            hint="the token needs read (and for writes, write) permission on it",
        )
    return NetBoxError(
        f"NetBox answered HTTP {status} to {what}"
        + (f" after {RETRIES} retries" if status in RETRY_STATUS else ""),
        hint="check the NetBox server log; run again when NetBox answers",
    )


def as_netbox_error(exc: BaseException, what: str = "a request") -> NetBoxError:
    """A ``NetBoxError`` (exit 2) for what ``requests`` or ``pynetbox`` raised talking to NetBox.

    >>> print(as_netbox_error(requests.ConnectionError("refused"), "dcim/devices").render())
    E3001 NetBox stopped answering during dcim/devices (ConnectionError)
      -> is NetBox running? run again when it answers
    """
    if isinstance(exc, NetBoxError):
        return exc
    status = getattr(getattr(exc, "req", None), "status_code", None)
    if isinstance(exc, pynetbox.RequestError) and isinstance(status, int):
        err = _http_error(status, what)
        detail = str(getattr(exc, "error", "") or "").strip()
        if detail and status == 400:  # a validation error: NetBox says which field
            err = NetBoxError(f"NetBox refused {what}: {detail[:300]}", hint="fix the object named")
        return err
    return NetBoxError(
        f"NetBox stopped answering during {what} ({type(exc).__name__})",
        hint="is NetBox running? run again when it answers",
    )


def is_netbox_failure(exc: BaseException) -> bool:
    """True for what talking to NetBox can raise (network, HTTP): a setting or NetBox, not a bug."""
    return isinstance(exc, requests.RequestException | pynetbox.RequestError)


def _origin(settings: Settings, key: str) -> str:
    try:
        return settings.origin(key)
    except KeyError:
        return "settings"


def check_netbox(url: str, token: str, session: requests.Session, token_origin: str = "") -> str:
    """Check reachability, version and token; return the NetBox version string."""
    api_url = url.rstrip("/") + "/api/"
    try:
        resp = session.get(api_url + "status/", headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise NetBoxError(
            f"NetBox at {url} is unreachable ({type(exc).__name__})",
            field="netbox_url",
            hint=LAB_HINT,
        ) from None
    status: dict[str, Any] = {}
    try:
        status = resp.json() if resp.status_code == 200 else {}
    except ValueError:
        status = {}
    version_text = str(status.get("netbox-version") or "")
    if resp.status_code in (401, 403) and not version_text:
        # LOGIN_REQUIRED NetBoxes hide /api/status/ from anonymous callers: ask again with the token.
        resp = session.get(
            api_url + "status/",
            headers=auth_header(token),
        )
        if resp.status_code in (401, 403):
            raise _auth_error(url, token_origin)
        try:
            status = resp.json()
        except ValueError:
            status = {}
        version_text = str(status.get("netbox-version") or "")
    if not version_text:
        raise NetBoxError(
            f"{url} answered /api/status/ with HTTP {resp.status_code} but is not a NetBox API",
            field="netbox_url",
            hint=LAB_HINT,
        )
    try:
        version = parse_version(version_text)
    except ValueError:
        raise NetBoxVersionError(
            f"cannot read the NetBox version {version_text!r} at {url}", field="netbox_url"
        ) from None
    if version[:2] < MIN_VERSION:
        raise NetBoxVersionError(
            f"NetBox at {url} is version {version_text}; simpul needs NetBox 4.0 or newer",
            field="netbox_url",
            hint="upgrade NetBox (https://netboxlabs.com/docs/netbox/installation/upgrading/) "
            "or use the lab: simpul lab netbox up",
        )
    # The token: an endpoint only an authenticated user may read (anonymous reads may be allowed).
    resp = session.get(api_url + "authentication-check/", headers=auth_header(token))
    if resp.status_code in (401, 403):
        raise _auth_error(url, token_origin)
    if resp.status_code >= 400:
        raise NetBoxError(
            f"NetBox at {url} answered HTTP {resp.status_code} to the token check",
            field="netbox_token",
            hint="check the NetBox server log",
        )
    return version_text


def _auth_error(url: str, token_origin: str) -> NetBoxAuthError:
    where = f" (from {token_origin})" if token_origin else ""
    return NetBoxAuthError(
        f"NetBox at {url} rejected the API token{where}",
        field="netbox_token",
        hint="set NETBOX_TOKEN (or netbox_token in the settings file) to a valid token with write "
        'permission; for the lab: eval "$(simpul lab env)"',
    )


def connect(settings: Settings, *, threading: bool = True) -> pynetbox.api:
    """A checked ``pynetbox.api`` for the configured NetBox.

    Raises SettingsError (URL or token unset), NetBoxError (unreachable / not NetBox),
    NetBoxAuthError (token rejected) or NetBoxVersionError (older than 4.0): all exit code 2.
    """
    settings.require("netbox_url", "netbox_token")
    url = str(settings.netbox_url).rstrip("/")
    token = str(settings.netbox_token)
    timeout = float(settings.values.get("netbox_timeout") or 30.0)
    session = TimeoutSession(timeout)
    version = check_netbox(url, token, session, _origin(settings, "netbox_token"))
    log.info("NetBox %s at %s", version, url)
    api = pynetbox.api(url, token=token, threading=threading, max_workers=PAGE_WORKERS)
    api.http_session = session
    return api
