"""The ``kiosk`` command as a process: its version, and a reader that goes away."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from setuptools.config.expand import read_attr

import kiosk
from motcua.cli import EXIT_PIPE_CLOSED, main

ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path) -> dict[str, str]:
    # PYTHONPATH: this source tree, not whichever checkout is installed in the venv.
    return {"KIOSK_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize("argv", [["--demo", "directory", "list"], ["--help"], ["--version"]])
def test_output_to_a_pipe_whose_reader_went_away_ends_quietly(
    tmp_path: Path, argv: list[str]
) -> None:
    # GIVEN stdout is a pipe nobody reads any more (`kiosk ... | head -1` after head exited)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        # WHEN the command writes its output
        result = subprocess.run(
            [sys.executable, "-m", "motcua", *argv], stdout=write_end,
            stderr=subprocess.PIPE, text=True, check=False, env=_env(tmp_path),
        )
    finally:
        os.close(write_end)
    # THEN it exits as a tool killed by SIGPIPE would, without a traceback
    assert (result.returncode, result.stderr) == (EXIT_PIPE_CLOSED, "")


def test_the_version_is_the_one_the_package_is_built_with(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `kiosk --version` says the code's version ...
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"kiosk (motcua-kiosk) {kiosk.__version__}\n"
    # ... and pyproject.toml has no second number: setuptools reads the same one
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    source = pyproject["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert read_attr(source, root_dir=ROOT) == kiosk.__version__
