"""After 100 submissions made with ID cards and delivered, the kiosk's database, its WAL
and the logs hold none of the ID numbers or names in clear."""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import Any

from kiosk.kinds import FeedbackCategory, FeedbackRequest, IntakeRequest, QueueTicketRequest
from kiosk.text import fold
from tests.sync.conftest import Backend
from tests.sync.helpers import MORNING, citizens


def forms(text: str) -> set[bytes]:
    """How ``text`` could sit in a file: UTF-8 NFC and NFD, and without diacritics."""
    return {
        unicodedata.normalize("NFC", text).encode(),
        unicodedata.normalize("NFD", text).encode(),
        fold(text).encode(),
    }


def test_no_id_number_or_name_is_kept_in_clear_after_100_submissions(
    sqlite_backend: Backend, serve: Any, kiosks: Any, tmp_path: Path
) -> None:
    # GIVEN everything logged at DEBUG to a file while 100 citizens use the kiosk
    log_file = tmp_path / "kiosk.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        kiosk = kiosks("K1")
        cards = citizens(100)
        for number, card in enumerate(cards):
            request = [IntakeRequest("1.001193", (0,)), QueueTicketRequest(service="A"),
                       FeedbackRequest(FeedbackCategory.LAND, "Lấn chiếm vỉa hè")][number % 3]
            kiosk.outbox.create(request, citizen=card, now=MORNING)
        # WHEN the agent delivers them
        server = serve(sqlite_backend)
        report = kiosk.agent(server.url, sqlite_backend.token("K1")).run_once()
        assert (report.failure, report.sent) == (None, 100)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()
    # THEN the database, its WAL (still there: the connection is open) and the log file
    wal = kiosk.path.with_name(kiosk.path.name + "-wal")
    assert wal.stat().st_size > 0
    haystacks = {path.name: path.read_bytes() for path in (kiosk.path, wal, log_file)}
    needles = set()
    for card in cards:
        needles |= {card.id_number.encode(), *forms(card.full_name), *forms(card.address)}
    found = sorted(
        f"{name}: {needle.decode(errors='replace')}"
        for name, haystack in haystacks.items() for needle in needles if needle in haystack
    )
    assert found == []
    # AND the masked forms are there, so the search did read the right bytes
    masked = f"********{cards[0].id_number[-4:]}".encode()
    assert masked in haystacks[kiosk.path.name] + haystacks[wal.name]
    assert b"delivered 100" in haystacks[log_file.name]
    # AND the backend can still open each intake's identity for the back office
    pulled = sqlite_backend.store.pull(0, 100).items
    opened = [item.citizen["id_number"] for item in pulled if item.citizen is not None]
    assert opened == [card.id_number for number, card in enumerate(cards) if number % 3 == 0]
