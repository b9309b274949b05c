"""The ``simpul`` command: one typer app, one sub-app per area, each imported only when it runs.

The table below names every command, how to load it and its one-line help (``simpul --help`` lists
them without importing any: simpul/cli/_lazy.py). A loader imports its module inside the function,
so the import graph still shows which modules the CLI mounts.
"""

from __future__ import annotations

from typing import Any

import typer

from simpul.cli._common import setup_logging  # also: typer help without type noise
from simpul.cli._lazy import Lazy, LazyGroup
from simpul.errors import SimpulError
from simpul.settings import load_settings


def _inventory() -> Any:
    from simpul.cli import inventory

    return inventory.inventory_command


def _nightly() -> Any:
    from simpul.cli import nightly

    return nightly.nightly_command


def _worker() -> Any:
    from simpul.cli import worker

    return worker.worker_command


def _config() -> Any:
    from simpul.cli import config

    return config.app


def _lab() -> Any:
    from simpul.cli import lab

    return lab.app


def _netbox() -> Any:
    from simpul.cli import netbox

    return netbox.app


def _backup() -> Any:
    from simpul.cli import backup, data_backup

    if not any(group.name == "data" for group in backup.app.registered_groups):
        backup.app.add_typer(data_backup.app, name="data")
    return backup.app


def _intended() -> Any:
    from simpul.cli import intended, intended_push

    if not any(command.name == "push" for command in intended.app.registered_commands):
        intended.app.command("push")(intended_push.push_command)
    return intended.app


def _diagram() -> Any:
    from simpul.cli import diagram

    return diagram.app


def _lan() -> Any:
    from simpul.cli import lan

    return lan.app


def _bandwidth() -> Any:
    from simpul.cli import bandwidth

    return bandwidth.app


def _vps() -> Any:
    from simpul.cli import vps

    return vps.app


def _report() -> Any:
    from simpul.cli import report

    return report.app


class Simpul(LazyGroup):
    lazy = {  # noqa: RUF012 - the class's table, never mutated
        "inventory": Lazy(
            _inventory, "Build the Nornir inventory from NetBox (the same hosts and groups Ansible sees)."
        ),
        "nightly": Lazy(
            _nightly,
            "Back up, audit, check and report everything; record history. Exit 1: findings or failures.",
        ),
        "worker": Lazy(
            _worker,
            "Run the device jobs that commands given `--queue` hand out (backup, collect, push, apply...).",
        ),
        "config": Lazy(_config, "Settings: default -> env var -> settings file."),
        "lab": Lazy(_lab, "The built-in lab: a real NetBox 4.7 and simulated devices."),
        "netbox": Lazy(
            _netbox, "The Pemda model in NetBox: bootstrap (custom fields, roles, platforms, tags) and seed."
        ),
        "backup": Lazy(_backup, "Config backups of every device into a git repository."),
        "intended": Lazy(_intended, "Intended configs from NetBox and compliance per feature."),
        "diagram": Lazy(
            _diagram, "Submitted SKPD LAN diagrams (YAML or draw.io): check how one was read, export one."
        ),
        "lan": Lazy(
            _lan, "SKPD LANs (Pasal 19-20): collect live state, diff against the submitted diagram, audit."
        ),
        "bandwidth": Lazy(
            _bandwidth, "Per-SKPD internet bandwidth: plan, check, propose, render, verify, apply."
        ),
        "vps": Lazy(_vps, "VPS in the Pusat Data (Pasal 14 ayat 8): request, apply, list."),
        "report": Lazy(_report, "Reports over the nightly history (Pasal 44 monitoring)."),
    }


app = typer.Typer(
    name="simpul",
    help="Jaringan Intra Pemda automation: NetBox as source of truth, Nornir and Ansible as hands.",
    cls=Simpul,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="log to stderr")) -> None:
    try:
        secrets = load_settings().secrets()
    except SimpulError:
        secrets = []  # the command itself will report the bad setting
    setup_logging(verbose, secrets)


def main() -> None:
    """The console script. Commands handle their own errors; this catches what escapes them
    (a bug in option parsing or the root callback): exit 3 with a crash file, never a traceback."""
    try:
        app()
    except Exception as exc:  # the last line of defence; SimpulErrors never get here
        from simpul.cli._common import internal_error

        raise SystemExit(internal_error(exc, "(start-up)").exit_code) from None
