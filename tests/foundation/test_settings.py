"""Settings resolve default -> env -> file, report their origin, and never show a secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simpul.errors import SettingsError
from simpul.settings import load_settings


def test_file_beats_env_beats_default(tmp_path: Path) -> None:
    f = tmp_path / "settings.toml"
    f.write_text('netbox_url = "http://from-file:8000"\nworkers = 7\n')
    s = load_settings(
        env={"NETBOX_URL": "http://from-env", "SIMPUL_WORKERS": "3", "SIMPUL_LANG": "en"}, settings_file=f
    )
    assert s.netbox_url == "http://from-file:8000"
    assert s.origin("netbox_url") == f"file {f}"
    assert s.workers == 7
    assert s.lang == "en" and s.origin("lang") == "env SIMPUL_LANG"
    assert s.device_timeout == 20.0 and s.origin("device_timeout") == "default"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("workers = 'many'\n", "workers"),
        ("netbox_urll = 'x'\n", "netbox_urll"),
        ("netbox_url = \n", "not valid TOML"),
        ("lang = 'fr'\n", "lang"),
    ],
)
def test_bad_settings_file_names_the_problem(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "settings.toml"
    f.write_text(text)
    with pytest.raises(SettingsError) as info:
        load_settings(env={}, settings_file=f)
    assert needle in info.value.render()


def test_config_show_masks_secrets_and_says_where_from(tmp_path: Path, simpul_cli) -> None:
    f = tmp_path / "settings.toml"
    f.write_text('device_password = "pa55-from-file"\n')
    env = {
        "SIMPUL_SETTINGS": str(f),
        "NETBOX_URL": "http://nb.lab:8000",
        "NETBOX_TOKEN": "nbt_abc.def123",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    out = simpul_cli("config", "show", "--json", env=env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["netbox_url"] == {"value": "http://nb.lab:8000", "origin": "env NETBOX_URL"}
    assert data["netbox_token"]["value"] == "********"
    assert data["device_password"] == {"value": "********", "origin": f"file {f}"}
    human = simpul_cli("config", "show", env=env)
    assert "pa55-from-file" not in human.stdout + human.stderr
    assert "nbt_abc.def123" not in human.stdout + human.stderr


def test_bad_settings_file_exits_2_without_traceback(tmp_path: Path, simpul_cli) -> None:
    f = tmp_path / "settings.toml"
    f.write_text("workers = 'many'\n")
    out = simpul_cli(
        "config", "show", env={"SIMPUL_SETTINGS": str(f), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert str(f) in out.stderr and "workers" in out.stderr
