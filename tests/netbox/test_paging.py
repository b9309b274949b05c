"""The one NetBox reader (``simpul.netbox.client.get_all``): paging, token scheme, retries, errors.

A real NetBox 4.7 (the session lab) sits behind a small real HTTP proxy on 127.0.0.1 that can answer
503 a few times before forwarding: NetBox itself cannot be told to fail on demand, the proxy can.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from simpul.errors import NetBoxError
from simpul.netbox.client import TimeoutSession, get_all

pytestmark = pytest.mark.netbox


@dataclass
class Proxy:
    url: str
    target: str
    fail_next: int = 0  # answer 503 to this many GETs before forwarding again
    fail_path: str | None = None  # answer 503 to every GET under this path
    seen: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization scheme)


def _start_proxy(target: str) -> tuple[ThreadingHTTPServer, Proxy]:
    state = Proxy(url="", target=target)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            auth = self.headers.get("Authorization", "")
            state.seen.append((self.path, auth.split(" ")[0]))
            busy = state.fail_path is not None and self.path.startswith(state.fail_path)
            if busy or state.fail_next > 0:
                state.fail_next = max(0, state.fail_next - 1)
                self._answer(503, b"busy", "text/plain")
                return
            req = urllib.request.Request(
                state.target + self.path, headers={"Authorization": auth, "Accept": "application/json"}
            )
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    self._answer(resp.status, resp.read(), "application/json")
            except urllib.error.HTTPError as err:
                self._answer(err.code, err.read(), "application/json")

        def _answer(self, status: int, body: bytes, kind: str) -> None:
            # NetBox writes absolute "next" links to itself: point them back at the proxy
            body = body.replace(state.target.encode(), state.url.encode())
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


@pytest.fixture()
def proxy(netbox_seeded: Any) -> Iterator[Proxy]:
    server, state = _start_proxy(netbox_seeded.url)
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Api:
    """What ``get_all`` needs of a pynetbox api: base URL, token, session."""

    base_url: str
    token: str
    http_session: Any


def _api(url: str, token: str) -> Api:
    return Api(base_url=url + "/api", token=token, http_session=TimeoutSession(10.0))


def test_pages_through_every_device_with_the_fields_asked(proxy: Proxy, netbox_seeded: Any) -> None:
    from simpul.netbox import client

    api = _api(proxy.url, netbox_seeded.token)
    old, client.PAGE_SIZE = client.PAGE_SIZE, 25  # 78 demo devices: four pages
    try:
        devices = list(get_all(api, "dcim/devices", [("ordering", "name")], fields="id,name"))
    finally:
        client.PAGE_SIZE = old
    names = [d["name"] for d in devices]
    assert len(names) == 78 and names == sorted(names) and len(set(names)) == 78
    assert "name" in devices[0] and set(devices[0]) <= {"id", "name", "display", "url"}
    pages = [path for path, _ in proxy.seen if path.startswith("/api/dcim/devices/")]
    assert len(pages) == 4 and "fields=id%2Cname" in pages[0]


def test_a_v2_token_goes_as_bearer_a_v1_token_as_token(proxy: Proxy, netbox_seeded: Any) -> None:
    list(get_all(_api(proxy.url, netbox_seeded.token), "dcim/sites"))
    assert proxy.seen[-1][1] == "Bearer"
    with pytest.raises(NetBoxError):  # NetBox does not know this v1 token, but the scheme is right
        list(get_all(_api(proxy.url, "0123456789abcdef0123456789abcdef01234567"), "dcim/sites"))
    assert proxy.seen[-1][1] == "Token"


def test_a_busy_netbox_is_retried_with_backoff(proxy: Proxy, netbox_seeded: Any) -> None:
    proxy.fail_next = 2
    sites = list(get_all(_api(proxy.url, netbox_seeded.token), "dcim/sites"))
    assert len(sites) > 1
    assert len([p for p, _ in proxy.seen if p.startswith("/api/dcim/sites/")]) == 3  # 2 x 503, then 200


def test_a_netbox_that_stays_busy_is_a_clear_error(proxy: Proxy, netbox_seeded: Any) -> None:
    proxy.fail_next = 100
    with pytest.raises(NetBoxError) as info:
        list(get_all(_api(proxy.url, netbox_seeded.token), "dcim/sites"))
    assert "HTTP 503 to dcim/sites after 3 retries" in info.value.message
    assert info.value.exit_code == 2


def test_the_cli_says_netbox_is_busy_and_exits_2(proxy: Proxy, netbox_seeded: Any, simpul_cli: Any) -> None:
    """`simpul inventory` through a NetBox that passes the start-up checks, then stays busy."""
    env = {**netbox_seeded.env(), "NETBOX_URL": proxy.url}
    ok = simpul_cli("inventory", "--json", env=env)
    assert ok.returncode == 0, ok.stderr
    proxy.fail_path = "/api/dcim/devices/"
    out = simpul_cli("inventory", "--json", env=env)
    assert out.returncode == 2, out.stderr
    assert "E3001" in out.stderr and "HTTP 503" in out.stderr and "after 3 retries" in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert netbox_seeded.token not in out.stderr
