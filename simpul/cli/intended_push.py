"""``simpul intended push``: the remediation per device (dry run), or the closed-loop push with ``--commit``.

The lead mounts :func:`push_command` as ``simpul intended push``; the use case is
:func:`simpul.services.intended_push.push`.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from simpul.cli._common import (
    DEVICE_OPT,
    PLATFORM_OPT,
    ROLE_OPT,
    SITE_OPT,
    SKPD_OPT,
    TAG_OPT,
    console,
    emit_json,
    handles_errors,
    quiet_nornir,
    settings,
)
from simpul.services.intended_push import PushRequest, PushResult, push

FEATURE = typer.Option(None, "--feature", help="only this compliance feature (e.g. ntp)")
COMMIT = typer.Option(False, "--commit", help="push (default: dry run, print the remediation)")
CONFIRM = typer.Option(None, "--commit-confirm", help="napalm commit-confirm with this revert timer (s)")
TEMPLATES = typer.Option(None, "--templates", help="template directory (default: the shipped tree)")
JSON = typer.Option(False, "--json", help="print JSON")
QUEUE = typer.Option(
    None, "--queue", help="push from `simpul worker`s via this RQ Redis URL (docs/scale-out.md)"
)
STYLE = {"applied": "green", "unchanged": "", "rolled_back": "yellow", "failed": "red"}


@handles_errors
def push_command(
    skpd: list[str] = SKPD_OPT,
    site: list[str] = SITE_OPT,
    role: list[str] = ROLE_OPT,
    platform: list[str] = PLATFORM_OPT,
    tag: list[str] = TAG_OPT,
    device: list[str] = DEVICE_OPT,
    feature: str | None = FEATURE,
    commit: bool = COMMIT,
    commit_confirm: int | None = CONFIRM,
    templates: Path | None = TEMPLATES,
    queue: str | None = QUEUE,
    as_json: bool = JSON,
) -> None:
    """Bring devices to their intended config: backup, push, re-read, re-check, roll back on failure.

    Without --commit nothing is sent: the remediation of each device is printed.

    Exit 1: a device failed, was rolled back, or is still not compliant after the push; 2: bad input.
    """
    from simpul.inventory import Filters

    filters = Filters.of(skpd=skpd, site=site, role=role, platform=platform, tag=tag, device=device)
    quiet_nornir()
    request = PushRequest(
        filters=filters, feature=feature, commit=commit, commit_confirm=commit_confirm, templates=templates
    )
    from simpul.scale.remote import device_work

    config = settings()
    with device_work(config, queue):  # plans made here; each device's push and re-check on a worker
        result = push(config, request)
    if as_json:
        emit_json(result.as_json())
    else:
        _render(result)
    raise typer.Exit(result.exit_code)


def _render(result: PushResult) -> None:
    if not result.committed:
        for name, d in result.devices.items():
            if d.commands:
                console.print(f"[bold]{name}[/] ({d.platform}): {len(d.commands)} line(s)")
                console.print("\n".join("  " + c for c in d.commands), markup=False, highlight=False)
    title = "intended push" + ("" if result.committed else " (dry run: nothing was sent)")
    table = Table("device", "result", "changed", "compliant after", "reason", title=title)
    for name, d in result.devices.items():
        style = STYLE.get(d.result, "")
        result_text = f"[{style}]{d.result}[/]" if style else d.result
        table.add_row(name, result_text, "yes" if d.changed else "no", "yes" if d.compliant_after else "no",
                      d.reason or "")  # fmt: skip
    console.print(table)
