"""A real headless browser for the page tests: Debian's Chromium, driven by its own command-line flags (no driver,
no extra package). `.ci/run` installs it when missing and sets REQUIRE_CHROMIUM, so CI never skips these tests.

Each run gets a new empty profile, and the flags keep Chromium off the network (this machine's is closed: without
them it tries Google's hosts at every start) and out of the sandbox (CI runs as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
)
PNG = b"\x89PNG\r\n\x1a\n"


def chromium() -> str:
    """The browser's path; skips the test where there is none, unless REQUIRE_CHROMIUM says it must run."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("REQUIRE_CHROMIUM"):
            pytest.fail("REQUIRE_CHROMIUM is set but chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def browse(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """Chromium with a fresh profile, on `url`, with `extra` flags (`--dump-dom`, `--screenshot=…`)."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=90,
        )


def dom(url: str) -> tuple[str, str]:
    """The page's DOM after loading, as Chromium serialises it, and what Chromium logged (console messages)."""
    done = browse(url, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def screenshot(url: str, path: Path, width: int = 1200, height: int = 2400) -> bytes:
    """A PNG of the page's first `width`×`height` pixels, saved at `path`."""
    done = browse(url, f"--window-size={width},{height}", f"--screenshot={path}")
    assert done.returncode == 0 and path.exists(), done.stderr[-2000:]
    picture = path.read_bytes()
    assert picture.startswith(PNG)
    return picture


def png_size(picture: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    return int.from_bytes(picture[16:20], "big"), int.from_bytes(picture[20:24], "big")
