"""One settings object for every ``JCM_*`` variable (registry_client.settings), and its reference.

- docs/settings.md is what scripts/settings_reference.py writes from the model;
- every ``JCM_*`` name any file of the repository uses is a field of :class:`Settings` (the
  contracts' role names ``JCM_REGISTRAR_<side>`` and ``JCM_AUTHORITY_<side>`` are hashed strings,
  not variables);
- the model reads the environment as documented: prefix, empty means unset, arguments win, a value
  it refuses is one error naming the variable.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from registry_client.settings import (
    ENV_PREFIX,
    ConfigurationError,
    Settings,
    env_var,
    load_settings,
)
from support.generated import assert_up_to_date

ROOT = Path(__file__).resolve().parents[1]
ROLE_NAMES = ("JCM_REGISTRAR_", "JCM_AUTHORITY_")
"""Prefixes of the contracts' role names (``keccak256("JCM_REGISTRAR_" + side)``)."""
SCANNED = (".py", ".md", ".yaml", ".yml", ".toml", ".sh", ".cjs", ".js", ".cfg", ".html", ".txt")
VARIABLE = re.compile(r"\bJCM_[A-Z0-9_]+")


def _repository_files() -> list[Path]:
    """The checkout's files (tracked, and new ones not ignored), else every file under it."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        skipped = {".venv", "node_modules", ".git", ".build", ".tools"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skipped & set(p.parts)]
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def _variables_used() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for path in _repository_files():
        if path.suffix and path.suffix not in SCANNED:  # scripts without a suffix count
            continue
        for name in VARIABLE.findall(path.read_text(encoding="utf-8", errors="replace")):
            if not name.startswith(ROLE_NAMES):
                used.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return used


def test_the_committed_settings_reference_is_up_to_date() -> None:
    assert_up_to_date("scripts/settings_reference.py")


def test_every_field_is_documented_with_its_variable() -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"settings field {name} has no description"
        assert f"| `{env_var(name)}` |" in text, name


def test_every_jcm_variable_used_in_the_repository_is_a_setting() -> None:
    used = _variables_used()
    assert "JCM_RPC_URL" in used  # the scan sees the repository
    fields = {env_var(name) for name in Settings.model_fields}
    unknown = {name: sorted(where) for name, where in used.items() if name not in fields}
    assert not unknown, f"JCM_* names that are not fields of registry_client.settings: {unknown}"


def test_variables_are_read_with_the_prefix_and_arguments_win(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JCM_DATABASE_URL", "postgresql://h/db")
    monkeypatch.setenv("JCM_CONFIRMATIONS", "12")
    monkeypatch.setenv("JCM_DEVNET_DIR", str(tmp_path / "net"))
    monkeypatch.setenv("JCM_RPC_URL", "http://a:1,http://b:2")
    settings = load_settings(rpc_url="http://given:3", deployment=None)
    assert settings.database_url == "postgresql://h/db"
    assert settings.confirmations == 12
    assert settings.rpc_url == "http://given:3"  # the option, not the variable
    assert settings.deployment_path == tmp_path / "net" / "deployment.json"  # None: not given
    assert load_settings(deployment=tmp_path / "d.json").deployment_path == tmp_path / "d.json"


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.setenv(env_var(name), "")
    assert load_settings() == Settings.model_construct()  # every default, nothing refused
    assert load_settings().debug is False


def test_a_refused_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JCM_PORT", "eighty")
    monkeypatch.setenv("JCM_FUZZ_PROFILE", "medium")
    with pytest.raises(ConfigurationError, match=r"JCM_PORT: .*JCM_FUZZ_PROFILE: "):
        load_settings()
    monkeypatch.delenv("JCM_PORT")
    monkeypatch.delenv("JCM_FUZZ_PROFILE")
    with pytest.raises(ConfigurationError, match=r"JCM_GAS_PRICE: .*greater than or equal to 0"):
        load_settings(gas_price=-1)


def test_env_var_knows_only_fields() -> None:
    assert env_var("keystore_dir") == ENV_PREFIX + "KEYSTORE_DIR"
    with pytest.raises(KeyError, match="no field 'keystore_folder'"):
        env_var("keystore_folder")


def test_the_fuzz_profile_sets_runs_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    short, long = Settings(fuzz_profile="short"), Settings(fuzz_profile="long")
    assert short.fuzz_runs != long.fuzz_runs
    monkeypatch.setenv("JCM_FUZZ_STEPS", "7")
    assert load_settings(fuzz_profile="long").fuzz_runs == (long.fuzz_runs[0], 7)


def test_api_workers_default_to_one_per_core_and_refuse_nonsense(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert load_settings().api_worker_count == 6
    monkeypatch.setenv("JCM_API_WORKERS", "3")
    monkeypatch.setenv("JCM_API_POOL_SIZE", "4")
    settings = load_settings()
    assert (settings.api_worker_count, settings.api_pool_size) == (3, 4)
    monkeypatch.setenv("JCM_API_WORKERS", "0")
    with pytest.raises(ConfigurationError, match=r"JCM_API_WORKERS: .*greater than or equal to 1"):
        load_settings()
    monkeypatch.delenv("JCM_API_WORKERS")
    monkeypatch.setenv("JCM_API_POOL_SIZE", "0")
    with pytest.raises(ConfigurationError, match=r"JCM_API_POOL_SIZE: "):
        load_settings()
