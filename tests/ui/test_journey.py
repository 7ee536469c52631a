"""The citizen's journeys through the real app, by simulated touches, headless."""

from __future__ import annotations

import gc
import logging

import pytest

from kiosk.idcard import CitizenCard
from kiosk.kinds import SubmissionKind
from screens.done import SlipState
from tests.ui.conftest import CARD_AN, CARD_BINH, Kiosk

#: What identifies the citizen of CARD_AN, in every form the app could show or keep.
PERSONAL = ("Nguyễn Văn An", "N. V. A.", "ông An", "001099012345", "2345", "Phố Huế", "15031999")


def test_every_screen_is_reached_by_touch(kiosk: Kiosk) -> None:
    # GIVEN the welcome screen
    driver = kiosk.driver
    assert kiosk.screen.name == "welcome"
    reached = []
    # WHEN each of the six choices is touched, and Back after it
    for tile, screen in [
        ("choice_procedures", "procedures"),
        ("choice_queue", "queue"),
        ("choice_status", "status"),
        ("choice_feedback", "feedback"),
        ("choice_rating", "rating"),
        ("choice_directory", "directory"),
    ]:
        driver.tap_id(tile)
        reached.append(kiosk.screen.name)
        assert kiosk.screen.name == screen
        driver.tap_id("back_button")
        assert kiosk.screen.name == "welcome"
    # ... and the screens behind them: a field, a procedure, an intake, a unit, a ticket
    driver.tap_id("choice_procedures")
    driver.tap(kiosk.screen.ids.results.box.children[-1])  # the first field
    driver.tap(kiosk.screen.ids.results.box.children[-1])  # its first procedure
    reached.append(kiosk.screen.name)
    kiosk.scan(CARD_AN)
    driver.tap_id("start_intake_button")
    reached.append(kiosk.screen.name)
    driver.tap_id("home_button")
    driver.tap_id("choice_directory")
    driver.tap(kiosk.screen.ids.results.box.children[-1])
    reached.append(kiosk.screen.name)
    driver.tap_id("home_button")
    driver.tap_id("choice_queue")
    driver.tap(kiosk.screen.ids.service_box.children[-1])
    driver.tap_id("confirm_button")
    reached.append(kiosk.screen.name)
    # THEN every screen was shown
    assert reached == [
        "procedures", "queue", "status", "feedback", "rating", "directory",
        "procedure", "intake", "commune", "done",
    ]  # fmt: skip


def test_full_journey_leaves_nothing_personal_after_idle(
    kiosk: Kiosk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    driver, app = kiosk.driver, kiosk.app
    gc.collect()
    cards_before = {id(obj) for obj in gc.get_objects() if type(obj) is CitizenCard}
    # GIVEN a citizen who scans their ID card
    kiosk.scan(CARD_AN)
    assert (app.identified, app.greeting_name) == (True, "An")
    # ... is greeted by title and given name, and nothing else personal is on screen
    assert "Xin chào ông An" in driver.texts()
    assert not any("2345" in text or "Nguyễn" in text for text in driver.texts())
    # WHEN they search without accents and open the first result
    driver.tap_id("choice_procedures")
    driver.type("dang ky khai sinh")
    assert kiosk.screen.ids.query.value == "dang ky khai sinh"
    assert kiosk.screen.ids.results.keys[0] == "1.001193"
    driver.tap(kiosk.screen.ids.results.box.children[-1])
    assert kiosk.screen.name == "procedure"
    assert kiosk.screen.heading == "Đăng ký khai sinh"
    # ... and take a number for it
    driver.tap_id("take_number_button")
    assert kiosk.screen.service_code == "A"
    driver.tap_id("confirm_button")
    # THEN the ticket is printed and stored
    done = kiosk.screen
    assert (done.name, done.state, done.big_text) == ("done", SlipState.PRINTED, "A1-001")
    jobs = sorted(kiosk.printed_dir.glob("*.escpos"))
    assert [job.name.split("-", 3)[-1] for job in jobs] == ["queue_ticket-A1-001.escpos"]
    printed = jobs[0].read_bytes()
    assert printed.startswith(b"\x1b@")  # ESC @: initialise the printer
    assert jobs[0].with_name(jobs[0].name + ".png").stat().st_size > 0
    [ticket] = kiosk.submissions()
    assert (ticket.kind, ticket.ticket_number, ticket.procedure_code) == (
        SubmissionKind.QUEUE_TICKET, "A1-001", "1.001193",
    )  # fmt: skip
    assert ticket.citizen_masked == "N. V. A. ********2345"
    # WHEN nobody touches the screen for 60 s
    kiosk.clock.advance(60)
    app.check_idle()
    driver.settle()
    # THEN "need more time?" is asked, with the seconds left
    assert app.idle_prompt is not None and app.idle_prompt.is_open
    assert any("20 giây" in text for text in driver.texts())
    # WHEN 20 more seconds pass without an answer
    kiosk.clock.advance(20)
    app.check_idle()
    driver.settle()
    # THEN the kiosk is back at welcome, and nothing personal is left in any widget
    assert kiosk.screen.name == "welcome"
    assert not app.idle_prompt.is_open
    texts = "\n".join(driver.texts())
    for personal in (*PERSONAL, "dang ky khai sinh", "A1-001"):
        assert personal not in texts, personal
    for screen in app.manager.screens:
        for widget in screen.walk():
            for name in ("text", "value"):
                value = getattr(widget, name, "")
                assert not any(p in str(value) for p in PERSONAL), (screen.name, value)
    # ... nor in memory the next citizen could reach: no ID card object is left
    assert app.session.citizen is None
    gc.collect()
    left = [o for o in gc.get_objects() if type(o) is CitizenCard and id(o) not in cards_before]
    assert left == []
    # ... nor in the logs of the whole journey (which did log)
    assert len(caplog.records) > 0
    for personal in ("Nguyễn Văn An", "001099012345", "Phố Huế", "15031999"):
        assert personal not in caplog.text, personal


def test_idle_prompt_answered_keeps_the_session(kiosk: Kiosk) -> None:
    # GIVEN an identified citizen on the feedback screen who has typed something
    driver, app = kiosk.driver, kiosk.app
    kiosk.scan(CARD_AN)
    driver.tap_id("choice_feedback")
    driver.type("xin chaof")
    # WHEN the idle prompt comes and they touch "Yes, I need more time"
    kiosk.clock.advance(60)
    app.check_idle()
    driver.settle()
    driver.tap(app.idle_prompt.ids.keep_going_button)
    # THEN they are where they were, with what they typed
    assert not app.idle_prompt.is_open
    assert kiosk.screen.name == "feedback"
    assert kiosk.screen.ids.text_field.value == "xin chào"
    assert app.greeting_name == "An"


def test_another_card_starts_a_new_session(kiosk: Kiosk) -> None:
    # GIVEN Nguyễn Văn An identified, with the feedback form half written
    driver, app = kiosk.driver, kiosk.app
    kiosk.scan(CARD_AN)
    driver.tap_id("choice_feedback")
    driver.type("abc")
    # WHEN another card is scanned
    kiosk.scan(CARD_BINH)
    # THEN the first citizen's session is wiped and the second one is identified
    assert app.greeting_name == "Bình"
    assert "Xin chào bà Bình" in kiosk.driver.texts()
    assert kiosk.screen.name == "welcome"
    assert "abc" not in driver.texts()


def test_not_you_start_over_wipes_at_once(kiosk: Kiosk) -> None:
    # GIVEN an identified citizen
    kiosk.scan(CARD_AN)
    # WHEN "Not you? Start over" is touched
    kiosk.driver.tap_id("start_over_button")
    # THEN nobody is identified any more
    assert (kiosk.app.identified, kiosk.app.greeting_name) == (False, "")
    assert kiosk.app.session.citizen is None
    assert not any("An" in text.split() for text in kiosk.driver.texts())


def test_unknown_codes_get_a_polite_message(kiosk: Kiosk) -> None:
    # WHEN a product barcode, then a web address, is scanned on the welcome screen
    kiosk.scan("8935049500421")
    barcode_message = kiosk.driver.find("banner").text
    kiosk.scan("https://dichvucong.gov.vn/")
    web_message = kiosk.driver.find("banner").text
    # THEN each gets its explanation and the citizen stays where they were
    assert barcode_message == "Mã này không phải thẻ căn cước hay biên nhận của ki-ốt."
    assert web_message.startswith("Mã QR này là địa chỉ trang web.")
    assert kiosk.screen.name == "welcome"


def test_language_and_display_toggles(kiosk: Kiosk) -> None:
    # GIVEN the welcome screen in Vietnamese
    driver = kiosk.driver
    assert kiosk.screen.ids.welcome_heading.text == "Xin kính chào"
    # WHEN English, larger text and high contrast are touched
    driver.tap_id("language_en")
    driver.tap_id("large_text_toggle")
    driver.tap_id("contrast_toggle")
    # THEN the screen is in English, larger, black and yellow
    assert kiosk.screen.ids.welcome_heading.text == "Welcome"
    assert kiosk.screen.ids.welcome_heading.font_size == 60 * 1.3
    assert list(kiosk.screen.ids.choice_procedures.canvas.before.children[0].rgba) == [
        1.0, 212 / 255, 0.0, 1.0,
    ]  # fmt: skip
    # WHEN the session ends, THEN the next citizen starts from the kiosk's defaults
    kiosk.app.do_start_over()
    driver.settle()
    assert kiosk.screen.ids.welcome_heading.text == "Xin kính chào"
    assert kiosk.screen.ids.welcome_heading.font_size == 60
