"""The back office's pages with a unit picker: their size and render time with Hà Nội's 126
units and with the national list (3,321 communes, ``kiosk backend load-units``).

Each page is asked for by a signed-in city administrator through the app in this process
(Starlette's test client, SQLite in a temporary folder, a few submissions), ``--repeats``
times; the median and the worst time are printed beside the page's size. Run it with
``PYTHONPATH`` at this tree and at main's (a second worktree) to put the two side by side:

    PYTHONPATH=. .venv/bin/python bench/unit_picker_bench.py [--repeats 30]

It also times the picker's own suggestions (``/bo/units/choices``) when the tree has them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from office.app import create_app
from office.database import open_engine
from office.keys import create_keys
from office.store import Store
from office.store.users import UserRole
from office.units_file import NATIONAL_UNITS, parse_units

PASSWORD = "mat-khau-bench-2026"
#: The pages that had a ``<select>`` of every unit, and one suggestion request.
PAGES = ("/bo/inbox", "/bo/satisfaction", "/bo/fleet", "/bo/users", "/bo/service-points",
         "/bo/units/choices?unit_q=dong+da")


def _signed_in(client: TestClient) -> None:
    form = client.get("/bo/sign-in").text
    csrf = form.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post("/bo/sign-in", data={"csrf": csrf, "username": "admin",
                                              "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def measure(national: bool, repeats: int) -> dict[str, tuple[int, float, float] | None]:
    """Page -> (bytes, median ms, worst ms), or None when this tree has no such page."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        store = Store(open_engine(str(home / "backend.sqlite3")),
                      create_keys(home / "sealing.key"))
        store.users.add_user("admin", UserRole.CITY_ADMIN, None, PASSWORD)
        if national:
            store.served_units.load(parse_units(NATIONAL_UNITS.read_text(encoding="utf-8")))
        client = TestClient(create_app(store, rate_limit="100000/second",
                                       session_secret="bench"), base_url="http://127.0.0.1")
        _signed_in(client)
        found: dict[str, tuple[int, float, float] | None] = {}
        for path in PAGES:
            first = client.get(path)
            if first.status_code == 404:
                found[path] = None
                continue
            assert first.status_code == 200, (path, first.status_code)
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - start) * 1000)
            found[path] = (len(first.content), statistics.median(times), max(times))
        return found


def main() -> int:
    """Print each page's size and time with 126 and with 3,321 units."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    hanoi = measure(False, args.repeats)
    national = measure(True, args.repeats)
    print(f"{'page':42} {'126 units':>24} {'3,321 units':>24}")
    for path in PAGES:
        cells = []
        for found in (hanoi[path], national[path]):
            if found is None:
                cells.append(f"{'(none)':>24}")
            else:
                size, median, worst = found
                cells.append(f"{size / 1024:7.1f} KB {median:5.1f} ms (≤{worst:5.1f})")
        print(f"{path:42} {cells[0]:>24} {cells[1]:>24}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
