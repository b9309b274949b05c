"""Real SSH devices for the backup tests: fakenos (IOS, EOS, RouterOS, Linux) and tiny failing ones.

Every config holds secrets generated per test session (never constants in the repo), in the forms
the scrub rules must catch; its volatile lines (time stamps) change on every fetch, so "an unchanged
second run makes no commit" is only true if masking works.
"""

from __future__ import annotations

import datetime as dt
import secrets as pysecrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.backup.sshdevice import SilentPort, TinySSHDevice, free_port

ROOT = Path(__file__).resolve().parents[2]
USER = "admin"


def _secret(prefix: str) -> str:
    return f"{prefix}{pysecrets.token_hex(6)}"


@dataclass
class Planted:
    """The secrets planted in every device config of this session."""

    password: str = field(default_factory=lambda: _secret("Pw"))  # the SSH login password
    enable_secret: str = field(default_factory=lambda: _secret("$9$En"))
    user_password: str = field(default_factory=lambda: _secret("Usr"))
    snmp_community: str = field(default_factory=lambda: _secret("snmp"))
    ipsec_psk: str = field(default_factory=lambda: _secret("psk"))
    ppp_secret: str = field(default_factory=lambda: _secret("ppp"))
    tacacs_key: str = field(default_factory=lambda: _secret("tac"))
    line_password: str = field(default_factory=lambda: _secret("vty"))
    wg_key: str = field(default_factory=lambda: _secret("wgKEY") + "=")
    wpa_psk: str = field(default_factory=lambda: _secret("wpa"))

    def all(self) -> list[str]:
        return list(vars(self).values())


def _clock() -> str:
    return time.strftime("%H:%M:%S") + f".{int(time.time() * 1000) % 1000:03d}"


IOS = """Building configuration...

Current configuration : {size} bytes
!
! Last configuration change at {clock} UTC Mon Nov 23 2026 by admin
! NVRAM config last updated at {clock} UTC Mon Nov 23 2026 by admin
!
version 15.2
hostname {name}
!
enable secret 9 {s.enable_secret}
username admin privilege 15 secret 9 {s.user_password}
!
crypto isakmp key {s.ipsec_psk} address 10.30.0.2
!
interface GigabitEthernet0/0
 description {extra}
 ip address 10.30.0.3 255.255.255.254
!
snmp-server community {s.snmp_community} RO
tacacs server TAC1
 address ipv4 10.10.0.5
 key 7 {s.tacacs_key}
ntp clock-period {period}
!
line vty 0 4
 password 7 {s.line_password}
 login
!
end
"""

EOS = """! Command: show running-config
! device: {name} (vEOS-lab, EOS-4.30.1F)
! Startup-config last modified at {clock} by admin
!
hostname {name}
username admin privilege 15 role network-admin secret sha512 {s.user_password}
enable password sha512 {s.enable_secret}
snmp-server community {s.snmp_community} ro
!
interface Ethernet1
   description {extra}
!
end
"""

ROS = """# {date} {clock} by RouterOS 7.16.1
# software id = {swid}
#
# model = RB4011iGS+
/interface wireguard
add listen-port=13231 mtu=1420 name=wg0 private-key="{s.wg_key}"
/ppp secret
add name=vpn-user password={s.ppp_secret} profile=default-encryption
/snmp community
set [ find default=yes ] name={s.snmp_community}
/system identity
set name={name}
/interface ethernet
set [ find default-name=ether1 ] comment="{extra}"
/user
add group=full name=ops password={s.user_password}
/ip ipsec identity
add peer=p1 secret={s.ipsec_psk}
"""

LINUX = {
    "hostname": "{name}",
    "ip -br addr": "lo UNKNOWN 127.0.0.1/8\neth0 UP 10.20.9.1/24 {extra}",
    "ip -d link show": "3: br0: <BROADCAST,UP> mtu 1500\n    bridge hello_timer {period} tcn_timer 0.00",
    "ip route show table all": "default via 10.20.9.254 dev eth0",
    "ip -6 route show": "",
    "ip rule show": "0: from all lookup local",
    "sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding": "net.ipv4.ip_forward = 1",
    "cat /etc/network/interfaces 2>/dev/null": "auto eth0\niface eth0 inet static\n    wpa-psk {s.wpa_psk}",
}


@dataclass
class Device:
    name: str
    platform: str
    port: int
    skpd: str | None
    site: str | None
    extra: str = "uplink"  # the line a test changes to plant a config change
    mode: str = "ok"  # ok | truncated | error
    username: str = USER
    password: str | None = None  # None: the lab's password


class ConfigBook:
    """What each device answers right now; tests edit it between runs."""

    def __init__(self, planted: Planted) -> None:
        self.s = planted
        self.devices: dict[str, Device] = {}

    def render(self, name: str, command: str = "") -> str:
        dev = self.devices[name]
        values: dict[str, Any] = {
            "name": name,
            "s": self.s,
            "extra": dev.extra,
            "clock": _clock(),
            "size": 1000 + int(time.time() * 1000) % 9000,
            "period": 17000000 + int(time.time() * 1000) % 100000,
            "date": dt.date.today().isoformat(),
            "swid": pysecrets.token_hex(4).upper(),
        }
        if dev.platform == "linux":
            return LINUX[command].format(**values)
        text = {"cisco_ios": IOS, "arista_eos": EOS, "mikrotik_routeros": ROS}[dev.platform].format(**values)
        if dev.mode == "truncated":
            # an IOS/EOS config cut at the end loses "end"; RouterOS has no end marker, a cut
            # export is caught when it lost its start (the header) or the prompt never came back
            text = text[len(text) // 2 :] if dev.platform == "mikrotik_routeros" else text[: len(text) // 2]
        elif dev.mode == "error":
            text = "% Invalid input detected at '^' marker."
        return text

    def answer(self, name: str, command: str = "") -> Any:
        def output(*_: Any, **__: Any) -> str:
            return self.render(name, command)

        return output


@pytest.fixture(scope="session")
def planted() -> Planted:
    return Planted()


@dataclass
class Lab:
    planted: Planted
    book: ConfigBook
    devices: dict[str, Device]
    tiny: dict[str, TinySSHDevice]


@pytest.fixture(scope="module")
def lab(planted: Planted) -> Iterator[Lab]:
    """Five fakenos devices (two IOS, EOS, RouterOS, Linux) and tiny SSH devices that fail on purpose."""
    from fakenos import FakeNOS

    book = ConfigBook(planted)
    devices = [
        Device("core-diskominfo-01", "cisco_ios", free_port(), None, "diskominfo"),
        Device("rtr-dinkes", "cisco_ios", free_port(), "dinkes", "dinkes"),
        Device("dist-diskominfo-01", "arista_eos", free_port(), None, "diskominfo"),
        Device("rtr-disdik", "mikrotik_routeros", free_port(), "disdik", "disdik"),
        Device("rtr-dispar", "linux", free_port(), "dispar", "dispar"),
    ]
    hosts: dict[str, Any] = {}
    for dev in devices:
        book.devices[dev.name] = dev
        prompts = ["{base_prompt}#", "{base_prompt}>", "{base_prompt}$"]
        if dev.platform == "linux":
            commands = {cmd: {"output": book.answer(dev.name, cmd), "prompt": prompts} for cmd in LINUX}
        else:
            cmd = "/export" if dev.platform == "mikrotik_routeros" else "show running-config"
            commands = {cmd: {"output": book.answer(dev.name), "prompt": prompts}}
            commands["show privilege"] = {"output": "Current privilege level is 15", "prompt": prompts}
        host: dict[str, Any] = {
            "port": dev.port,
            "platform": dev.platform,
            "nos": {"plugin": dev.platform, "configuration": {"commands": commands}},
        }
        if dev.platform == "mikrotik_routeros":
            host["username"] = USER + "+ct511w4098h"  # netmiko appends it: no colours, wide terminal
            host["shell"] = {"plugin": "CMDShell", "configuration": {"base_prompt": f"[{USER}@{dev.name}] "}}
        hosts[dev.name] = host
    net = FakeNOS(inventory={"default": {"username": USER, "password": planted.password}, "hosts": hosts})
    net.start()
    tiny = {
        "rtr-flaky": TinySSHDevice("rtr-flaky", USER, planted.password, lambda: book.render("rtr-flaky")),
    }
    book.devices["rtr-flaky"] = Device(
        "rtr-flaky", "cisco_ios", tiny["rtr-flaky"].port, "disdukcapil", "disdukcapil"
    )
    for t in tiny.values():
        t.start()
    try:
        yield Lab(planted=planted, book=book, devices=dict(book.devices), tiny=tiny)
    finally:
        for t in tiny.values():
            t.stop()
        net.stop()


def make_nornir(devices: list[Device], password: str, workers: int = 10, timeout: float = 5.0) -> Any:
    """A Nornir over devices on 127.0.0.1, shaped like simpul.inventory.build_nornir's."""
    from nornir.core import Nornir
    from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
    from nornir.core.plugins.runners import RunnersPluginRegister

    defaults = Defaults(username=USER, password=password)
    hosts = Hosts()
    for dev in devices:
        hosts[dev.name] = Host(
            name=dev.name,
            hostname="127.0.0.1",
            port=dev.port,
            username=dev.username,
            password=dev.password or password,
            platform=dev.platform,
            data={
                "skpd": dev.skpd,
                "site": dev.site,
                "netbox_platform": dev.platform,
                "backup_read_timeout": timeout,
            },
            connection_options={
                "netmiko": ConnectionOptions(
                    extras={
                        "secret": password,
                        "timeout": timeout,
                        "conn_timeout": timeout,
                        "banner_timeout": timeout,
                        "auth_timeout": timeout,
                        "fast_cli": False,
                    }
                )
            },
            defaults=defaults,
        )
    RunnersPluginRegister.auto_register()
    runner = RunnersPluginRegister.get_plugin("threaded")(num_workers=workers)
    return Nornir(inventory=Inventory(hosts=hosts, groups=Groups(), defaults=defaults), runner=runner)


@pytest.fixture(scope="session")
def rules() -> Any:
    from simpul.core.scrub import load_scrub_rules
    from simpul.devices.platforms import scrub_families

    path = ROOT / "backup_policies" / "config_scrub.yaml"
    return load_scrub_rules(path.read_text(), str(path.relative_to(ROOT)), scrub_families())


@pytest.fixture()
def silent_port() -> Iterator[SilentPort]:
    s = SilentPort()
    yield s
    s.stop()


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def all_repo_text(repo: Path) -> str:
    """Every byte a secret could hide in: every object (dangling ones too), every file, `git log -p --all`."""
    objects = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch-all-objects", "--batch"],
        check=True,
        capture_output=True,
    ).stdout.decode(errors="replace")
    files = "".join(
        p.read_text(errors="replace") for p in repo.rglob("*") if p.is_file() and "objects" not in p.parts
    )
    return objects + files + git(repo, "log", "-p", "--all")
