"""The ``jcm`` command line of the JCM registry (console script ``jcm = registry_client.cli:main``).

Rich tables for people, ``--json`` for scripts; every error is one ``error: ...`` line on standard
error and a non-zero exit (see :mod:`registry_client.cli.errors`). Run ``jcm --help``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jcm`` console script; returns (and, run as a script, exits with) the
    exit code."""
    from registry_client.cli.app import main as run

    code = run(argv)
    if argv is None:
        sys.exit(code)
    return code


__all__ = ["main"]
