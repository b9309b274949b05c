"""Benchmark: ``simpul nightly`` on the demo regency (78 devices, 38 SKPD) in its own lab.

    .venv/bin/python benches/nightly.py [--runs 2]

Boots a lab exactly as the test session does (a real NetBox 4.7 from the cached dump, seeded with
the demo regency, every device simulated; namespaces for the Linux edges as root) on free ports,
then runs ``/usr/bin/time -v simpul nightly --json`` ``--runs`` times, planting ``missing-link`` and
``ntp-drift`` before the second run so it has something to find and to resolve. Printed per run:
wall time, peak RSS of the simpul process (``Maximum resident set size``), exit code, each stage's
status and seconds. The lab is torn down at the end. No VPS hypervisor and no data-backup target are
configured: those stages report no_input (their own benches: benches/vps.py, benches/data_backup.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIMPUL = str(Path(sys.executable).parent / "simpul")


def _lab(state: Path):  # type: ignore[no-untyped-def]
    from simpul.lab.build import lab_secrets
    from simpul.lab.netbox_lab import NetBoxLab, Ports, free_port, postgres_reachable_tempdir
    from simpul.lab.orchestrate import Lab
    from simpul.netbox.bootstrap import bootstrap
    from simpul.netbox.seed import load_demo, seed_regency
    from simpul.settings import load_settings
    from tests.conftest import LabHandle, LabNetBox, _free_port_range

    os.environ["SIMPUL_STATE_DIR"] = str(state)
    os.environ["SIMPUL_SETTINGS"] = str(state / "no-settings.toml")
    lab_dir = postgres_reachable_tempdir("simpul-bench-nightly-")
    settings = load_settings(env={**os.environ, "SIMPUL_LAB_DIR": str(lab_dir)}, settings_file=False)
    nb = NetBoxLab(settings, Ports(http=free_port(), postgres=free_port(), redis=free_port()))
    up = nb.up()
    netbox = LabNetBox(lab=nb, url=up.url, token=up.token)
    nb.reset("base")
    api = netbox.api()
    bootstrap(api)
    seed_regency(api, load_demo())
    whole = Lab(
        load_settings(env={**os.environ, "SIMPUL_LAB_DIR": str(nb.root.parent)}, settings_file=False),
        nb.ports,
        device_base_port=_free_port_range(1200),
        netns_prefix=f"b{os.getpid()}-",
    )
    whole.up()
    return LabHandle(whole=whole, netbox=netbox, password=lab_secrets(whole.paths.root)["password"]), lab_dir


def _run(env: dict[str, str], report: Path) -> dict[str, object]:
    done = subprocess.run(
        ["/usr/bin/time", "-v", SIMPUL, "nightly", "--json", "--report", str(report)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and rss, done.stderr
    parts = [float(p) for p in wall.group(1).split(":")]
    seconds = sum(p * 60**i for i, p in enumerate(reversed(parts)))
    result = json.loads(done.stdout)
    return {
        "wall_s": round(seconds, 1),
        "peak_rss_mb": round(int(rss.group(1)) / 1024, 1),
        "exit": done.returncode,
        "stages": {k: (v["status"], v["seconds"]) for k, v in result["stages"].items()},
        "obligations": result["obligations"],
        "findings": result["findings"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="simpul-bench-nightly-state-"))
    lab, lab_dir = _lab(state)
    try:
        env = lab.env()
        env["SIMPUL_LIBVIRT_URI"] = f"qemu+unix:///system?socket={state}/no-libvirt.sock"
        for n in range(args.runs):
            if n == 1:
                lab.plant("missing-link")
                lab.plant("ntp-drift")
            figures = _run(env, state / "report")
            print(json.dumps({"run": n + 1, **figures}), flush=True)
    finally:
        lab.whole.down()
        lab.netbox.lab.down()
        shutil.rmtree(lab_dir, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
