"""The kiosk's policy for "scan your ID card to see your applications"
(kiosk/card_applications.py) and where a scanned card goes on the status screen."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.application_status import ApplicationStatus, OfficeUnreachableError
from kiosk.card_applications import (
    CardAnswer,
    CardApplication,
    CardOutcome,
    CardReply,
    card_key_from_setting,
    look_up_card,
    setting_text,
)
from kiosk.card_lookup import CardLookupKey
from kiosk.idcard import parse_id_qr
from kiosk.kiosk_mode import KioskMode
from kiosk.scan_routing import ScanAction, route_scan
from kiosk.scanned import classify

KEY = CardLookupKey("c1-abc", bytes(range(32)))
NUMBER = "001099012345"
FOUND = CardApplication("ABCDEFGH", "1.001193", "2026-12-05T02:10:00.000+00:00",
                        ApplicationStatus.RECEIVED, "2026-12-05T03:00:00.000+00:00")


@dataclass
class FakeOffice:
    reply: CardReply = field(default_factory=lambda: CardReply(True, (FOUND,)))
    reachable: bool = True
    asked: list[tuple[str, str]] = field(default_factory=list)

    def applications_by_card(self, key_id: str, card_hash: str) -> CardReply:
        self.asked.append((key_id, card_hash))
        if not self.reachable:
            raise OfficeUnreachableError("refused")
        return self.reply


def test_the_office_is_asked_by_the_keyed_hash_only() -> None:
    office = FakeOffice()
    assert look_up_card(KEY, office, NUMBER) == CardAnswer(CardOutcome.LISTED, (FOUND,))
    assert office.asked == [("c1-abc", KEY.card_hash(NUMBER))]
    assert NUMBER not in repr(office.asked)


def test_each_answer_has_its_outcome() -> None:
    assert look_up_card(KEY, FakeOffice(reply=CardReply(True, ())), NUMBER) == CardAnswer(
        CardOutcome.NONE_FOUND)
    assert look_up_card(KEY, FakeOffice(reply=CardReply(False, ())), NUMBER) == CardAnswer(
        CardOutcome.KEY_OUTDATED)
    assert look_up_card(KEY, FakeOffice(reachable=False), NUMBER) == CardAnswer(
        CardOutcome.UNREACHABLE)


def test_without_a_key_or_an_office_nothing_is_asked() -> None:
    office = FakeOffice()
    assert look_up_card(None, office, NUMBER) == CardAnswer(CardOutcome.NOT_SET_UP)
    assert look_up_card(KEY, None, NUMBER) == CardAnswer(CardOutcome.NOT_SET_UP)
    assert office.asked == []


def test_the_setting_round_trips_and_refuses_what_is_not_a_key() -> None:
    text = setting_text(KEY.key_id, KEY.secret.hex())
    assert text == "c1-abc:" + KEY.secret.hex()
    assert card_key_from_setting(text) == KEY
    assert card_key_from_setting("") is None
    assert card_key_from_setting("c1-abc:" + "ab" * 8) is None  # too short
    assert card_key_from_setting(KEY.secret.hex()) is None  # no key id


CARD = "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hà Nội|20042021"
OTHER = "001185004321||Trần Thị Bình|02071985|Nữ|Số 12 Đội Cấn, Ba Đình, Hà Nội|10082021"


def test_an_id_card_on_the_status_screen_lists_its_applications() -> None:
    scanned = classify(CARD, today=None)
    an = parse_id_qr(CARD, today=None)
    assert route_scan(scanned, mode=KioskMode.CITIZEN, citizen=None, status=True) is (
        ScanAction.LIST_CARD_APPLICATIONS)
    assert route_scan(scanned, mode=KioskMode.CITIZEN, citizen=an, status=True) is (
        ScanAction.LIST_CARD_APPLICATIONS)
    # another citizen's card still starts over first: never mix two citizens
    other = classify(OTHER, today=None)
    assert route_scan(other, mode=KioskMode.CITIZEN, citizen=an, status=True) is (
        ScanAction.START_OVER_WITH_NEW_CARD)
    # elsewhere it identifies, as before
    assert route_scan(scanned, mode=KioskMode.CITIZEN, citizen=None) is ScanAction.IDENTIFY
