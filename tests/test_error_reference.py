"""docs/errors.md is what scripts/error_reference.py writes from the ABIs and the SDK's errors."""

from __future__ import annotations

from pathlib import Path

from support.generated import assert_up_to_date

ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_error_reference_is_up_to_date() -> None:
    assert_up_to_date("scripts/error_reference.py")


def test_the_reference_names_every_custom_error_with_its_exception() -> None:
    from registry_client.errors import selector_table

    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for spec in selector_table().values():
        assert f"`{spec.signature}` | `0x{spec.selector.hex()}`" in text, spec.signature
    assert "(no message: generic)" not in text, "an error of the ABIs has no message in errors.py"
