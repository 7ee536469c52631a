"""The layers contract (import-linter, run by scripts/test) fails on a real violation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("kiosk", "devices", "sync", "office", "hub", "screens", "motcua", "webui")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint_imports), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree, capture_output=True, text=True, check=False, env={"PYTHONPATH": str(tree)},
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and pyproject.toml, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "data"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_as_it_is_keeps_both_contracts(tree: Path) -> None:
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_the_core_importing_the_wire_inside_a_function_breaks_the_layers(tree: Path) -> None:
    module = tree / "kiosk" / "clock.py"
    module.write_text(module.read_text() + "\n\ndef _leak() -> None:\n    from sync import wire\n")
    result = _lint(tree)
    assert result.returncode == 1
    assert "Contracts: 1 kept, 1 broken." in result.stdout
    assert "kiosk.clock -> sync.wire" in result.stdout


def test_the_app_importing_a_driver_breaks_the_layers(tree: Path) -> None:
    module = tree / "screens" / "base.py"
    module.write_text(module.read_text() + "\nimport devices.fake_reader\n")
    result = _lint(tree)
    assert result.returncode == 1
    assert "screens.base -> devices.fake_reader" in result.stdout


def test_the_hub_importing_the_kiosks_agent_breaks_the_layers(tree: Path) -> None:
    module = tree / "hub" / "queue.py"
    module.write_text(module.read_text() + "\n\ndef _leak() -> None:\n    import sync.agent\n")
    result = _lint(tree)
    assert result.returncode == 1
    assert "hub.queue -> sync.agent" in result.stdout


def test_the_core_importing_kivy_breaks_the_forbidden_contract(tree: Path) -> None:
    module = tree / "kiosk" / "text.py"
    module.write_text(module.read_text() + "\n\ndef _draw() -> None:\n    import kivy\n")
    result = _lint(tree)
    assert result.returncode == 1
    assert "the core imports no UI, hardware, HTTP, web or database library BROKEN" in (
        result.stdout
    )
    assert "kiosk.text -> kivy" in result.stdout
