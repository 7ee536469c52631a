"""Peak memory of one release download, on the city server and on the kiosk, ours beside
the code before streamed releases (the baseline).

A full bundle is 117-135 MB and many kiosks update at once: a server worker that holds a
whole artifact per download runs out of memory. This bench publishes one artifact of
``--megabytes`` (100 by default) on a SQLite backend, starts the real app under uvicorn in
a process of its own, downloads the artifact once with the kiosk's own code
(``BackendReleaseSource.download``, in a second process) and prints, for each process, how
much its peak resident memory (``VmHWM`` in /proc) rose above what it had before the
download. Both processes are run once with this tree and once with the baseline tree (a
``git archive`` of ``--baseline-ref``, by default the commit before streamed releases).

    .venv/bin/python bench/release_download_bench.py [--megabytes 100] [--baseline-ref REF]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TREE = Path(__file__).resolve().parents[1]
MIB = 1 << 20

_SERVER = """
import sys, uvicorn
from office.app import create_app
from office.database import open_engine
from office.keys import SealingKeys
from office.store import Store
app = create_app(Store(open_engine(sys.argv[1]), SealingKeys.generate()),
                 rate_limit="10000/second")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            access_log=False)
"""

_KIOSK = """
import inspect, json, sys
from pathlib import Path
from sync.client import BackendClient
from sync.release_source import BackendReleaseSource

def peak():
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmHWM"].split()[0]) * 1024, int(fields["VmRSS"].split()[0]) * 1024

client = BackendClient(sys.argv[1], sys.argv[2], connect_timeout=5, read_timeout=60)
offer = client.release_offer("pilot")  # warm: imports, the connection
sha256 = json.loads(offer.manifest)["artifact"]["sha256"]
source = BackendReleaseSource(client)
# The baseline tree's download takes no SHA-256 (it did not check the ETag against it).
takes_sha256 = "sha256" in inspect.signature(source.download).parameters
before_peak, before = peak()
if takes_sha256:
    source.download("pilot", Path(sys.argv[3]), sha256)
else:
    source.download("pilot", Path(sys.argv[3]))
after_peak, _ = peak()
print(json.dumps({"rise": after_peak - max(before, before_peak)}))
"""


def _status(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of ``pid`` in bytes."""
    fields = dict(line.split(":", 1)
                  for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return (int(fields["VmHWM"].split()[0]) * 1024, int(fields["VmRSS"].split()[0]) * 1024)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _baseline_tree(ref: str | None, into: Path) -> tuple[str, Path]:
    """Unpack ``ref`` (default: the parent of the commit that added streamed releases)."""
    if ref is None:
        added = subprocess.run(
            ["git", "-C", str(TREE), "log", "--diff-filter=A", "--format=%H", "--",
             "office/byte_ranges.py"], capture_output=True, text=True, check=True,
        ).stdout.split()
        ref = f"{added[-1]}^"
    archive = into / "baseline.tar"
    subprocess.run(["git", "-C", str(TREE), "archive", "-o", str(archive), ref], check=True)
    tree = into / "baseline"
    tree.mkdir()
    subprocess.run(["tar", "-xf", str(archive), "-C", str(tree)], check=True)
    return ref, tree


def _publish(tree: Path, url: str, megabytes: int, work: Path) -> str:
    """Publish the artifact with ``tree``'s own code; the kiosk's token."""
    script = """
import hashlib, json, sys
from pathlib import Path
from kiosk.release_signature import generate_key_pair, sign
from office.database import open_engine
from office.keys import SealingKeys
from office.store import Role, Store
from office.store.releases import Releases
store = Store(open_engine(sys.argv[1]), SealingKeys.generate())
artifact = Path(sys.argv[2])
digest = hashlib.sha256()
with artifact.open("rb") as stream:
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
raw = json.dumps({"format": "motcua-release/1", "version": "2.5.0", "channel": "pilot",
    "artifact": {"name": "motcua_kiosk-2.5.0.release.tar", "sha256": digest.hexdigest(),
                 "size": artifact.stat().st_size},
    "schema": {"min": 0, "max": 19}, "created_at": "2026-12-07T09:00:00+07:00"}).encode()
key = generate_key_pair()
Releases(store.engine).publish("pilot", raw, signature=sign(raw, key.private),
    artifact=artifact.read_bytes(), trusted_keys=[key.public], publisher="bench")
print(store.add_credential("K-1", Role.KIOSK))
"""
    artifact = work / "artifact.bin"
    if not artifact.exists():
        block = hashlib.sha256(b"bench").digest() * (MIB // 32)
        with artifact.open("wb") as out:
            for index in range(megabytes):
                out.write(block[:-4] + index.to_bytes(4, "big"))
    done = subprocess.run([sys.executable, "-c", script, url, str(artifact)],
                          env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def measure(tree: Path, megabytes: int, work: Path, label: str) -> dict[str, float]:
    """Server and kiosk peak-memory rise (MiB) for one download with ``tree``'s code."""
    url = str(work / f"{label}.sqlite3")
    token = _publish(tree, url, megabytes, work)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(tree)}
    # cwd too: ``python -c`` puts the working directory first on sys.path.
    server = subprocess.Popen([sys.executable, "-c", _SERVER, url, str(port)], env=env,
                              cwd=tree)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"{label}: the server did not start") from None
                time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        # Warm the server (imports, the first query) before its resting size is taken.
        subprocess.run([sys.executable, "-c",
                        "import sys, requests; requests.get(sys.argv[1], headers="
                        "{'Authorization': 'Bearer ' + sys.argv[2]}, timeout=30)",
                        f"{base}/v1/kiosk/releases/pilot", token], env=env, cwd=tree, check=True)
        peak_before, resting = _status(server.pid)
        target = work / f"{label}.download"
        kiosk = subprocess.run([sys.executable, "-c", _KIOSK, base, token, str(target)],
                               env=env, cwd=tree, capture_output=True, text=True, check=True)
        peak_after, _ = _status(server.pid)
        size = target.stat().st_size
        target.unlink()
    finally:
        server.terminate()
        server.wait(30)
    if size != megabytes * MIB:
        raise SystemExit(f"{label}: downloaded {size} bytes, not {megabytes * MIB}")
    return {"server_mib": (peak_after - max(resting, peak_before)) / MIB,
            "kiosk_mib": json.loads(kiosk.stdout.splitlines()[-1])["rise"] / MIB}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100, help="artifact size in MiB")
    parser.add_argument("--baseline-ref", default=None, help="git ref of the baseline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        ref, baseline_tree = _baseline_tree(args.baseline_ref, work)
        ours = measure(TREE, args.megabytes, work, "ours")
        baseline = measure(baseline_tree, args.megabytes, work, "baseline")
    print(f"one download of {args.megabytes} MiB, SQLite backend, uvicorn on loopback; "
          f"peak RSS rise per process (baseline: {ref})")
    print(f"{'':8}{'ours':>12}{'baseline':>12}")
    for key, name in (("server_mib", "server"), ("kiosk_mib", "kiosk")):
        print(f"{name:8}{ours[key]:>10.1f}MB{baseline[key]:>10.1f}MB")
    print(json.dumps({"ours": ours, "baseline": baseline, "baseline_ref": ref}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
