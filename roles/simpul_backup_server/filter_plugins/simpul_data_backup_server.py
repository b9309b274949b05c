"""Filters of the simpul_backup_server role: command lines come from simpul's library, not YAML."""

from __future__ import annotations

import shlex
from typing import Any


def simpul_rclone_serve_command(target: dict[str, Any]) -> str:
    """The REST server's ExecStart (``rclone serve restic --append-only --private-repos ...``)."""
    from simpul.services.data_backup import PusatDataTarget, serve_command

    return shlex.join(serve_command(PusatDataTarget.model_validate(target)))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"simpul_rclone_serve_command": simpul_rclone_serve_command}
