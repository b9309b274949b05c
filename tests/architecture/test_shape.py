"""The shape of simpul (docs/architecture.md), asserted from the import graph of the source.

Every import counts, module-level or inside a function: a lazy import hides a cycle from Python
but not from a reader.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "simpul"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[str]:
    """Every module ``path`` imports (absolute names; ``from x import y`` yields x.y and x)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges[name] = {target for target in imports_of(path) if target in modules and target != name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def is_package_parent(importer: str, imported: str) -> bool:
    """``simpul.x.y`` importing ``simpul.x`` (its own package's __init__) is not a layer edge."""
    return importer.startswith(imported + ".")


def test_the_graph_sees_lazy_imports() -> None:
    edges = graph()
    assert "simpul.devices.platforms" in edges["simpul.devices.runner"]
    assert edges["simpul.cli"], "the CLI entry point imports its sub-apps"


def test_no_import_cycles_in_simpul() -> None:
    assert cycles(graph()) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


LAYER_RULES: list[tuple[str, tuple[str, ...], str]] = [
    # (importer prefix, allowed simpul prefixes, why)
    ("simpul.core", ("simpul.core", "simpul.errors"), "the core is pure: no I/O edges, no services"),
    (
        "simpul.services",
        ("simpul.services", "simpul.core", "simpul.errors", "simpul.settings", "simpul.devices",
         "simpul.netbox", "simpul.store", "simpul.report", "simpul.inventory", "simpul.parsers",
         "simpul.templates", "simpul.providers", "simpul.lab", "simpul.bandwidth_endpoints"),
        "services sit under the CLI and above the edges",
    ),
    (
        "simpul.scale",
        ("simpul.scale", "simpul.services", "simpul.core", "simpul.errors", "simpul.settings",
         "simpul.devices", "simpul.inventory", "simpul.store", "simpul.netbox"),
        "scale-out sits beside the CLI, over the services it shards (services never import it)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("prefix", "allowed", "why"), LAYER_RULES, ids=[r[0] for r in LAYER_RULES])
def test_layers(prefix: str, allowed: tuple[str, ...], why: str) -> None:
    bad = [
        f"{importer} -> {imported}"
        for importer, targets in graph().items()
        if importer == prefix or importer.startswith(prefix + ".")
        for imported in targets
        if not imported.startswith(allowed) and not is_package_parent(importer, imported)
    ]
    assert bad == [], why


def test_only_the_cli_imports_the_cli() -> None:
    bad = [
        f"{importer} -> {imported}"
        for importer, targets in graph().items()
        for imported in targets
        if imported.startswith("simpul.cli")
        and not importer.startswith("simpul.cli")
        and importer != "simpul.__main__"
    ]
    assert bad == []


def test_cli_modules_share_only_common() -> None:
    """``simpul lan`` -> cli/lan.py -> services: one hop, no command module leaning on another."""
    bad = [
        f"{importer} -> {imported}"
        for importer, targets in graph().items()
        if importer.startswith("simpul.cli.")
        for imported in targets
        if imported.startswith("simpul.cli.") and imported != "simpul.cli._common"
    ]
    assert bad == []


def test_plugins_call_services_not_the_cli_nor_private_names() -> None:
    bad = []
    for path in sorted((ROOT / "playbooks").rglob("*.py")) + sorted((ROOT / "roles").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simpul"):
                if node.module.startswith("simpul.cli"):
                    bad.append(f"{path.relative_to(ROOT)}: {node.module}")
                bad += [
                    f"{path.relative_to(ROOT)}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_")
                ]
    assert bad == []


def test_simulators_stay_in_the_lab() -> None:
    """A production install has no fakenos: only simpul.lab may import it."""
    bad = [
        str(path.relative_to(ROOT))
        for path in [*PACKAGE.rglob("*.py"), *(ROOT / "nornir_tasks").rglob("*.py")]
        if "simpul/lab/" not in str(path)
        and any(name.split(".")[0] == "fakenos" for name in imports_of(path))
    ]
    assert bad == []
