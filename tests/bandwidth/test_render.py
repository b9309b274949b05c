"""Golden renders of one plan to three targets (SIMPUL_REGEN_GOLDEN=1 rewrites them), and the Linux
script really applied with tc in a namespace."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from simpul.core.bandwidth import Capacity
from simpul.errors import BandwidthError
from simpul.templates.bandwidth import render_bandwidth

from .conftest import GOLDEN, load_plan

CASES = [
    ("routeros", "ether1", "plan3.rsc"),
    ("linux", "up0", "plan3.sh"),
    ("ios", "GigabitEthernet0/1", "plan3.ios"),
]


@pytest.mark.parametrize(("target", "uplink", "golden"), CASES)
def test_golden(target, uplink, golden):
    text = render_bandwidth(load_plan("plan3.yaml"), target, uplink=uplink)
    path = GOLDEN / golden
    if os.environ.get("SIMPUL_REGEN_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), f"{path} missing: run with SIMPUL_REGEN_GOLDEN=1 and review the diff"
    assert text == path.read_text(), f"{golden} changed: review, then regenerate with SIMPUL_REGEN_GOLDEN=1"


def test_every_skpd_and_prefix_is_in_every_target(plan3):
    for target, uplink, _ in CASES:
        text = render_bandwidth(plan3, target, uplink=uplink)
        for alloc in plan3.allocations:
            assert alloc.slug.upper() in text.upper()
            for prefix in alloc.lan_prefixes:
                network = prefix.split("/")[0]
                assert network in text, (target, prefix)


def test_refuses_a_plan_that_fails_check(plan3):
    broken = plan3.model_copy(update={"capacity": Capacity()})
    with pytest.raises(BandwidthError, match="BW-008"):
        render_bandwidth(broken, "linux", uplink="up0")
    with pytest.raises(BandwidthError, match="unknown target"):
        render_bandwidth(plan3, "junos", uplink="up0")
    with pytest.raises(BandwidthError, match="not valid"):
        render_bandwidth(plan3, "linux", uplink="up0; rm -rf /")


@pytest.mark.netns
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces")
def test_linux_script_applies_twice_and_builds_the_hierarchy(plan3):
    """The rendered script is accepted by the real tc, re-running it is clean, and the classes match."""
    ns = f"sbwt-{uuid.uuid4().hex[:6]}"
    script = render_bandwidth(plan3, "linux", uplink="up0")
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(
            ["ip", "-n", ns, "link", "add", "up0", "type", "veth", "peer", "name", "peer0"], check=True
        )
        subprocess.run(["ip", "-n", ns, "link", "set", "up0", "up"], check=True)
        for _ in range(2):
            run = subprocess.run(
                ["ip", "netns", "exec", ns, "sh", "-c", script], capture_output=True, text=True, check=False
            )
            assert run.returncode == 0, run.stderr
        for dev in ("up0", "ifb0"):
            classes = subprocess.run(
                ["ip", "netns", "exec", ns, "tc", "class", "show", "dev", dev],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert "class htb 1:1 root rate 50Mbit ceil 50Mbit" in classes
            assert "rate 10Mbit ceil 40Mbit" in classes  # disdik
            assert "rate 15Mbit ceil 25Mbit" in classes  # dinkes
            assert "rate 20Mbit ceil 50Mbit" in classes  # bappeda
        ingress = subprocess.run(
            ["ip", "netns", "exec", ns, "tc", "filter", "show", "dev", "up0", "ingress"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "Egress Redirect to device ifb0" in ingress
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
