"""The ``simpul`` command: one typer app, one sub-app per area."""

from __future__ import annotations

import typer

from simpul.cli import (
    backup,
    bandwidth,
    config,
    data_backup,
    diagram,
    intended,
    intended_push,
    inventory,
    lab,
    lan,
    netbox,
    nightly,
    report,
    vps,
    worker,
)
from simpul.cli._common import setup_logging
from simpul.errors import SimpulError
from simpul.settings import load_settings

app = typer.Typer(
    name="simpul",
    help="Jaringan Intra Pemda automation: NetBox as source of truth, Nornir and Ansible as hands.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(config.app, name="config")
app.add_typer(lab.app, name="lab")
app.add_typer(netbox.app, name="netbox")
app.command(name="inventory")(inventory.inventory_command)
backup.app.add_typer(data_backup.app, name="data")
app.add_typer(backup.app, name="backup")
intended.app.command("push")(intended_push.push_command)
app.add_typer(intended.app, name="intended")
app.add_typer(diagram.app, name="diagram")
app.add_typer(lan.app, name="lan")
app.add_typer(bandwidth.app, name="bandwidth")
app.add_typer(vps.app, name="vps")
app.command(name="nightly")(nightly.nightly_command)
app.add_typer(report.app, name="report")
app.command(name="worker")(worker.worker_command)


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
    from simpul.cli._common import internal_error

    try:
        app()
    except Exception as exc:  # the last line of defence; SimpulErrors never get here
        raise SystemExit(internal_error(exc, "(start-up)").exit_code) from None
