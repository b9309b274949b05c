"""Offline LAN diff at regency scale: 200 SKPD x 50 devices, each diagram against a perturbed live copy.

Run: ``.venv/bin/python benches/lan_diff.py [--skpd 200] [--devices 50] [--seed 1]``.
Prints the time to build the topologies (not part of the goal) and the diff time: total seconds and
per-SKPD milliseconds. Goal (issue 5): the diff of all 200 SKPD in < 2 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from simpul.core.diff import diff_topologies
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View, Vlan

MODELS = ("CRS328-24P", "CSS610-8G", "RB4011", "CBS350-24T", "C2960X-24TS")


def build_skpd(n: int, devices: int, rng: random.Random) -> Topology:
    """A tree LAN: rtr-<skpd> at the root, switches fanning out 4 ways, access points at the leaves."""
    skpd = f"skpd{n:03d}"
    devs = [
        TopoDevice(
            name=f"rtr-{skpd}", role="skpd-edge", model="RB4011", mgmt_ip=f"10.{20 + n // 250}.{n % 250}.1"
        )
    ]
    links: list[TopoLink] = []
    for i in range(1, devices):
        cisco = i % 3 == 0
        devs.append(
            TopoDevice(
                name=f"sw-{skpd}-{i:02d}",
                role="access-switch",
                model=rng.choice(MODELS),
                mgmt_ip=f"10.{20 + n // 250}.{n % 250}.{i + 1}",
            )
        )
        parent = (i - 1) // 4
        uplink = "GigabitEthernet0/1" if cisco else "ether1"
        down = (
            f"ether{2 + (i - 1) % 4}"
            if not devs[parent].name.startswith("sw") or parent % 3
            else f"Gi0/{2 + (i - 1) % 4}"
        )
        links.append(
            TopoLink(
                a=LinkEnd(device=devs[parent].name, port=down), b=LinkEnd(device=devs[i].name, port=uplink)
            )
        )
    vlans = tuple(
        Vlan(vid=10 * k, name=f"{skpd}-v{k}", subnet=f"10.{100 + k}.{n % 250}.0/24") for k in range(1, 6)
    )
    return Topology(skpd=skpd, view=View.DIAGRAM, devices=tuple(devs), links=tuple(links), vlans=vlans)


def perturb(t: Topology, rng: random.Random) -> Topology:
    """Live copy with drift: hostnames in upper case, links written the other way round with short
    interface names, one device gone, one new, one recabled port, one model, one IP, one VLAN changed."""
    devices = [d.model_copy(update={"name": d.name.upper()}) for d in t.devices]
    gone = rng.randrange(1, len(devices))
    devices.pop(gone)
    devices.append(TopoDevice(name=f"ap-{t.skpd}-liar"))
    k = rng.randrange(1, len(devices) - 1)
    devices[k] = devices[k].model_copy(update={"model": "hEX S"})
    j = rng.randrange(1, len(devices) - 1)
    devices[j] = devices[j].model_copy(update={"mgmt_ip": "192.168.88.1"})
    links = [
        TopoLink(
            a=LinkEnd(
                device=link.b.device.upper(), port=(link.b.port or "").replace("GigabitEthernet", "Gi")
            ),
            b=LinkEnd(device=link.a.device.upper(), port=link.a.port),
        )
        for link in t.links
    ]
    r = rng.randrange(len(links))
    links[r] = links[r].model_copy(update={"a": LinkEnd(device=links[r].a.device, port="ether9")})
    links.append(
        TopoLink(
            a=LinkEnd(device=t.devices[0].name, port="ether5"),
            b=LinkEnd(device=f"ap-{t.skpd}-liar", port="eth0"),
        )
    )
    vlans = list(t.vlans)
    vlans[0] = vlans[0].model_copy(update={"subnet": "172.16.0.0/24"})
    return t.model_copy(
        update={"view": View.LIVE, "devices": tuple(devices), "links": tuple(links), "vlans": tuple(vlans)}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skpd", type=int, default=200)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    start = time.perf_counter()
    pairs = []
    for n in range(args.skpd):
        diagram = build_skpd(n, args.devices, rng)
        pairs.append((diagram, perturb(diagram, rng)))
    built = time.perf_counter() - start

    per_skpd: list[float] = []
    findings = 0
    kinds: dict[str, int] = {}
    start = time.perf_counter()
    for diagram, live in pairs:
        t0 = time.perf_counter()
        found = diff_topologies(diagram, live)
        per_skpd.append(time.perf_counter() - t0)
        findings += len(found)
        for f in found:
            kinds[f.kind.value] = kinds.get(f.kind.value, 0) + 1
    total = time.perf_counter() - start

    links = sum(len(d.links) for d, _ in pairs)
    print(
        f"built {args.skpd} SKPD x {args.devices} devices ({links} diagram links) in {built:.2f} s (untimed)"
    )
    print(
        f"diff: {total:.3f} s total for {args.skpd} SKPD (goal < 2 s) — "
        f"per SKPD mean {statistics.mean(per_skpd) * 1000:.2f} ms, "
        f"median {statistics.median(per_skpd) * 1000:.2f} ms, max {max(per_skpd) * 1000:.2f} ms"
    )
    print(f"findings: {findings} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")


if __name__ == "__main__":
    main()
