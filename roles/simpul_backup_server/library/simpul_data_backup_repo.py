"""Ansible module: one SKPD's place on the Pusat Data backup server, through simpul's library.

The Dinas key (generated on the Pusat Data, 0600, never leaves it), the repository (initialised with
that key), the SKPD's repository key and its HTTP user: ``simpul.services.data_backup.ensure_repository``.
Idempotent; check mode reports what would change and changes nothing.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: simpul_data_backup_repo
short_description: One SKPD's private, append-only restic repository on the Pusat Data
options:
  skpd: {description: SKPD slug, type: str, required: true}
  http_password: {description: the SKPD's HTTP password (Vault), type: str, required: true, no_log: true}
  repo_password:
    {description: the SKPD's repository key password (Vault), type: str, required: true, no_log: true}
  target: {description: the Pusat Data target (simpul's target.yaml fields), type: dict, required: true}
"""


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "skpd": {"type": "str", "required": True},
            "http_password": {"type": "str", "required": True, "no_log": True},
            "repo_password": {"type": "str", "required": True, "no_log": True},
            "target": {"type": "dict", "required": True},
        },
        supports_check_mode=True,
    )
    from simpul.errors import SimpulError
    from simpul.services.data_backup import PusatDataTarget, SkpdCredentials, ensure_repository

    params = module.params
    creds = SkpdCredentials(params["skpd"], params["http_password"], params["repo_password"])
    try:
        target = PusatDataTarget.model_validate(params["target"])
        change = ensure_repository(target, creds, check_mode=module.check_mode)
    except SimpulError as err:
        module.fail_json(msg=err.render())
    except ValueError as err:
        module.fail_json(msg=f"bad target: {err}")
    actions = list(change.actions)
    module.exit_json(
        changed=change.changed,
        actions=actions,
        diff={"before": "", "after": "".join(f"{creds.skpd}: {a}\n" for a in actions)},
    )


if __name__ == "__main__":
    main()
