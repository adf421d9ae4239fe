"""Imports run one way: ``api`` may use ``registry_client``, never the reverse.

``jcm index`` and ``jcm api`` reach the API through the ``jcm.commands`` entry point that the
``api`` package registers (pyproject.toml), not through an import in ``registry_client``.
"""

from __future__ import annotations

import ast
from importlib.metadata import entry_points
from pathlib import Path

import registry_client

PACKAGE = Path(registry_client.__file__).resolve().parent


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an ``import``/``from ... import`` in ``path`` names, at any depth (lazy
    imports inside functions count)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_registry_client_never_imports_api() -> None:
    offending = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, module in _imported_modules(path)
        if module == "api" or module.startswith("api.")
    ]
    assert not offending, "registry_client imports api:\n" + "\n".join(offending)


def test_the_api_package_adds_its_commands_through_an_entry_point() -> None:
    commands = {entry.name: entry.value for entry in entry_points(group="jcm.commands")}
    assert commands.get("query") == "api.cli:register"


def test_jcm_has_the_query_commands() -> None:
    from typer.main import get_command

    from registry_client.cli.app import app

    names = set(get_command(app).commands)  # type: ignore[attr-defined]
    assert {"index", "api", "report"} <= names


TESTS = Path(__file__).resolve().parent


def test_no_test_patches_the_import_path() -> None:
    """Tests import their shared code from ``support`` (pytest's ``pythonpath``), never by editing
    ``sys.path`` or a child's ``PYTHONPATH``."""
    patterns = ("sys.path.insert", "sys.path.append", '"PYTHONPATH"')
    offending = [
        f"{path.relative_to(TESTS)}: {pattern}"
        for path in sorted(TESTS.rglob("*.py"))
        if path != Path(__file__).resolve()
        for pattern in patterns
        if pattern in path.read_text(encoding="utf-8")
    ]
    assert not offending, "\n".join(offending)


def test_the_world_builders_import_no_test_module() -> None:
    """``support`` is below the tests: it never imports a test module or a conftest."""
    offending = [
        f"{path.relative_to(TESTS)}:{line}: {module}"
        for path in sorted((TESTS / "support").rglob("*.py"))
        for line, module in _imported_modules(path)
        if module.split(".")[-1].startswith(("test_", "conftest"))
    ]
    assert not offending, "\n".join(offending)
