"""The shell scripts (set-up, run, test, Pi install, CI) pass shellcheck."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_shell_script_passes_shellcheck() -> None:
    scripts = sorted(str(path) for path in (ROOT / "scripts").iterdir() if path.is_file())
    scripts.append(str(ROOT / ".ci" / "run"))
    # The appliance test and the files it sources (run by hand, as root).
    scripts += sorted(str(path) for path in (ROOT / "tests" / "appliance").iterdir())
    assert {Path(script).name for script in scripts} >= {"setup", "run", "test", "install-pi"}
    result = subprocess.run(
        ["shellcheck", "--severity=style", *scripts],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, "")
