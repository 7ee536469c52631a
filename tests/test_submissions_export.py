"""``kiosk submissions export``: every submission out of the database, even a damaged one."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.config import load_config
from kiosk.storage import SCHEMA_VERSION
from tests.conftest import Result
from tests.damaged_databases import damage_a_page_of_submissions, fill

Kiosk = Callable[..., Result]


def database_path(tmp_path: Path) -> Path:
    """The database of the ``kiosk`` fixture's data directory."""
    return load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "data")}).database_path


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_every_submission_is_exported_with_its_outbox_state(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    # GIVEN three submissions: one sent, one failed, one pending; one with sealed data
    path = database_path(tmp_path)
    uuids = fill(path, 3)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE submissions SET citizen_sealed = ? WHERE uuid = ?",
                     [b"\x00sealed\xff", uuids[2]])
    conn.close()
    output = tmp_path / "export.jsonl"
    # WHEN they are exported to a file
    result = kiosk("submissions", "export", "--output", str(output))
    # THEN each is one JSON line with its columns and outbox row, in order
    assert result.status == 0, result.err
    exported = lines(output.read_text(encoding="utf-8"))
    assert [row["uuid"] for row in exported] == uuids
    assert [row["outbox"]["state"] for row in exported] == ["sent", "failed", "pending"]
    assert exported[1]["outbox"]["last_error"] == "400: refused"
    assert exported[0]["kind"] == "rating"
    assert base64.b64decode(exported[2]["citizen_sealed"]["base64"]) == b"\x00sealed\xff"
    assert result.err == (
        f"kiosk: submissions export: 3 submission(s) from {path} to {output} "
        "(1 failed, 1 pending, 1 sent)\n"
    )
    # ... and an earlier export is never overwritten
    again = kiosk("submissions", "export", "--output", str(output))
    assert again.status == 2
    assert "exists: choose another name" in again.err


def test_standard_output_is_the_default(kiosk: Kiosk, tmp_path: Path) -> None:
    fill(database_path(tmp_path), 2)
    result = kiosk("submissions", "export")
    assert result.status == 0
    assert [row["outbox"]["state"] for row in lines(result.out)] == ["sent", "failed"]


def test_a_damaged_database_is_read_as_far_as_possible_and_never_written(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    # GIVEN 120 submissions, a page in the middle of their table damaged
    path = database_path(tmp_path)
    uuids = fill(path, 120)
    damage_a_page_of_submissions(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    # WHEN they are exported
    result = kiosk("submissions", "export")
    # THEN only the rows of the damaged page (one run of numbers) are lost: those before
    # and after it are all exported, in order
    exported = [row["uuid"] for row in lines(result.out)]
    lost = [number for number, uuid in enumerate(uuids) if uuid not in exported]
    assert 0 < len(lost) <= 40
    assert lost == list(range(lost[0], lost[-1] + 1))
    assert exported == uuids[:lost[0]] + uuids[lost[-1] + 1:]
    assert lost[-1] < len(uuids) - 1
    # ... the exit status says rows are missing, and how many, without a traceback
    assert result.status == 1
    assert "the submissions table is damaged after number" in result.err
    assert f"{len(lost)} submission(s) could not be read" in result.err
    assert "Traceback" not in result.err
    # ... and the file was not changed
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not path.with_name(path.name + "-journal").exists()


def test_a_database_from_a_newer_release_is_exported(kiosk: Kiosk, tmp_path: Path) -> None:
    # GIVEN a database the kiosk refuses to open: its schema is newer
    path = database_path(tmp_path)
    uuids = fill(path, 2)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = ?", [SCHEMA_VERSION + 1])
        conn.execute("ALTER TABLE submissions ADD COLUMN from_the_future TEXT")
    conn.close()
    refused = kiosk("submissions", "list")
    assert refused.status == 1
    assert refused.err.startswith(f"kiosk: the database {path} has schema version ")
    assert "sqlite3.Connection" not in refused.err
    # WHEN it is exported, THEN every row is, with the column this release does not know
    result = kiosk("submissions", "export")
    assert result.status == 0, result.err
    assert [row["uuid"] for row in lines(result.out)] == uuids
    assert all("from_the_future" in row for row in lines(result.out))


def test_a_file_that_is_no_database_exports_nothing_and_says_why(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    path = database_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage " * 1000)
    result = kiosk("submissions", "export")
    assert (result.status, result.out) == (1, "")
    assert "file is not a database" in result.err
    assert result.err.endswith(f"0 submission(s) from {path} to standard output\n")


def test_a_missing_database_is_said(kiosk: Kiosk, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.sqlite3"
    result = kiosk("submissions", "export", "--database", str(missing))
    assert result.status == 1
    assert result.err == f"kiosk: submissions export: there is no database file at {missing}\n"
    assert not missing.exists()
