"""The status screen's "scan your ID card to see your applications", by touch and scan.

The office is a fake that records what it was asked (only a key id and a keyed hash) and
answers as the city would; the city's side is tested in tests/sync/test_card_lookup_api.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kiosk import receipt_code
from kiosk.application_status import ApplicationStatus, OfficeRecord, OfficeUnreachableError
from kiosk.card_applications import CardApplication, CardReply, card_key_from_setting
from kiosk.config import Config
from kiosk.desk import ServiceDesk
from motcua.tour.driver import PORTRAIT
from motcua.wiring import KioskWiring, open_desk_database
from tests.ui.conftest import CARD_AN, Kiosk, start_kiosk

#: Where the screenshot of the list goes (looked at by eye): $CARD_SHOTS, else the test's tmp.
SHOTS = os.environ.get("CARD_SHOTS")

AN_NUMBER = CARD_AN.split("|")[0]
FIRST, SECOND = receipt_code.new_code(), receipt_code.new_code()


@dataclass
class FakeCardOffice:
    """Answers every card with two applications, or fails; records each question."""

    asked: list[tuple[str, str]] = field(default_factory=list)
    reachable: bool = True

    def look_up(self, receipt_code: str) -> list[OfficeRecord]:
        """The office's word on a code (tapping a listed application asks it)."""
        if receipt_code != FIRST:
            return []
        return [OfficeRecord("7b0c1d57-3f1e-4c1a-9a55-0c0ffee00001", FIRST,
                             "application_intake", "1.001193", "2026-12-05T02:10:00.000+00:00",
                             ApplicationStatus.IN_PROGRESS, None,
                             "2026-12-06T03:00:00.000+00:00")]

    def close(self) -> None:
        """Nothing held open."""

    def applications_by_card(self, key_id: str, card_hash: str) -> CardReply:
        self.asked.append((key_id, card_hash))
        if not self.reachable:
            raise OfficeUnreachableError("connection refused")
        return CardReply(key_known=True, applications=(
            CardApplication(FIRST, "1.001193", "2026-12-05T02:10:00.000+00:00",
                            ApplicationStatus.IN_PROGRESS, "2026-12-06T03:00:00.000+00:00"),
            CardApplication(SECOND, None, "2026-03-01T09:00:00.000+00:00", None, None),
        ))


@dataclass
class CardWiring(KioskWiring):
    """The real kiosk's parts, with the fake office for card look-ups."""

    office: FakeCardOffice = field(default_factory=FakeCardOffice)

    def open_desk(self, config: Config) -> ServiceDesk:
        return ServiceDesk(open_desk_database(config), config, office=self.office,
                           cards=self.office)


@pytest.fixture
def wiring() -> CardWiring:
    return CardWiring()


@pytest.fixture
def kiosk(tmp_path: Path, wiring: CardWiring, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kiosk]:
    monkeypatch.setattr("tests.ui.conftest.KioskWiring", lambda: wiring)
    running = start_kiosk(tmp_path)
    yield running
    running.driver.close()


def card_buttons(screen: Any) -> list[Any]:
    return list(reversed(screen.ids.card_list.children))


def test_a_card_scanned_at_the_status_screen_lists_its_applications(
    kiosk: Kiosk, wiring: CardWiring, tmp_path: Path
) -> None:
    # GIVEN the status screen, which says a card can be scanned
    kiosk.driver.tap_id("choice_status")
    screen = kiosk.screen
    assert screen.ids.card_hint.text == "Quét thẻ căn cước để xem hồ sơ của ông/bà"
    # WHEN An scans her ID card there
    kiosk.scan(CARD_AN)
    assert kiosk.driver.wait_for(lambda: screen.card_answer is not None)
    kiosk.driver.settle()
    # THEN the office was asked with the keyed hash of her number only
    key = card_key_from_setting(kiosk.config.text("sync.card_lookup_key"))
    assert key is not None
    assert wiring.office.asked == [(key.key_id, key.card_hash(AN_NUMBER))]
    # AND her two applications are listed, newest first, with procedure, status and day
    assert screen.card_text == ("Hồ sơ đã nộp bằng thẻ căn cước của ông/bà, mới nhất "
                                "trước. Chạm vào một hồ sơ để xem tình trạng:")
    texts = [button.text for button in card_buttons(screen)]
    assert len(texts) == 2
    assert texts[0] == (f"{receipt_code.display(FIRST)}: Đăng ký khai sinh\n"
                        "Đang giải quyết · nộp ngày 05/12/2026")
    assert texts[1] == (f"{receipt_code.display(SECOND)}\n"
                        "Cơ quan đã nhận, chưa có tình trạng · nộp ngày 01/03/2026")
    # AND she is not identified by it: the card only listed her applications
    assert kiosk.app.session.citizen is None
    shot = Path(SHOTS) if SHOTS else tmp_path
    kiosk.driver.screenshot(shot / "status-card-list.png", PORTRAIT)

    # WHEN she taps the first THEN its code is looked up as if typed: the office's status
    kiosk.driver.tap(card_buttons(screen)[0])
    assert screen.ids.code_field.value == receipt_code.display(FIRST)
    assert kiosk.driver.wait_for(lambda: screen.answer is not None)
    kiosk.driver.settle()
    assert screen.status_text == "Đang giải quyết"
    kiosk.driver.screenshot(shot / "status-card-tapped.png", PORTRAIT)
    # AND the list stays for her to tap another
    assert len(card_buttons(screen)) == 2

    # WHEN she leaves the screen THEN the list is gone
    kiosk.app.do_back()
    kiosk.driver.settle()
    assert screen.card_answer is None and card_buttons(screen) == [] and screen.card_text == ""


def test_the_list_is_wiped_when_the_kiosk_is_left_idle(kiosk: Kiosk) -> None:
    kiosk.driver.tap_id("choice_status")
    screen = kiosk.screen
    kiosk.scan(CARD_AN)
    assert kiosk.driver.wait_for(lambda: len(card_buttons(screen)) == 2)
    # WHEN nobody touches the kiosk past the idle warning
    kiosk.clock.advance(60)
    kiosk.app.check_idle()
    kiosk.clock.advance(60)
    kiosk.app.check_idle()
    kiosk.driver.settle()
    # THEN the kiosk is back at welcome and the status screen holds nothing of the card
    assert kiosk.screen.name == "welcome"
    assert (screen.card_answer, card_buttons(screen), screen.card_text) == (None, [], "")


def test_the_office_out_of_reach_is_said_plainly(kiosk: Kiosk, wiring: CardWiring) -> None:
    wiring.office.reachable = False
    kiosk.driver.tap_id("choice_status")
    screen = kiosk.screen
    kiosk.scan(CARD_AN)
    assert kiosk.driver.wait_for(lambda: screen.card_answer is not None)
    kiosk.driver.settle()
    assert card_buttons(screen) == []
    assert screen.card_text == (
        "Hiện chưa liên lạc được với cơ quan nên chưa xem được hồ sơ của ông/bà. Vui lòng "
        "thử lại sau ít phút, hoặc nhập mã trên giấy biên nhận.")


def test_a_card_scanned_elsewhere_still_identifies_and_asks_nothing(
    kiosk: Kiosk, wiring: CardWiring
) -> None:
    kiosk.scan(CARD_AN)
    assert kiosk.app.session.citizen is not None
    assert wiring.office.asked == []
