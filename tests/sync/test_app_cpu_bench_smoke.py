"""bench/app_cpu_bench.py still runs (a few requests over its own PostgreSQL; the numbers
are not judged here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_app_cpu_benchmark_runs_and_prints_ingest_and_poll() -> None:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "app_cpu_bench.py"), "--requests", "64",
         "--kiosks", "4", "--repeats", "1"],
        capture_output=True, text=True, timeout=180, check=False, env=environment,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ingest: ") and lines[0].endswith("(1 runs of 64, 4 kiosks at once)")
    assert lines[1].startswith("poll: ")
    figures = json.loads(lines[-1])
    assert set(figures) == {"ingest", "poll"}
    assert all(value > 0 for value in figures.values())
