"""A bad seed file is refused before anything is written: exit 2, ``file:line: field: message``.

These run the real ``simpul netbox seed`` on real files; NetBox settings point at a port where
nothing listens, so a file that got past validation would fail with "unreachable" instead.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from simpul.netbox.seed import load_seed_file, validate_seed

GOOD = """\
version: 1
region:
  name: Kabupaten Uji
  slug: kabupaten-uji
sites:
  - slug: uji-kominfo
    name: Diskominfo Uji
  - slug: uji-dinas
    name: Kantor Dinas Uji
    tenant: uji-dinas
tenants:
  - slug: uji-dinas
    name: Dinas Uji
    skpd_mandiri_tik: true
    bw_cir_mbps: 10
    bw_mir_mbps: 20
    lan_diagram_date: 2026-05-01
device_types:
  - slug: uji-7050
    model: DCS-7050TX-48
    manufacturer: arista
  - slug: uji-rb4011
    model: RB4011
    manufacturer: mikrotik
devices:
  - name: uji-dist-01
    role: distribution
    platform: arista_eos
    site: uji-kominfo
    device_type: uji-7050
    interfaces:
      - name: Ethernet2
        ip: 172.31.0.0/31
  - name: uji-rtr-dinas
    role: skpd-edge
    platform: mikrotik_routeros
    site: uji-dinas
    tenant: uji-dinas
    device_type: uji-rb4011
    primary_ip4: 172.31.10.1/24
    interfaces:
      - name: ether1
        ip: 172.31.0.1/31
      - name: ether2
        ip: 172.31.10.1/24
        untagged_vlan: 100
cables:
  - a: {device: uji-dist-01, interface: Ethernet2}
    b: {device: uji-rtr-dinas, interface: ether1}
vlans:
  - vid: 100
    name: Uji-Staf
    site: uji-dinas
    tenant: uji-dinas
prefixes:
  - prefix: 172.31.10.0/24
    site: uji-dinas
    tenant: uji-dinas
    vlan: 100
"""


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# (case, replace this, with this, line holding this text in the bad file, field, message part)
CASES = [
    (
        "unknown platform",
        "platform: mikrotik_routeros",
        "platform: cisco-ios",
        "platform: cisco-ios",
        "devices[1].platform",
        "unknown platform 'cisco-ios'; known: arista_eos, cisco_ios, linux, mikrotik_routeros",
    ),
    (
        "misspelt field",
        "    role: skpd-edge\n",
        "    role: skpd-edge\n    plaform: x\n",
        "plaform: x",
        "devices[1].plaform",
        "unknown field 'plaform'",
    ),
    (
        "missing field",
        "    role: skpd-edge\n",
        "",
        "- name: uji-rtr-dinas",
        "devices[1].role",
        "missing field 'role'",
    ),
    (
        "cable to an unknown interface",
        "b: {device: uji-rtr-dinas, interface: ether1}",
        "b: {device: uji-rtr-dinas, interface: ether9}",
        "interface: ether9",
        "cables[0].b.interface",
        "unknown interface of uji-rtr-dinas: 'ether9'",
    ),
    (
        "cable to an unknown device",
        "a: {device: uji-dist-01, interface: Ethernet2}",
        "a: {device: uji-dist-09, interface: Ethernet2}",
        "uji-dist-09",
        "cables[0].a.device",
        "unknown device 'uji-dist-09'",
    ),
    (
        "prefix naming an unknown tenant",
        "  - prefix: 172.31.10.0/24\n    site: uji-dinas\n    tenant: uji-dinas",
        "  - prefix: 172.31.10.0/24\n    site: uji-dinas\n    tenant: uji-dinsa",
        "tenant: uji-dinsa",
        "prefixes[0].tenant",
        "unknown tenant 'uji-dinsa'",
    ),
    (
        "bad address",
        "ip: 172.31.10.1/24",
        "ip: 172.31.300.1/24",
        "172.31.300.1",
        "devices[1].interfaces[1].ip",
        "not an IP address",
    ),
    (
        "VLAN id out of range",
        "  - vid: 100",
        "  - vid: 5000",
        "vid: 5000",
        "vlans[0].vid",
        "less than or equal to 4094",
    ),
    (
        "CIR above MIR",
        "bw_cir_mbps: 10",
        "bw_cir_mbps: 50",
        "bw_cir_mbps: 50",
        "tenants[0].bw_cir_mbps",
        "CIR 50 Mbps is above MIR 20 Mbps",
    ),
    (
        "impossible date",
        "lan_diagram_date: 2026-05-01",
        "lan_diagram_date: 2026-13-01",
        "2026-13-01",
        "tenants[0].lan_diagram_date",
        "date",
    ),
    (
        "negative bandwidth",
        "bw_mir_mbps: 20",
        "bw_mir_mbps: -20",
        "bw_mir_mbps: -20",
        "tenants[0].bw_mir_mbps",
        "greater than or equal to 0",
    ),
    (
        "primary IP not on the device",
        "primary_ip4: 172.31.10.1/24",
        "primary_ip4: 172.31.10.9/24",
        "primary_ip4: 172.31.10.9/24",
        "devices[1].primary_ip4",
        "not the ip of any of its interfaces",
    ),
    (
        "interface cabled twice",
        "vlans:",
        "  - a: {device: uji-dist-01, interface: Ethernet2}\n"
        "    b: {device: uji-rtr-dinas, interface: ether2}\nvlans:",
        "  - a: {device: uji-dist-01, interface: Ethernet2}\n    b: {device: uji-rtr-dinas, "
        "interface: ether2}",
        "cables[1].a.interface",
        "uji-dist-01 Ethernet2 is already cabled at cables[0].a",
    ),
    (
        "duplicate key",
        "    name: Dinas Uji\n",
        "    name: Dinas Uji\n    name: Dinas Uji Lagi\n",
        "name: Dinas Uji Lagi",
        "tenants[0].name",
        "duplicate key 'name'",
    ),
    (
        "duplicate device",
        "  - name: uji-rtr-dinas",
        "  - name: uji-dist-01",
        "  - name: uji-dist-01\n    role: skpd-edge",
        "devices[1]",
        "duplicate device 'uji-dist-01'",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "where", "field", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_seed_file_names_file_line_and_field(
    tmp_path: Path, cli: Any, old: str, new: str, where: str, field: str, message: str
) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    bad = tmp_path / "regency.yaml"
    bad.write_text(text)
    line = text[: text.index(where)].count("\n") + 1  # the first line of the first match
    out = cli("netbox", "seed", str(bad), url=_dead_url(), token="nbt_abcdefghijkl.secret")
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"regency.yaml:{line}: {field}: " in out.stderr, out.stderr
    assert message in out.stderr.replace("\n", " "), out.stderr
    assert "unreachable" not in out.stderr  # validation came first: NetBox was never contacted
    assert "Traceback" not in out.stderr
    assert "nothing was written" in out.stderr


def test_the_good_file_passes_check(tmp_path: Path, cli: Any) -> None:
    good = tmp_path / "regency.yaml"
    good.write_text(GOOD)
    out = cli("netbox", "seed", str(good), "--check", "--json")
    assert out.returncode == 0, out.stderr
    assert '"devices": 2' in out.stdout


def test_good_file_goes_on_to_netbox(tmp_path: Path, cli: Any) -> None:
    """The control of the cases above: a valid file is only stopped by the unreachable NetBox."""
    good = tmp_path / "regency.yaml"
    good.write_text(GOOD)
    url = _dead_url()
    out = cli("netbox", "seed", str(good), url=url, token="nbt_abcdefghijkl.secret")
    assert out.returncode == 2
    assert f"NetBox at {url} is unreachable" in out.stderr
    assert "simpul lab netbox up" in out.stderr


def test_every_problem_is_listed(tmp_path: Path, cli: Any) -> None:
    text = GOOD.replace("platform: arista_eos", "platform: eos").replace("tenant: uji-dinas", "tenant: x")
    bad = tmp_path / "many.yaml"
    bad.write_text(text)
    out = cli("netbox", "seed", "many.yaml", "--check", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.count("E2001 many.yaml:") == 1 + text.count("tenant: x")


def test_yaml_syntax_error_has_its_line(tmp_path: Path, cli: Any) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text(GOOD.replace("    name: Dinas Uji\n", "    name: [Dinas Uji\n", 1))
    out = cli("netbox", "seed", str(bad), "--check")
    assert out.returncode == 2
    assert "broken.yaml:" in out.stderr and "not valid YAML" in out.stderr
    assert "Traceback" not in out.stderr


def test_missing_file_and_no_argument(tmp_path: Path, cli: Any) -> None:
    out = cli("netbox", "seed", str(tmp_path / "nope.yaml"), "--check")
    assert out.returncode == 2 and "no such file" in out.stderr
    out = cli("netbox", "seed", "--check")
    assert out.returncode == 2 and "give either a seed FILE or --demo" in out.stderr


def test_api_validates_a_dict_too() -> None:
    """``seed_regency(api, dict)`` validates the dict the same way (used by benches)."""
    from simpul.netbox.seed import SeedFileError

    with pytest.raises(SeedFileError) as info:
        validate_seed({"region": {"name": "K", "slug": "k"}, "tenants": [{"slug": "A b", "name": "x"}]})
    assert info.value.field == "tenants[0].slug"


def test_a_file_loads_to_typed_models(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(GOOD)
    seed = load_seed_file(path)
    assert seed.tenants[0].lan_diagram_date is not None
    assert seed.tenants[0].lan_diagram_date.isoformat() == "2026-05-01"
    assert seed.cables[0].b.interface == "ether1"
