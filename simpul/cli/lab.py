"""``simpul lab``: the built-in lab (a real NetBox, simulated devices, Linux namespaces)."""

from __future__ import annotations

import os
from typing import Any

import typer
from rich.text import Text

from simpul.cli._common import console, emit_json, err_console, handles_errors, settings
from simpul.errors import LabError
from simpul.lab.netbox_lab import NetBoxLab
from simpul.lab.orchestrate import Lab

app = typer.Typer(help="The built-in lab: a real NetBox 4.7 and simulated devices.", no_args_is_help=True)
netbox_app = typer.Typer(help="The lab's NetBox (PostgreSQL 15, Redis, gunicorn).", no_args_is_help=True)
devices_app = typer.Typer(help="The simulated SSH devices, built from NetBox.", no_args_is_help=True)
drift_app = typer.Typer(
    help="Plant or clear drift on the simulated side (NetBox stays).", no_args_is_help=True
)
app.add_typer(netbox_app, name="netbox")
app.add_typer(devices_app, name="devices")
app.add_typer(drift_app, name="drift")


@app.callback()
def _needs_the_lab_extra() -> None:
    """Every lab command needs the optional extra: without it, exit 2 saying what to install."""
    from simpul.lab import require_extra

    try:
        require_extra()
    except LabError as err:
        # printed as plain text: rich markup would swallow the "[lab]" of "simpul[lab]"
        err_console.print(Text.assemble(("error", "bold red"), " ", err.render()), soft_wrap=True)
        raise typer.Exit(err.exit_code) from None


def _say(message: str) -> None:
    """Progress of long steps (first NetBox migration, venv), on stderr: --json output stays clean."""
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)


def _whole_lab() -> Lab:
    return Lab(settings(), progress=_say)


@app.command("up")
@handles_errors
def lab_up(
    scale: int = typer.Option(0, "--scale", help="also start N synthetic devices (benchmarks)"),
    netns: bool = typer.Option(None, "--netns/--no-netns", help="Linux namespaces (default: when root)"),
    no_drift: bool = typer.Option(False, "--no-drift", help="clear planted drift first"),
    libvirt: bool = typer.Option(
        None, "--libvirt/--no-libvirt", help="the lab's libvirtd for simpul vps (default: when root)"
    ),
    vps: bool = typer.Option(False, "--vps", help="also build the VPS image if missing (once, ~2 min)"),
    data_backup: bool = typer.Option(
        True, "--data-backup/--no-data-backup", help="the Pusat Data backup target and SKPD servers"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """NetBox seeded with the demo regency, its devices, (as root) the Linux SKPD edges and the
    lab's libvirtd, and the data-backup lab."""
    lab = _whole_lab()
    extra = None
    if scale:
        from simpul.lab.build import lab_secrets
        from simpul.lab.devices.synthetic import synthetic_lab

        extra = synthetic_lab(scale, lab_secrets(lab.paths.root)["password"], lab.device_base_port + 2000)
    want_libvirt = (os.geteuid() == 0) if libvirt is None else libvirt
    result = lab.up(
        netns=netns,
        extra_devices=extra,
        no_drift=no_drift,
        libvirt=want_libvirt or vps,
        vps_image=vps,
        data_backup=data_backup,
    )
    if as_json:
        emit_json(result)
        return
    console.print(
        f"NetBox {result['netbox']['version']} at {result['netbox']['url']}"
        + (" (demo regency seeded)" if result["netbox"]["seeded_now"] else "")
    )
    console.print(f"{result['devices']} simulated SSH devices on 127.0.0.1")
    if result["netns"] is not None:
        console.print(f"{len(result['netns'])} linux devices (SKPD edges, servers) in network namespaces")
    console.print(f"{result['simulated']} of the {result['netbox_devices']} NetBox devices are simulated")
    _print_skipped([(item["name"], item["reason"]) for item in result["skipped"]])
    if result["drift"]:
        console.print(f"drift planted: {', '.join(result['drift'])}")
    _print_pusat_data(result["libvirt"], result["data_backup"])
    console.print(f'ready in {result["seconds"]} s. Use it from a shell: eval "$(simpul lab env)"')


def _print_pusat_data(libvirt: dict[str, Any] | None, backups: dict[str, Any] | None) -> None:
    """The lab's libvirtd (simpul vps) and data-backup lab (simpul backup data), one line each."""
    if libvirt is not None:
        image = libvirt["image"] or "not built (simpul lab up --vps builds it, once, ~2 min)"
        state = f"{len(libvirt['domains'])} domains" if libvirt["running"] else "down"
        console.print(f"libvirt: {state}; VPS image: {image}", markup=False, highlight=False)
    if backups is not None:
        servers = ", ".join(backups.get("servers", []))
        state = (
            f"Pusat Data target on {backups.get('target')}, SKPD servers {servers}"
            if backups.get("running")
            else "down"
        )
        console.print(f"data backup: {state}", markup=False, highlight=False)


@app.command("down")
@handles_errors
def lab_down() -> None:
    """Stop everything the lab started, by pid."""
    stopped = _whole_lab().down()
    console.print(", ".join(f"{k}: {'stopped' if v else 'was not running'}" for k, v in stopped.items()))


@app.command("status")
@handles_errors
def lab_status(as_json: bool = typer.Option(False, "--json")) -> None:
    """NetBox, devices (start-up time, memory), namespaces and planted drift."""
    status = _whole_lab().status()
    if as_json:
        emit_json(status)
    else:
        nb = status["netbox"]
        console.print(
            f"netbox : {'running' if nb['running'] else 'down'} {nb.get('url')} {nb.get('version') or ''}"
        )
        dev = status["devices"]
        console.print(
            "devices: "
            + (
                "down"
                if not dev or not dev["running"]
                else f"{dev['count']} running, started in {dev['startup_seconds']} s, {dev['rss_mb']} MB"
            )
        )
        ns = status["netns"]
        console.print("netns  : " + ("down" if not ns else f"{len(ns['edges'])} edges, {ns['memory_mb']} MB"))
        _print_pusat_data(status["libvirt"], status["data_backup"] or {"running": False})
        console.print("drift  : " + (", ".join(status["drift"]) or "none"))
    running = status["netbox"]["running"]
    raise typer.Exit(0 if running else 1)


@devices_app.command("up")
@handles_errors
def devices_up(as_json: bool = typer.Option(False, "--json")) -> None:
    """Start one simulated device per NetBox device of a simulated platform."""
    from simpul.lab.devices import start_devices

    lab = _whole_lab()
    spec, skipped, _ = lab.device_spec()
    status = start_devices(lab._with_drift(spec), lab.paths.devices)
    lab.write_access_files(spec, lab._netns_status(), dict(skipped))
    if as_json:
        emit_json({"devices": status.count, "skipped": [{"name": n, "reason": r} for n, r in skipped]})
        return
    console.print(f"{status.count} devices up in {status.startup_seconds} s")
    _print_skipped(skipped)


@devices_app.command("down")
@handles_errors
def devices_down() -> None:
    """Stop the simulated devices."""
    from simpul.lab.devices import stop_devices

    stop_devices(_whole_lab().paths.devices)
    console.print("devices stopped")


@devices_app.command("status")
@handles_errors
def devices_status_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Running devices, their ports, start-up time and memory."""
    from simpul.lab.devices import devices_status

    status = devices_status(_whole_lab().paths.devices)
    if as_json:
        emit_json(status.model_dump())
    else:
        console.print(f"running: {status.running}, devices: {status.count}, rss: {status.rss_mb} MB")
        for dev in status.devices:
            console.print(f"  {dev.name:<28} {dev.platform:<18} {dev.host}:{dev.port}")
    raise typer.Exit(0 if status.running else 1)


SCENARIOS = typer.Option(..., "--scenario", help="scenario name (see: drift list); repeatable")


@drift_app.command("apply")
@handles_errors
def drift_apply(scenarios: list[str] = SCENARIOS) -> None:
    """Plant drift scenarios on the simulated devices (one restart of the devices for all)."""
    planted = _whole_lab().plant(*scenarios)
    console.print(f"planted: {', '.join(planted)}")


@drift_app.command("clear")
@handles_errors
def drift_clear(
    scenario: str = typer.Option(None, "--scenario", help="only this one (default: all)"),
) -> None:
    """Remove planted drift: the devices answer as NetBox says again."""
    left = _whole_lab().clear(scenario)
    console.print(f"planted: {', '.join(left) or 'none'}")


@drift_app.command("list")
@handles_errors
def drift_list() -> None:
    """The scenarios the lab can plant."""
    from simpul.lab.drift import list_scenarios, load_scenario

    for name in list_scenarios():
        console.print(f"{name:<22} {load_scenario(name).description}")


def _lab() -> NetBoxLab:
    return NetBoxLab(settings(), progress=_say)


@netbox_app.command("up")
@handles_errors
def netbox_up(as_json: bool = typer.Option(False, "--json")) -> None:
    """Boot the lab NetBox (first time on a machine: venv + migration, ~8 minutes)."""
    lab = _lab()
    before = lab.state()
    state = lab.up()
    if as_json:
        emit_json(
            {
                "url": state.url,
                "version": state.version,
                "pids": state.pids,
                "boot_seconds": state.boot_seconds,
                "already_running": before is not None and before.pids == state.pids,
            }
        )
        return
    if before is not None and before.pids == state.pids:
        console.print(f"NetBox {state.version} already running at {state.url}")
    else:
        console.print(f"NetBox {state.version} up at {state.url} in {state.boot_seconds} s")
    console.print('Use it from a shell: eval "$(simpul lab env)"')


@netbox_app.command("down")
@handles_errors
def netbox_down() -> None:
    """Stop exactly the processes the lab NetBox started."""
    console.print("stopped" if _lab().down() else "the lab NetBox was not running")


@netbox_app.command("status")
@handles_errors
def netbox_status(as_json: bool = typer.Option(False, "--json")) -> None:
    """Is it running, which version, which pids, does it answer."""
    status = _lab().status()
    if as_json:
        emit_json(status)
    else:
        for key, value in status.items():
            console.print(f"{key:>13}: {value}")
    raise typer.Exit(0 if status["running"] else 1)


@netbox_app.command("reset")
@handles_errors
def netbox_reset(point: str = typer.Argument(None, help="reset point: seeded (default) or base")) -> None:
    """Restore the seeded state (or another reset point) in about a second."""
    name = _lab().reset(point)
    console.print(f"restored reset point {name!r}")


@netbox_app.command("snapshot")
@handles_errors
def netbox_snapshot(name: str = typer.Argument("seeded")) -> None:
    """Save the current NetBox database as a reset point."""
    _lab().snapshot(name)
    console.print(f"saved reset point {name!r}")


@app.command("env")
@handles_errors
def lab_env() -> None:
    """Print the export lines that point simpul and Ansible at the lab (eval "$(simpul lab env)")."""
    for line in _whole_lab().env_lines():
        typer.echo(line)


def _print_skipped(skipped: list[tuple[str, str]]) -> None:
    """One line per reason: these devices are not simulated, and the lab refuses to reach them."""
    by_reason: dict[str, list[str]] = {}
    for name, reason in skipped:
        by_reason.setdefault(reason, []).append(name)
    for reason, names in by_reason.items():
        console.print(f"  skipped {len(names)} ({reason}): {', '.join(names)}", highlight=False, markup=False)
