"""docs/errors.md is what scripts/error_reference.py writes from the ABIs and the SDK's errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_error_reference_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/error_reference.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_reference_names_every_custom_error_with_its_exception() -> None:
    from registry_client.errors import selector_table

    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for spec in selector_table().values():
        assert f"`{spec.signature}` | `0x{spec.selector.hex()}`" in text, spec.signature
    assert "(no message: generic)" not in text, "an error of the ABIs has no message in errors.py"
