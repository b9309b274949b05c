"""The fakenos shell and SSH server subclasses that make simulated devices stateful.

``LabShell`` (a fakenos ``CMDShell``) keeps a mode per session (user, enable, config, config-if)
and routes config-mode lines to the device's ``DeviceState``, so every session of a device sees
the same running config. Exec commands come from the platform's NOS plugin table
(``nos_*.py``), matched with IOS-style abbreviations (``sh ip int br``) and ``| include`` /
``| exclude`` / ``| begin`` / ``| section`` filters.

``LabSshServer`` is fakenos' ``ParamikoSshServer`` with three changes: one shared host key, a
login that accepts MikroTik's ``user+options`` form (netmiko logs in as ``admin+ct511w4098h``),
and no 10 ms sleep per typed byte.

``ANSWER_DELAY`` (seconds, set by the server from ``SIMPUL_LAB_LATENCY_MS``) delays every answer
to a typed line, as a slow link to a kecamatan does: each command costs at least one round trip.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from typing import Any

import paramiko
from fakenos.core.nos import Nos
from fakenos.core.servers import TCPServerBase
from fakenos.plugins.servers.ssh_server_paramiko import (
    ParamikoSshServer,
    ParamikoSshServerInterface,
    TapIO,
    shell_to_channel_tap,
)
from fakenos.plugins.shell.cmd_shell import CMDShell

from simpul.lab.devices.state import (
    CONFIG,
    CONFIG_IF,
    CONFIG_VLAN,
    ENABLE,
    SECTION_MODES,
    USER,
    DeviceState,
    RouterOsState,
)

log = logging.getLogger(__name__)

_CONFIG_MODES = (CONFIG, CONFIG_IF, CONFIG_VLAN, *SECTION_MODES)

ANSWER_DELAY = 0.0  # seconds before each answer (a slow link); see serve.answer_delay


def _filter(output: str, pipe: str) -> str:
    """Apply an IOS output modifier (``include``, ``exclude``, ``begin``, ``section``)."""
    words = pipe.strip().split(None, 1)
    if not words:
        return output
    verb, pattern = words[0].lower(), (words[1] if len(words) > 1 else "")
    lines = output.splitlines()
    try:
        regex = re.compile(pattern)
    except re.error:
        regex = re.compile(re.escape(pattern))
    if "include".startswith(verb):
        return "\n".join(x for x in lines if regex.search(x))
    if "exclude".startswith(verb):
        return "\n".join(x for x in lines if not regex.search(x))
    if "begin".startswith(verb):
        for n, line in enumerate(lines):
            if regex.search(line):
                return "\n".join(lines[n:])
        return ""
    if "section".startswith(verb):
        out, keep = [], False
        for line in lines:
            if line and not line[0].isspace():
                keep = bool(regex.search(line))
            elif keep and not line.strip():
                keep = False
            if keep:
                out.append(line)
        return "\n".join(out)
    return output


class LabShell(CMDShell):  # type: ignore[misc]
    """One SSH session on one simulated device."""

    def __init__(
        self,
        stdin: Any,
        stdout: Any,
        nos: Nos,
        nos_inventory_config: dict[str, Any],
        base_prompt: str,
        is_running: threading.Event,
        device: DeviceState,
        **kwargs: Any,
    ) -> None:
        self.device = device
        self.ros = isinstance(device, RouterOsState)
        self.mode = ENABLE if self.ros else USER
        self.context = ""
        self.pending: str | None = None
        self.stopping = False
        kwargs.setdefault("intro", "")
        super().__init__(stdin, stdout, nos, nos_inventory_config, base_prompt, is_running, **kwargs)
        self.command_words = {
            key: tuple(key.lstrip("/").split()) for key in self.commands if not key.startswith("_")
        }
        self._refresh_prompt()

    # -- cmd.Cmd plumbing ----------------------------------------------------------------
    def start(self) -> None:
        try:
            self.cmdloop()
        except TypeError:
            # fakenos' TapIO.readline returns None once the session is gone
            log.debug("session on %s ended", self.device.hostname)

    def stop(self) -> None:
        self.stopping = True  # the watchdog saw the session die: end whatever the mode
        super().stop()

    def onecmd(self, line: str) -> bool:
        if not self.is_running.is_set() or self.stopping:
            return True
        if ANSWER_DELAY:
            time.sleep(ANSWER_DELAY)
        try:
            stop = self.handle(line.strip())
        except Exception:
            log.exception("%s: command %r failed", self.device.hostname, line)
            self.writeline("% Internal error")
            stop = False
        self._refresh_prompt()
        return stop

    def _refresh_prompt(self) -> None:
        host = self.device.hostname
        if self.ros:
            self.base_prompt = f"{self.device.username}@{host}"
            self.prompt = f"[{self.base_prompt}] > "
            return
        self.base_prompt = host
        if self.pending == "password":
            self.prompt = "Password: "
        elif self.pending == "copy":
            self.prompt = "Destination filename [startup-config]? "
        else:
            suffix = {USER: ">", ENABLE: "#", CONFIG: "(config)#", CONFIG_IF: "(config-if)#"}
            self.prompt = host + suffix.get(self.mode, f"({self.mode})#")

    # -- dispatch ------------------------------------------------------------------------
    def handle(self, line: str) -> bool:
        """One line typed at the prompt; True ends the session."""
        if self.pending:
            self._answer_pending(line)
            return False
        if not line:
            return False
        if self.ros:
            return self.handle_ros(line)
        if self.mode in _CONFIG_MODES:
            self._handle_config(line)
            return False
        return self._handle_exec(line)

    def _answer_pending(self, line: str) -> None:
        """The answer to the question the last command asked (enable password, copy destination)."""
        pending, self.pending = self.pending, None
        if pending == "password":
            if line == self.device.password:
                self.mode = ENABLE
            else:
                self.writeline("% Access denied")
        elif pending == "copy":
            self.writeline(self.device.cmd_write_memory(self.base_prompt, self.prompt, "copy"))

    def _handle_config(self, line: str) -> None:
        if line.split(maxsplit=1)[0] == "do" and len(line.split()) > 1:
            self.run_exec(line.split(None, 1)[1], privileged=True)
            return
        out, self.mode, self.context = self.device.configure(line, self.mode, self.context)
        if out:
            self.writeline(out)

    def _handle_exec(self, line: str) -> bool:
        """User or privileged EXEC mode: session and mode commands, else a show command."""
        words = line.split()
        first = words[0].lower()
        if first in ("exit", "logout", "quit"):
            return True
        if "enable".startswith(first) and len(first) >= 2 and len(words) == 1:
            if self.mode == USER:
                self.pending = "password"
        elif first == "disable":
            self.mode = USER
        elif (
            "configure".startswith(first)
            and len(first) >= 4
            and (len(words) == 1 or "terminal".startswith(words[1].lower()))
        ):
            self._enter_config()
        elif first == "copy" and len(words) == 3 and "running-config".startswith(words[1]):
            self._copy_running(line, words)
        else:
            self.run_exec(line, privileged=self.mode == ENABLE)
        return False

    def _enter_config(self) -> None:
        if self.mode != ENABLE:
            self.writeline(self.device_invalid())
            return
        self.mode, self.context = CONFIG, ""
        if not isinstance(self.device, RouterOsState) and self.device.platform == "cisco_ios":
            self.writeline("Enter configuration commands, one per line.  End with CNTL/Z.")

    def _copy_running(self, line: str, words: list[str]) -> None:
        if self.mode != ENABLE or not "startup-config".startswith(words[2]):
            self.writeline(self.device_invalid())
        elif self.device.platform == "cisco_ios":
            self.pending = "copy"  # IOS asks for the destination; EOS copies at once
        else:
            self.writeline(self.device.cmd_write_memory(self.base_prompt, self.prompt, line))

    def device_invalid(self) -> str:
        return str(self.commands["_default_"]["output"])

    def resolve(self, words: list[str]) -> tuple[str | None, int]:
        """The command key matching ``words`` (abbreviations allowed), longest first."""
        lowered = [w.lower() for w in words]
        best: tuple[str | None, int] = (None, 0)
        for size in range(len(lowered), 0, -1):
            head = lowered[:size]
            hits = [
                key
                for key, kw in self.command_words.items()
                if len(kw) == size and all(k.startswith(h) for k, h in zip(kw, head, strict=True))
            ]
            exact = [key for key in hits if self.command_words[key] == tuple(head)]
            if exact:
                return exact[0], size
            if len(hits) == 1:
                return hits[0], size
            if hits:
                return None, -1  # ambiguous
        return best

    def run_exec(self, line: str, *, privileged: bool) -> None:
        command, _, pipe = line.partition("|")
        words = command.lstrip("/").split()
        key, size = self.resolve(words)
        if key is None or (size < len(words) and not self.ros and key not in self._takes_args()):
            if size == -1:
                self.writeline(f'% Ambiguous command:  "{line}"')
            else:
                self.writeline(self.device_invalid() if not self.ros else f"bad command name {words[0]}")
            return
        data = self.commands[key]
        if not privileged and data.get("prompt") and not self._check_prompt(data.get("prompt")):
            self.writeline(self.device_invalid())
            return
        output = data["output"]
        if callable(output):
            output = output(
                self.device, base_prompt=self.base_prompt, current_prompt=self.prompt, command=line
            )
        text = str(output or "")
        if pipe:
            text = _filter(text, pipe)
        if text:
            self.writeline(text)

    def _takes_args(self) -> set[str]:
        return {"show vlan", "show interfaces", "show running-config"}

    def handle_ros(self, line: str) -> bool:
        plain = line.lstrip("/").strip()
        if plain in ("quit", "exit"):
            return True
        assert isinstance(self.device, RouterOsState)
        export = re.match(r"^/?([a-z][\w /-]*?)\s+export\s*$", line)
        if export:  # ``/queue tree export``: one menu's export
            self.writeline(self.device.cmd_export_path(export.group(1).strip()))
            return False
        out = self.device.configure_ros(line)
        if out is not None:
            if out:
                self.writeline(out)
            return False
        self.run_exec(line, privileged=True)
        return False


class LabServerInterface(ParamikoSshServerInterface):  # type: ignore[misc]
    """Password auth that ignores MikroTik's ``+options`` login suffix (``admin+ct511w4098h``)."""

    def check_auth_password(self, username: str, password: str) -> int:
        return int(super().check_auth_password(username.split("+", 1)[0], password))


def _channel_to_shell(
    channel_stdio: Any, shell_stdin: TapIO, shell_replied: threading.Event, run_srv: threading.Event
) -> None:
    """fakenos' channel_to_shell_tap without the 10 ms sleep per typed byte, and with CR LF as one
    Enter, as a real terminal takes it (fakenos makes it two lines: the second, an empty command,
    printed a second prompt that on a slow link arrived in the middle of the next command)."""
    buffer = bytearray()
    last = b""
    while run_srv.is_set():
        byte: bytes = channel_stdio.read(1)
        if byte == b"\n" and last == b"\r":
            last = byte
            continue
        last = byte
        shell_replied.wait(10)
        if not channel_stdio.channel.active or byte == b"":
            break
        try:
            if byte in (b"\r", b"\n"):
                channel_stdio.write(b"\r\n")
                shell_stdin.write(buffer.decode("utf-8", errors="replace") + byte.decode())
                buffer.clear()
                shell_replied.clear()
            else:
                channel_stdio.write(byte)
                if byte != b"\x00":
                    buffer += byte
        except (OSError, EOFError) as err:
            log.debug("channel write error: %s", err)
            break


class LabSshServer(ParamikoSshServer):  # type: ignore[misc]
    """One device's SSH listener; all sessions share the device's DeviceState."""

    def __init__(
        self,
        shell: type,
        nos: Nos,
        nos_inventory_config: dict[str, Any],
        port: int,
        username: str,
        password: str,
        host_key: paramiko.PKey,
        shell_configuration: dict[str, Any] | None = None,
        ssh_banner: str = "simpul lab device",
        address: str = "127.0.0.1",
        timeout: int = 1,
        watchdog_interval: float = 1,
    ) -> None:
        # ParamikoSshServer.__init__ minus its RSA key parse (~90 ms per device): one key is shared.
        TCPServerBase.__init__(self, address=address, port=port, timeout=timeout)
        self.nos = nos
        self.nos_inventory_config = nos_inventory_config
        self.shell = shell
        self.shell_configuration = shell_configuration or {}
        self.ssh_banner = ssh_banner
        self.username = username
        self.password = password
        self.watchdog_interval = watchdog_interval
        self._active_sessions: set[paramiko.Transport] = set()
        self._active_sessions_lock = threading.Lock()
        self._ssh_server_key = host_key

    def _bind_sockets(self) -> None:
        """Bind without fakenos' SO_REUSEPORT: two labs must never share a port silently."""
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
        self._socket.settimeout(self.timeout)
        self._socket.bind((self.address, self.port))

    def connection_function(self, client: socket.socket, is_running: threading.Event) -> None:
        shell_replied = threading.Event()
        run_srv = threading.Event()
        run_srv.set()
        helpers: list[threading.Thread] = []
        session = paramiko.Transport(client)
        with self._active_sessions_lock:
            self._active_sessions.add(session)
        try:
            session.add_server_key(self._ssh_server_key)
            server = LabServerInterface(
                ssh_banner=self.ssh_banner, username=self.username, password=self.password
            )
            try:
                session.start_server(server=server)
            except (paramiko.SSHException, EOFError, OSError):
                return
            channel = session.accept(timeout=30)
            if channel is None:
                return
            channel_stdio = channel.makefile("rw")
            shell_stdin, shell_stdout = TapIO(run_srv), TapIO(run_srv)
            for target, args in (
                (_channel_to_shell, (channel_stdio, shell_stdin, shell_replied, run_srv)),
                (shell_to_channel_tap, (channel_stdio, shell_stdout, shell_replied, run_srv)),
            ):
                thread = threading.Thread(target=target, args=args, daemon=True)
                thread.start()
                helpers.append(thread)
            client_shell = self.shell(
                stdin=shell_stdin,
                stdout=shell_stdout,
                nos=self.nos,
                nos_inventory_config=self.nos_inventory_config,
                is_running=is_running,
                **self.shell_configuration,
            )
            watchdog = threading.Thread(
                target=self.watchdog, args=(is_running, run_srv, session, client_shell), daemon=True
            )
            watchdog.start()
            helpers.append(watchdog)
            client_shell.start()
        finally:
            run_srv.clear()
            try:
                session.close()
            finally:
                with self._active_sessions_lock:
                    self._active_sessions.discard(session)
                self._join_connection_helper_threads(helpers)
