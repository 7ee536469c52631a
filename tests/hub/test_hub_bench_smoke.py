"""bench/hub_call_bench.py still runs (a few calls; the numbers are not judged here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "hub_call_bench.py"


@pytest.mark.slow
def test_the_call_latency_benchmark_runs_and_prints_both_displays() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--calls", "24", "--counters", "4", "--displays", "2",
         "--pace", "0.1"],
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("live stream (SSE)                48 receipts")
    assert lines[0].endswith("never shown 0")
    assert lines[1].startswith("1-second polling (baseline)")
    assert set(json.loads(lines[-1])) == {"sse", "polling"}
