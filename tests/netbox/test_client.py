"""``connect()``: unreachable, not NetBox, too old, wrong token -> exit 2 with a message that says what to do.

The "too old" NetBox is a tiny real HTTP server on 127.0.0.1 answering /api/status/ like NetBox 3.7
(no NetBox 3 can be installed next to the lab's 4.7; this is the one stand-in in these tests).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from simpul.errors import NetBoxAuthError, NetBoxVersionError, SettingsError
from simpul.netbox.client import connect
from simpul.settings import load_settings

TOKEN = "nbt_abcdefghijkl.0123456789abcdef0123456789abcdef01234567"


def _server(status_body: dict[str, object] | None) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if status_body is not None and self.path.startswith("/api/status/"):
                body = json.dumps(status_body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
            else:
                body = b"<html>not here</html>"
                self.send_response(404)
                self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture()
def old_netbox() -> Iterator[str]:
    server, url = _server({"netbox-version": "3.7.8", "python-version": "3.11.2"})
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture()
def not_netbox() -> Iterator[str]:
    server, url = _server(None)
    yield url
    server.shutdown()
    server.server_close()


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_unreachable_netbox(cli: Any) -> None:
    url = _dead_url()
    out = cli("netbox", "bootstrap", url=url, token=TOKEN)
    assert out.returncode == 2
    assert "E3001" in out.stderr and f"NetBox at {url} is unreachable" in out.stderr
    assert "simpul lab netbox up" in out.stderr and "NETBOX_URL" in out.stderr
    assert "Traceback" not in out.stderr and TOKEN not in out.stderr + out.stdout


def test_netbox_older_than_4(cli: Any, old_netbox: str) -> None:
    out = cli("netbox", "seed", "--demo", url=old_netbox, token=TOKEN)
    assert out.returncode == 2
    assert "E3003" in out.stderr and "version 3.7.8" in out.stderr and "4.0 or newer" in out.stderr
    with pytest.raises(NetBoxVersionError):
        connect(load_settings(env={"NETBOX_URL": old_netbox, "NETBOX_TOKEN": TOKEN}, settings_file=False))


def test_something_that_is_not_netbox(cli: Any, not_netbox: str) -> None:
    out = cli("netbox", "bootstrap", "--json", url=not_netbox, token=TOKEN)
    assert out.returncode == 2
    assert "is not a NetBox API" in out.stderr and out.stdout == ""


def test_settings_missing(cli: Any) -> None:
    out = cli("netbox", "bootstrap")
    assert out.returncode == 2
    assert "netbox_url" in out.stderr and "NETBOX_URL" in out.stderr
    with pytest.raises(SettingsError):
        connect(load_settings(env={}, settings_file=False))


@pytest.mark.netbox
def test_wrong_token(cli: Any, netbox_url: str) -> None:
    bad = "nbt_zzzzzzzzzzzz.0000000000000000000000000000000000000000"
    out = cli("netbox", "bootstrap", url=netbox_url, token=bad)
    assert out.returncode == 2
    assert "E3002" in out.stderr and "rejected the API token (from env NETBOX_TOKEN)" in out.stderr
    assert "NETBOX_TOKEN" in out.stderr and bad not in out.stderr
    with pytest.raises(NetBoxAuthError):
        connect(load_settings(env={"NETBOX_URL": netbox_url, "NETBOX_TOKEN": bad}, settings_file=False))


@pytest.mark.netbox
def test_connect_to_the_lab(netbox_url: str, netbox_token: str) -> None:
    api = connect(
        load_settings(env={"NETBOX_URL": netbox_url, "NETBOX_TOKEN": netbox_token}, settings_file=False)
    )
    assert api.threading is True
    assert api.status()["netbox-version"].startswith("4.")
    assert api.http_session.timeout == 30.0
