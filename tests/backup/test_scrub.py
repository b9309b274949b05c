"""The shipped scrub rules, case by case (sent -> received), and the errors for malformed rules."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import yaml

from simpul.core.scrub import check_complete, load_scrub_rules, scrub
from simpul.devices.platforms import platform as spec_of
from simpul.devices.platforms import scrub_families
from simpul.errors import InputError
from tests.backup.conftest import ROOT

RULES = ROOT / "backup_policies" / "config_scrub.yaml"
SCHEMA = ROOT / "backup_policies" / "config_scrub.schema.json"


def test_shipped_rules_follow_the_schema() -> None:
    jsonschema.validate(yaml.safe_load(RULES.read_text()), json.loads(SCHEMA.read_text()))


@pytest.mark.parametrize(
    ("platform", "sent", "received"),
    [
        (
            "cisco_ios",
            "enable secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM",
            "enable secret 9 <removed>",
        ),
        ("cisco_ios", "enable password 7 0822455D0A16", "enable password 7 <removed>"),
        ("cisco_ios", "enable secret level 5 5 $1$abc$def", "enable secret level 5 5 <removed>"),
        (
            "cisco_ios",
            "username ops privilege 15 secret 9 $9$abc",
            "username ops privilege 15 secret 9 <removed>",
        ),
        ("cisco_ios", "username ro password 0 kominfo123", "username ro password 0 <removed>"),
        ("cisco_ios", "snmp-server community Sekadau-RO RO 10", "snmp-server community <removed> RO 10"),
        (
            "cisco_ios",
            "snmp-server host 10.10.0.9 version 2c Trap-Comm",
            "snmp-server host 10.10.0.9 version 2c <removed>",
        ),
        (
            "cisco_ios",
            "crypto isakmp key 0 Psk-Disdik address 10.30.0.7",
            "crypto isakmp key 0 <removed> address 10.30.0.7",
        ),
        ("cisco_ios", " pre-shared-key local Psk-Local", " pre-shared-key local <removed>"),
        (
            "cisco_ios",
            "tacacs-server host 10.10.0.5 key 7 0822455D0A16",
            "tacacs-server host 10.10.0.5 key 7 <removed>",
        ),
        ("cisco_ios", "radius-server key Rad-Key", "radius-server key <removed>"),
        (
            "cisco_ios",
            "tacacs server TAC1\n address ipv4 10.10.0.5\n key 7 0822455D0A16",
            "tacacs server TAC1\n address ipv4 10.10.0.5\n key 7 <removed>",
        ),
        (
            "cisco_ios",
            "key chain OSPF\n key 1\n  key-string 7 0822455D0A16",
            "key chain OSPF\n key 1\n  key-string 7 <removed>",
        ),  # the key id stays: `within` scoping
        ("cisco_ios", "line vty 0 4\n password 7 0822455D0A16", "line vty 0 4\n password 7 <removed>"),
        ("cisco_ios", " neighbor 10.30.0.2 password 7 0822455D", " neighbor 10.30.0.2 password 7 <removed>"),
        (
            "cisco_ios",
            " ip ospf message-digest-key 1 md5 7 0822455D",
            " ip ospf message-digest-key 1 md5 7 <removed>",
        ),
        (
            "cisco_ios",
            "! Last configuration change at 08:00:01 WIB Mon Nov 23 2026 by admin",
            "! Last configuration change at <masked>",
        ),
        (
            "cisco_ios",
            "! NVRAM config last updated at 02:00:00 WIB Mon Nov 23 2026",
            "! NVRAM config last updated at <masked>",
        ),
        ("cisco_ios", "ntp clock-period 17179630", "ntp clock-period <masked>"),
        ("cisco_ios", "Current configuration : 4123 bytes", "Current configuration : <masked> bytes"),
        ("cisco_ios", "hostname core-diskominfo-01", "hostname core-diskominfo-01"),
        (
            "cisco_ios",
            "interface GigabitEthernet0/1\n description TLK-SKD-001 key uplink",
            "interface GigabitEthernet0/1\n description TLK-SKD-001 key uplink",
        ),
        (
            "arista_eos",
            "username admin privilege 15 role network-admin secret sha512 $6$abc",
            "username admin privilege 15 role network-admin secret sha512 <removed>",
        ),
        ("arista_eos", "enable password sha512 $6$xyz", "enable password sha512 <removed>"),
        ("arista_eos", "snmp-server community Sekadau-RO ro", "snmp-server community <removed> ro"),
        (
            "arista_eos",
            "ip security\n   profile VPN-SKPD\n      shared-key 7 0822455D0A16",
            "ip security\n   profile VPN-SKPD\n      shared-key 7 <removed>",
        ),
        (
            "arista_eos",
            "! Startup-config last modified at  Mon Nov 23 02:00:00 2026 by admin",
            "! Startup-config last modified at <masked>",
        ),
        (
            "arista_eos",
            "! device: dist-diskominfo-01 (vEOS-lab, EOS-4.30.1F)",
            "! device: dist-diskominfo-01 (vEOS-lab, EOS-4.30.1F)",
        ),  # a version change is a real change
        ("mikrotik_routeros", "# 2026-11-23 08:00:00 by RouterOS 7.16.1", "# <masked> by RouterOS 7.16.1"),
        ("mikrotik_routeros", "# nov/23/2026 08:00:00 by RouterOS 6.49.10", "# <masked> by RouterOS 6.49.10"),
        ("mikrotik_routeros", "# software id = ABCD-1234", "# software id = <masked>"),
        (
            "mikrotik_routeros",
            "/ppp secret\nadd name=vpn password=Ppp-Secret profile=default",
            "/ppp secret\nadd name=vpn password=<removed> profile=default",
        ),
        (
            "mikrotik_routeros",
            '/user\nadd group=full name=ops password="with space"',
            "/user\nadd group=full name=ops password=<removed>",
        ),
        (
            "mikrotik_routeros",
            "/snmp community\nset [ find default=yes ] name=Sekadau-RO\n/system identity\nset name=rtr-x",
            "/snmp community\nset [ find default=yes ] name=<removed>\n/system identity\nset name=rtr-x",
        ),
        (
            "mikrotik_routeros",
            "/snmp community\nadd addresses=10.10.0.0/24 authentication-password=Auth-Pw name=v3",
            "/snmp community\nadd addresses=10.10.0.0/24 authentication-password=<removed> name=<removed>",
        ),
        (
            "mikrotik_routeros",
            '/interface wireguard\nadd name=wg0 private-key="QUJD+/=="',
            "/interface wireguard\nadd name=wg0 private-key=<removed>",
        ),
        (
            "mikrotik_routeros",
            "/ip ipsec identity\nadd peer=p1 secret=Psk-Disdik",
            "/ip ipsec identity\nadd peer=p1 secret=<removed>",
        ),
        ("mikrotik_routeros", "/ppp secret", "/ppp secret"),
        (
            "linux",
            "[Interface]\nPrivateKey = QUJDREVGR0g=\nListenPort = 51820",
            "[Interface]\nPrivateKey = <removed>\nListenPort = 51820",
        ),
        ("linux", "    wpa-psk Wifi-Psk", "    wpa-psk <removed>"),
        (
            "linux",
            "    bridge hello_timer    1.52 tcn_timer    0.00",
            "    bridge hello_timer    <masked> tcn_timer    <masked>",
        ),
        (
            "linux",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----\n<removed>-----END OPENSSH PRIVATE KEY-----",
        ),
    ],
)
def test_shipped_rules(platform: str, sent: str, received: str) -> None:
    rules = load_scrub_rules(RULES.read_text(), str(RULES), scrub_families())
    assert scrub(sent, platform, rules) == received + "\n"


def _error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_scrub_rules(text, "backup_policies/bad.yaml", scrub_families())
    return info.value


BAD = """version: 1
platforms:
  cisco_ios:
    section_start: '^\\S'
    secret:
      - name: enable-secret
        regex: '^enable secret \\d (?P<secret>\\S+)'
      - name: broken
        regex: '^snmp-server community (?P<secret>\\S+'
"""


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        (BAD, 9, "platforms.cisco_ios.secret[1].regex", "regex does not compile"),
        (
            BAD.replace("(?P<secret>\\S+'", "(\\S+)'"),
            9,
            "platforms.cisco_ios.secret[1].regex",
            "named group `secret`",
        ),
        (
            BAD.replace("        regex: '^snmp", "        rgx: '^snmp"),
            9,
            "platforms.cisco_ios.secret[1].rgx",
            "Extra inputs",
        ),
        (
            BAD.replace("name: broken", "name: enable-secret"),
            8,
            "platforms.cisco_ios.secret[1].name",
            "duplicate rule",
        ),
        (BAD.replace("cisco_ios:", "cisco_iosxe:"), 3, "platforms.cisco_iosxe", "unknown platform"),
        (BAD.replace("    secret:", "    secrets:"), 5, "platforms.cisco_ios.secrets", "unknown key"),
        (
            BAD.replace("'^snmp-server community (?P<secret>\\S+'", "'(?P<secret>x)?'"),
            9,
            "platforms.cisco_ios.secret[1].regex",
            "empty string",
        ),
        (
            "version: 1\nplatforms:\n  linux:\n    secret:\n      - name: a\n"
            "        regex: 'x (?P<secret>y)'\n"
            "        within: '^x'\n",
            7,
            "platforms.linux.secret[0].within",
            "section_start",
        ),
        ("version: 2\nplatforms: {}\n", 1, "version", "unsupported version"),
        ("version: 1\nplatforms:\n  linux:\n    secret: [\n", 5, None, "not valid YAML"),
    ],
)
def test_malformed_rules_name_file_line_and_field(
    text: str, line: int, field: str | None, message: str
) -> None:
    err = _error(text)
    assert err.source == "backup_policies/bad.yaml"
    assert err.line == line
    assert err.field == field
    assert message in err.message
    assert err.exit_code == 2


@pytest.mark.parametrize(
    ("platform", "config", "reason"),
    [
        ("cisco_ios", "hostname r1\n!\nend\n", None),
        ("cisco_ios", "hostname r1\ninterface Gi0/1\n", 'truncated: the last line is not "end"'),
        ("arista_eos", "hostname d1\nend", None),
        ("cisco_ios", "", "empty output"),
        (
            "cisco_ios",
            "show run\n% Invalid input detected at '^' marker.\nend",
            "the device answered with an error (% Invalid input) instead of a config",
        ),
        ("mikrotik_routeros", "# 2026-11-23 08:00:00 by RouterOS 7.16\n/system identity\nset name=r", None),
        (
            "mikrotik_routeros",
            "/system identity\nset name=r",
            'truncated: no "# ... by RouterOS" header',
        ),
        (
            "mikrotik_routeros",
            "bad command name export (line 1 column 2)",
            "the device answered with an error (bad command name) instead of a config",
        ),
        ("linux", "### hostname\nh\n### end\n", None),
        ("linux", "### hostname\nh\n", 'truncated: the last line is not "### end"'),
    ],
)
def test_check_complete(platform: str, config: str, reason: str | None) -> None:
    problem = check_complete(config, spec_of(platform).config_shape)
    assert (problem.message if problem else None) == reason
    if problem is not None:
        assert problem.category == ("rejected" if "answered with an error" in reason else "bad_output")


def test_reasons_never_quote_the_config() -> None:
    config = "enable secret 9 Leak-Me\n% Invalid input Leak-Me"
    problem = check_complete(config, spec_of("cisco_ios").config_shape)
    assert problem is not None and not re.search("Leak-Me", problem.message)
