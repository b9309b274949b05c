"""A tiny real SSH device (paramiko server on 127.0.0.1) that fails on purpose.

fakenos devices cannot close a session in the middle of an answer or stall forever; this one can.
It speaks just enough IOS for netmiko's ``cisco_ios`` driver (echo, prompt, ``terminal ...``,
``enable``, ``show running-config``). Modes for ``show running-config``:

- ``ok``: the whole config; ``slow``: the whole config after ``delay`` seconds;
- ``cut``: half the config, then the TCP connection closes (disconnect mid-output);
- ``hang``: half the config, then nothing (the device stops answering mid-command).

``SilentPort`` accepts TCP and never speaks SSH (a device that times out before the banner).
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Callable

import paramiko

_HOST_KEY: paramiko.RSAKey | None = None
_KEY_LOCK = threading.Lock()


def host_key() -> paramiko.RSAKey:
    global _HOST_KEY  # noqa: PLW0603 - one key per test process: generating one takes ~0.2 s
    with _KEY_LOCK:
        if _HOST_KEY is None:
            _HOST_KEY = paramiko.RSAKey.generate(2048)
        return _HOST_KEY


class _Auth(paramiko.ServerInterface):  # type: ignore[misc]
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == self.username and password == self.password
        return int(paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED)

    def check_channel_request(self, kind: str, chanid: int) -> int:
        ok = kind == "session"
        return int(paramiko.OPEN_SUCCEEDED if ok else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED)

    def check_channel_pty_request(self, *args: object) -> bool:
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        return True


class TinySSHDevice:
    def __init__(
        self,
        name: str,
        username: str,
        password: str,
        config: Callable[[], str],
        mode: str = "ok",
        delay: float = 0.0,
    ) -> None:
        self.name, self.username, self.password = name, username, password
        self.config, self.mode, self.delay = config, mode, delay
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._transports: list[paramiko.Transport] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> TinySSHDevice:
        self.sock.listen(50)
        self.sock.settimeout(0.2)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in list(self._transports):
            t.close()
        self._thread.join(timeout=2)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._session, args=(client,), daemon=True).start()

    def _session(self, client: socket.socket) -> None:
        transport = paramiko.Transport(client)
        self._transports.append(transport)
        transport.add_server_key(host_key())
        try:
            transport.start_server(server=_Auth(self.username, self.password))
            chan = transport.accept(20)
            if chan is None:
                return
            self._shell(chan, transport)
        except (EOFError, OSError, paramiko.SSHException):
            return
        finally:
            transport.close()

    def _shell(self, chan: paramiko.Channel, transport: paramiko.Transport) -> None:
        prompt = f"{self.name}#"
        chan.sendall(f"\r\n{prompt}".encode())
        buf = b""
        while not self._stop.is_set():
            data = chan.recv(4096)
            if not data:
                return
            chan.sendall(data.replace(b"\n", b"\r\n") if b"\r" not in data else data)  # echo
            buf += data
            while b"\n" in buf or b"\r" in buf:
                cut = min(i for i in (buf.find(b"\n"), buf.find(b"\r")) if i >= 0)
                line, buf = buf[:cut].decode(errors="replace").strip(), buf[cut + 1 :].lstrip(b"\r\n")
                if not self._answer(line, chan, transport, prompt):
                    return

    def _answer(self, line: str, chan: paramiko.Channel, transport: paramiko.Transport, prompt: str) -> bool:
        if line in ("exit", "quit"):
            return False
        if line == "show running-config":
            text = self.config().replace("\n", "\r\n")
            if self.mode == "slow":
                time.sleep(self.delay)
            if self.mode in ("cut", "hang"):
                chan.sendall(b"\r\n" + text[: len(text) // 2].encode())
                if self.mode == "cut":
                    time.sleep(0.1)
                    transport.close()
                    return False
                self._stop.wait(3600)
                return False
            chan.sendall(b"\r\n" + text.encode() + b"\r\n" + prompt.encode())
            return True
        if line == "" or line.startswith(("terminal ", "enable")):
            chan.sendall(f"\r\n{prompt}".encode())
            return True
        chan.sendall(f"\r\n% Invalid input detected at '^' marker.\r\n{prompt}".encode())
        return True


class SilentPort:
    """Accepts TCP connections and never sends a byte (an SSH banner timeout)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port: int = self.sock.getsockname()[1]
        self._clients: list[socket.socket] = []
        self._stop = threading.Event()
        self.sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
                self._clients.append(client)
            except TimeoutError:
                continue
            except OSError:
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for c in self._clients:
            c.close()
        self.sock.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_range(count: int) -> int:
    """A base port whose next ``count`` ports are free on 127.0.0.1."""
    # below the kernel's ephemeral range (32768-60999), where outgoing connections take ports
    for base in range(random.randrange(10000, 30000), 32768 - count, count):
        socks: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port range")
