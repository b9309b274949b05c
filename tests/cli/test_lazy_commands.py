"""The root command imports a sub-app only when one of its commands runs (simpul/cli/_lazy.py):
every command path still answers ``--help`` through the real console script with all its options,
``simpul --help`` lists every command with the loaded command's own one-line help, and a command
imports no other area's modules."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import typer._click as click
import typer.main
from typer.core import TyperOption

from simpul.cli import Simpul, app
from tests.conftest import ROOT, run_simpul


def walk(
    command: click.Command, parent: click.Context | None, path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command path under ``command`` (each sub-app loaded), with its command."""
    ctx = click.Context(command, info_name=path[-1], parent=parent)
    yield path, command
    for name in getattr(command, "list_commands", lambda _ctx: [])(ctx):
        sub = command.get_command(ctx, name)  # type: ignore[attr-defined]
        assert sub is not None, f"{' '.join(path)} lists {name} but cannot load it"
        yield from walk(sub, ctx, (*path, name))


def every_command() -> list[tuple[tuple[str, ...], click.Command]]:
    return list(walk(typer.main.get_command(app), None, ("simpul",)))


def help_env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "250", "TERM": "dumb", "NO_COLOR": "1"}


def first_paragraph(text: str) -> str:
    return " ".join(inspect.cleandoc(text).split("\n\n")[0].split())


def test_every_command_path_answers_help_with_its_options() -> None:
    commands = every_command()
    assert len(commands) > 50  # every area, every subcommand
    assert {path[1] for path, _ in commands if len(path) > 1} == set(Simpul.lazy)

    def check(item: tuple[tuple[str, ...], click.Command]) -> list[str]:
        path, command = item
        run = run_simpul(*path[1:], "--help", env=help_env(), timeout=120)
        problems = [] if run.returncode == 0 else [f"{' '.join(path)} --help: exit {run.returncode}"]
        if f"Usage: {' '.join(path)} " not in run.stdout:
            problems.append(f"{' '.join(path)} --help: no usage line")
        for param in command.params:
            if isinstance(param, TyperOption) and not param.hidden:
                problems += [
                    f"{' '.join(path)} --help: {opt} missing" for opt in param.opts if opt not in run.stdout
                ]
        return problems

    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = [p for found in pool.map(check, commands) for p in found]
    assert problems == []


def test_the_root_help_lists_every_command_with_its_own_help() -> None:
    run = run_simpul("--help", env=help_env())
    assert run.returncode == 0
    lines = {line.strip("│ ").split(" ", 1)[0]: line for line in run.stdout.splitlines()}
    for path, command in every_command():
        if len(path) == 2:
            name = path[1]
            assert Simpul.lazy[name].help == first_paragraph(command.short_help or command.help or ""), name
            assert name in lines and Simpul.lazy[name].help in " ".join(lines[name].split()), name


def test_no_arguments_and_unknown_commands_are_usage_errors() -> None:
    bare = run_simpul(env=help_env())
    assert bare.returncode == 2 and "inventory" in bare.stdout + bare.stderr
    typo = run_simpul("inventroy", env=help_env())
    assert typo.returncode == 2 and "Did you mean 'inventory'?" in typo.stderr
    nested = run_simpul("lan", "dif", env=help_env())
    assert nested.returncode == 2 and "Did you mean 'diff'?" in nested.stderr


LOADED = """
import json, sys
from simpul.cli import main
sys.argv = ["simpul", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = ("nornir", "napalm", "netmiko", "jinja2", "rq")
mods = sorted(m for m in sys.modules if m.startswith("simpul.cli") or m.split(".")[0] in heavy)
print(json.dumps(mods), file=sys.stderr)
"""


def loaded_by(*argv: str) -> set[str]:
    run = subprocess.run(
        [sys.executable, "-c", LOADED, *argv],
        capture_output=True,
        text=True,
        env=help_env(),
        cwd=ROOT,
        check=False,
    )
    return set(json.loads(run.stderr.strip().splitlines()[-1]))


def test_a_command_imports_its_own_area_only() -> None:
    root = {"simpul.cli", "simpul.cli._common", "simpul.cli._lazy"}
    assert loaded_by("--help") == root
    assert loaded_by("inventory", "--help") == root | {"simpul.cli.inventory"}  # no nornir, napalm...
    backup = {m for m in loaded_by("backup", "--help") if m.startswith("simpul.cli")}
    assert backup == root | {"simpul.cli.backup", "simpul.cli.data_backup"}
