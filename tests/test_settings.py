"""Settings: every one documented in the README, read from KG_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import PROJECT_ROOT, SETTINGS, Settings, fields
from server.errors import BadInput


def test_every_setting_has_help() -> None:
    assert sorted(name for name, _ in SETTINGS) == sorted(f.name for f in fields(Settings))


@pytest.mark.parametrize("name", [name for name, _ in SETTINGS])
def test_readme_documents_setting(name: str) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`KG_{name.upper()}`" in readme


def test_environment_variables_are_read() -> None:
    settings = Settings.from_env({"KG_PORT": "8080", "KG_REASONING": "no", "KG_DATA_FILES": "a.ttl:b.nt"})
    assert settings.port == 8080
    assert settings.reasoning is False
    assert settings.data_files == (Path("a.ttl"), Path("b.nt"))


def test_a_bad_number_in_the_environment_is_bad_input() -> None:
    with pytest.raises(BadInput, match="KG_PORT='eighty'"):
        Settings.from_env({"KG_PORT": "eighty"})


def test_explicit_values_beat_the_environment() -> None:
    settings = Settings.from_env({"KG_PORT": "8080"}).with_overrides(port=9000)
    assert settings.port == 9000
