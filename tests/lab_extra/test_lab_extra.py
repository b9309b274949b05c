"""The lab is an optional extra: production installs pull no simulator, and `simpul lab` says what to install.

Real behaviour, no monkeypatching: the CLI runs in a subprocess where fakenos cannot be imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib.metadata import requires
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIMPUL = str(Path(sys.executable).parent / "simpul")
HINT = "pip install 'simpul[lab]'"


def _simpul(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SIMPUL, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False
    )


@pytest.fixture()
def no_fakenos(tmp_path: Path) -> dict[str, str]:
    """An environment whose Python finds a ``fakenos`` that cannot be imported (as if not installed)."""
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "fakenos.py").write_text("raise ImportError(\"No module named 'fakenos'\")\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(blocked)
    env["SIMPUL_LAB_DIR"] = str(tmp_path / "lab")  # nothing may be started or written anyway
    return env


@pytest.mark.parametrize(
    "args",
    [["lab", "up"], ["lab", "status"], ["lab", "netbox", "up"], ["lab", "drift", "list"], ["lab", "env"]],
)
def test_lab_without_the_extra_exits_2_saying_what_to_install(
    args: list[str], no_fakenos: dict[str, str], tmp_path: Path
) -> None:
    done = _simpul(args, no_fakenos)
    assert done.returncode == 2, done.stdout + done.stderr
    assert HINT in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "lab").exists()


def test_lab_without_the_extra_through_the_typer_app() -> None:
    """The same through the app object, with fakenos made unimportable in sys.modules."""
    script = textwrap.dedent(
        """\
        import sys
        sys.modules["fakenos"] = None  # `import fakenos` now raises ImportError
        from simpul.cli import app
        app(["lab", "up"])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr
    assert HINT in done.stderr


def test_the_rest_of_simpul_works_without_the_extra(no_fakenos: dict[str, str]) -> None:
    for args in (["--help"], ["backup", "--help"], ["config", "show", "--json"]):
        done = _simpul(args, no_fakenos)
        assert done.returncode == 0, (args, done.stderr)


def test_no_module_outside_the_lab_imports_fakenos() -> None:
    """Import every module of simpul and nornir_tasks, and the Ansible plugins: fakenos stays unloaded.

    Only the device server and its shell (``simpul.lab.devices.serve``/``shell``, run in their own
    process) may import it.
    """
    script = textwrap.dedent(
        """\
        import importlib, importlib.util, json, pkgutil, sys
        from pathlib import Path
        import simpul, nornir_tasks
        allowed = {"simpul.lab.devices.serve", "simpul.lab.devices.shell"}
        loaded, failed = [], {}
        for pkg in (simpul, nornir_tasks):
            for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
                if info.name in allowed or info.name.endswith("__main__") or ".nos_" in info.name:
                    continue
                try:
                    importlib.import_module(info.name)
                    loaded.append(info.name)
                except Exception as err:
                    failed[info.name] = repr(err)
        for path in sorted(Path("playbooks").glob("*_plugins/*.py")):
            spec = importlib.util.spec_from_file_location("plugin_" + path.stem, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            loaded.append(str(path))
        print(json.dumps({"loaded": loaded, "failed": failed, "fakenos": "fakenos" in sys.modules}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "simpul.cli.lab" in report["loaded"] and "simpul.lab.orchestrate" in report["loaded"]
    assert any(name.endswith("simpul_config_backup.py") for name in report["loaded"])
    assert [name for name, err in report["failed"].items() if "fakenos" in err] == []
    assert report["fakenos"] is False


def test_fakenos_is_only_in_the_lab_extra() -> None:
    """The installed metadata: a plain `pip install simpul` pulls no simulator."""
    reqs = requires("simpul") or []
    fakenos = [r for r in reqs if r.lower().startswith("fakenos")]
    assert fakenos and all('extra == "lab"' in r for r in fakenos), fakenos
