"""Debian packages the explorer's tests need, installed with apt-get when missing (as root, as CI
does; ``make test`` installs them first through ``make test-debs``). A test fails, never skips,
when one cannot be installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def ensure(package: str, path: Path) -> None:
    """Install Debian's ``package`` if ``path`` (a file it provides) is missing."""
    if path.exists():
        return
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.fail(f"{path} is missing and there is no apt-get to install {package}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update", "-q"], [apt, "install", "-y", "-q", package]):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed: {result.stderr[-2000:]}")
    if not path.exists():
        pytest.fail(f"apt-get installed {package} but {path} does not exist")


def ensure_chromium() -> None:
    """Debian's chromium at /usr/bin/chromium, and the Noto CJK fonts its Japanese pages need."""
    ensure_cjk_fonts()
    ensure("chromium", CHROMIUM)


def ensure_cjk_fonts() -> None:
    """Noto Sans CJK (fonts-noto-cjk), the Japanese glyphs of the PDFs and the browser."""
    ensure("fonts-noto-cjk", Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"))


def ensure_poppler() -> None:
    """pdftotext, pdftoppm and pdffonts (poppler-utils)."""
    ensure("poppler-utils", Path("/usr/bin/pdftoppm"))
