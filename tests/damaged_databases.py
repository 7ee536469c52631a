"""Kiosk databases with submissions, and the damage a failing SD card does to one."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

from kiosk.kinds import RatingLevel, RatingRequest
from kiosk.storage import open_database
from kiosk.submissions import Outbox

#: The page type byte of an interior page of a table's b-tree.
INTERIOR_TABLE_PAGE = 0x05


def fill(path: Path, count: int) -> list[str]:
    """``count`` ratings, the first one sent and the second one failed; their uuids."""
    db = open_database(path)
    outbox = Outbox(db, kiosk_id="K1", queue_prefix="1")
    uuids = [outbox.create(RatingRequest(RatingLevel.SATISFIED)).uuid for _ in range(count)]
    outbox.mark_sent([uuids[0]])
    outbox.mark_failed(uuids[1], "400: refused")
    db.close()  # the last connection closing checkpoints the log into the file
    return uuids


def damage_a_page_of_submissions(path: Path) -> None:
    """Overwrite the page type of a leaf in the middle of the submissions table.

    The table's root must be an interior page (a few dozen rows make it one): its middle
    cell names the leaf, whose rows are then unreadable while the others stay readable.
    """
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'submissions'"
        ).fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    assert data[start] == INTERIOR_TABLE_PAGE, "the table must span several pages"
    # Interior page: a 12-byte header (cell count at 3), then 2-byte cell offsets; each
    # cell starts with its child's 4-byte page number.
    (cells,) = struct.unpack_from(">H", data, start + 3)
    (cell,) = struct.unpack_from(">H", data, start + 12 + 2 * (cells // 2))
    (child,) = struct.unpack_from(">I", data, start + cell)
    data[(child - 1) * page_size] = 0xFF  # no such page type: "disk image is malformed"
    path.write_bytes(bytes(data))
