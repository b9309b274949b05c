"""Filters of the simpul_backup_agent role: the script, credential files and schedule come from
simpul's library (``simpul.services.data_backup.agent_install``), the same the lab and the tests use."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def simpul_agent_install(spec: dict[str, Any]) -> dict[str, Any]:
    """{script, files (path -> content, secrets), schedule, cron, packages} for one SKPD server."""
    from simpul.core.data_backup import MysqlAccess, PostgresAccess, ServerAccess
    from simpul.services.data_backup import SkpdCredentials, agent_install

    root = str(spec.get("root") or "/").rstrip("/")
    access = ServerAccess(
        root=root or None,
        postgres=PostgresAccess.model_validate(spec.get("postgres") or {}),
        mysql=MysqlAccess.model_validate(spec.get("mysql") or {}),
    )
    secrets = {
        key: str(spec[key])
        for key in ("postgres_password", "mysql_user", "mysql_password", "mysql_socket")
        if spec.get(key)
    }
    install = agent_install(
        Path(spec["policies_dir"]),
        skpd=spec["skpd"],
        server=spec["server"],
        policy=spec["policy"],
        target_url=spec["target_url"],
        creds=SkpdCredentials(spec["skpd"], spec["http_password"], spec["repo_password"]),
        access=access,
        **secrets,
    )
    return install.as_dict()


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"simpul_agent_install": simpul_agent_install}
