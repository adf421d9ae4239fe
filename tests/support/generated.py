"""The documents in docs/ that scripts/ generate: committed, so each test checks it is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def assert_up_to_date(script: str) -> None:
    """Run the generator ``script`` (e.g. ``scripts/error_reference.py``) with ``--check``: it
    fails, naming the command that rewrites the file, when the committed document has drifted."""
    result = subprocess.run(
        [sys.executable, script, "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
