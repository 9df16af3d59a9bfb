"""The wheel people install holds every module and data file of the app.

pytest imports `bot` from the checkout, so a module left out of the wheel passes every other test
(that is how `bot.digest` went missing). This builds the real wheel and compares its file list
with the source tree; `.ci/run` then runs the installed console script from outside the checkout.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("bot", "handlers")
NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc")
pytestmark = pytest.mark.xdist_group("wheel")  # one worker builds the module's wheel, not each


def source_files() -> set[str]:
    found = set()
    for top in SHIPPED:
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(path.relative_to(ROOT).as_posix())
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources, so the build leaves nothing in the checkout."""
    tree = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    for top in SHIPPED:
        shutil.copytree(ROOT / top, tree / top, ignore=NOT_SHIPPED)
    dist = tree / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(tree)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (found,) = dist.glob("*.whl")
    return found


def test_the_wheel_holds_every_file_of_every_package(wheel: Path) -> None:
    inside = {name for name in zipfile.ZipFile(wheel).namelist() if name.split("/")[0] in SHIPPED}
    assert source_files() - inside == set(), "left out of the wheel"
    assert inside - source_files() == set(), "in the wheel but not in the sources"


def test_every_package_directory_is_a_package() -> None:
    """Discovery finds packages by their `__init__.py`: a folder of modules without one would be left out."""
    for top in SHIPPED:
        for folder in [ROOT / top, *(p for p in (ROOT / top).rglob("*") if p.is_dir() and p.name != "__pycache__")]:
            if any(folder.glob("*.py")):
                assert (folder / "__init__.py").exists(), f"{folder.relative_to(ROOT)} has modules but no __init__.py"


def test_the_version_is_written_once(wheel: Path) -> None:
    from bot import __version__

    assert f"-{__version__}-" in wheel.name
    assert not re.search(r'(?m)^version\s*=\s*"', (ROOT / "pyproject.toml").read_text()), "pyproject.toml names a version"


def test_the_readme_starts_with_the_two_commands_ci_runs_and_says_how_to_get_a_clone() -> None:
    """Trial: the first command was `python -m pip install .`, which works only inside a clone nobody said to make.
    The commands stay exactly what `.ci/run` runs (a placeholder URL in them would work for nobody); the line
    after them says how to get the clone."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block, after = readme.split("```sh\n", 1)[1].split("```", 1)
    commands = [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["python -m pip install . && toggl-bot serve", 'python -m pip install ".[test]" && python -m pytest']
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "git clone" in after.split("\n\n", 2)[1]


def test_every_command_of_the_cli_is_in_the_readme() -> None:
    """`toggl-bot doctor` was missing from the README's command table."""
    import argparse

    from bot.__main__ import _parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (commands,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert [name for name in commands.choices if f"`toggl-bot {name}" not in readme] == []
    assert "\n| `toggl-bot doctor` |" in readme  # a row of the command table
