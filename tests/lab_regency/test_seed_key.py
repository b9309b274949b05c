"""The key of the cached seeded database follows exactly the code that seeds (no NetBox needed)."""

from __future__ import annotations

import re
from pathlib import Path

from simpul.lab.orchestrate import SEED_MODULES, _import_closure, seed_key

PACKAGE = Path(__file__).resolve().parents[2] / "simpul"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / "simpul" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "simpul"


def test_the_closure_follows_imports_at_any_depth_and_nothing_else(tmp_path: Path) -> None:
    package = _tree(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "def f():\n    from simpul.b import thing\n",
            "b.py": "import simpul.c.d\n",
            "c/__init__.py": "",
            "c/d.py": "from simpul import errors\n",
            "errors.py": "",
            "unrelated.py": "import simpul.a\n",
        },
    )
    found = {str(p.relative_to(package)) for p in _import_closure(package, ("simpul.a",))}
    assert found == {"__init__.py", "a.py", "b.py", "c/__init__.py", "c/d.py", "errors.py"}


def test_the_seeding_code_and_the_demo_regency_are_in_the_key() -> None:
    files = {str(p.relative_to(PACKAGE)) for p in _import_closure(PACKAGE, SEED_MODULES)}
    assert {"netbox/seed.py", "netbox/bootstrap.py", "netbox/client.py"} <= files
    assert not any(name.startswith(("lab/", "cli/")) for name in files)
    assert re.fullmatch(r"[0-9a-f]{16}", seed_key())
    assert seed_key() == seed_key()
