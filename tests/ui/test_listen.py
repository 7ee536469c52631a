"""The Listen ("Nghe") button, pressed on the citizen's screens: what the voice is given,
and that leaving a screen silences it. The voice is the recording fake (FakeSpeechEngine
records each text it renders; FakeAudioOutput each sound it plays)."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.kiosk_voice import KioskVoice
from kiosk.speech import SpeechCache, SpeechRenderer
from kiosk.speech_fakes import FakeAudioOutput, FakeSpeechEngine
from kiosk.wav_audio import measure
from motcua.wiring import build_voice
from screens.done import SlipState
from tests.conftest import catalog_bytes, v2_catalog
from tests.ui.conftest import CARD_AN, Kiosk, kiosk_config, start_kiosk

log = logging.getLogger(__name__)


@dataclass
class Listened:
    kiosk: Kiosk
    engine: FakeSpeechEngine
    output: FakeAudioOutput
    voice: KioskVoice

    def press_listen(self) -> None:
        self.kiosk.driver.tap_id("listen_button")

    def said(self) -> list[str]:
        """Every text the voice rendered, once all is said."""
        assert self.voice.announcer.wait_idle(timeout=10)
        return [text for text, _language in self.engine.calls]


def listening_kiosk(tmp_path: Path, *, hold: bool = False, **kwargs: object) -> Listened:
    engine = FakeSpeechEngine()
    output = FakeAudioOutput(hold=hold)
    # No cache: every phrase said reaches the recording engine (the cache has its own tests).
    voice = KioskVoice(SpeechRenderer(engine, cache=SpeechCache(max_bytes=0)), output)
    running = start_kiosk(tmp_path, voice=voice, **kwargs)  # type: ignore[arg-type]
    return Listened(running, engine, output, voice)


@pytest.fixture
def listened(tmp_path: Path) -> Iterator[Listened]:
    made = listening_kiosk(tmp_path)
    yield made
    made.kiosk.driver.close()


WELCOME_SAID = [
    "Xin kính chào.",
    "Ông bà cần làm gì? Xin mời chạm vào một lựa chọn.",
    "Có bảy lựa chọn.",
    "Một: Tra cứu thủ tục.",
    "Hai: Theo sự kiện.",
    "Ba: Lấy số thứ tự.",
    "Bốn: Tra cứu hồ sơ.",
    "Năm: Phản ánh, kiến nghị.",
    "Sáu: Đánh giá sự hài lòng.",
    "Bảy: Danh bạ xã, phường.",
]


def test_listen_on_welcome_reads_the_greeting_the_question_and_the_seven_choices(
    listened: Listened,
) -> None:
    assert listened.kiosk.driver.find("listen_button").text == "Nghe"
    listened.press_listen()
    assert listened.said() == WELCOME_SAID
    assert all(language == "vi" for _text, language in listened.engine.calls)
    assert listened.output.most_at_once == 1


def test_listen_in_english_reads_the_english_screen(listened: Listened) -> None:
    listened.kiosk.driver.tap_id("language_en")
    assert listened.kiosk.driver.find("listen_button").text == "Listen"
    listened.press_listen()
    said = listened.said()
    assert said[:4] == [
        "Welcome.",
        "What would you like to do? Touch one of the choices.",
        "There are 7 choices.",
        "1: Look up a procedure.",
    ]
    assert {language for _text, language in listened.engine.calls} == {"en"}


def test_listen_on_search_results_reads_the_best_matches_first(listened: Listened) -> None:
    driver = listened.kiosk.driver
    driver.tap_id("choice_procedures")
    driver.type("dang ky khai sinh")
    listened.press_listen()
    said = listened.said()
    assert said[:2] == [
        "Tra cứu thủ tục.",
        "Kết quả phù hợp nhất ở trên cùng. Chạm vào một thủ tục để xem giấy tờ cần mang.",
    ]
    # The button above the list, then the results in the list's order.
    results = [row.title for row in reversed(listened.kiosk.screen.ids.results.box.children)]
    assert len(results) == 12
    assert said[2:] == [
        "Có mười ba lựa chọn.",
        "Một: Tất cả lĩnh vực.",
        *(f"{number}: {title}." for number, title in zip(
            ("Hai", "Ba", "Bốn", "Năm", "Sáu", "Bảy", "Tám"), results, strict=False)),
        "Và năm lựa chọn khác trong danh sách.",
    ]
    assert said[4] == "Hai: Đăng ký khai sinh."


def test_listen_on_a_procedure_reads_the_chosen_case_and_its_papers(tmp_path: Path) -> None:
    made = listening_kiosk(tmp_path, catalog=catalog_bytes(v2_catalog()))
    try:
        kiosk = made.kiosk
        kiosk.app.do_go("procedure", code="1.001193")
        kiosk.driver.settle()
        made.press_listen()
        assert made.said() == [
            "Thủ tục: Đăng ký khai sinh.",
            "Trường hợp nào là của ông bà?",
            "Có hai trường hợp.",
            "Một: Đăng ký khai sinh đúng hạn (trong sáu mươi ngày).",
            "Hai: Khai sinh cho trẻ bị bỏ rơi.",
            # The print and intake buttons wait for a case: only the number is offered.
            "Có một lựa chọn.",
            "Một: Lấy số thứ tự cho thủ tục này.",
        ]
        buttons = {button.key: button for button in kiosk.screen.ids.case_box.children}
        kiosk.driver.tap(buttons["dung-han"])
        made.engine.calls.clear()
        made.press_listen()
        assert made.said() == [
            "Thủ tục: Đăng ký khai sinh.",
            "Trường hợp: Đăng ký khai sinh đúng hạn (trong sáu mươi ngày).",
            "Giấy tờ cần nộp:",
            "Một: Tờ khai đăng ký khai sinh, một bản chính.",
            "Hai: Giấy chứng sinh, một bản chính.",
            "Giấy tờ cần mang theo để xuất trình:",
            "Một: Thẻ căn cước của người đi đăng ký, một bản chính.",
            "Có ba lựa chọn.",
            "Một: In danh sách giấy tờ.",
            "Hai: Lấy số thứ tự cho thủ tục này.",
            "Ba: Kiểm tra giấy tờ trước khi đến quầy.",
        ]
    finally:
        made.kiosk.driver.close()


def take_ticket(kiosk: Kiosk) -> None:
    driver = kiosk.driver
    driver.tap_id("choice_procedures")
    driver.type("dang ky khai sinh")
    driver.tap(kiosk.screen.ids.results.box.children[-1])
    driver.tap_id("take_number_button")
    driver.tap_id("confirm_button")
    assert kiosk.screen.state is SlipState.PRINTED


def test_listen_after_a_ticket_prints_reads_the_number_and_the_counter(
    listened: Listened,
) -> None:
    kiosk = listened.kiosk
    kiosk.scan(CARD_AN)
    take_ticket(kiosk)
    # Nobody pressed Listen before: the kiosk did not speak on its own.
    assert listened.said() == []
    listened.press_listen()
    assert listened.said() == [
        "Mời ông bà nhận phiếu ở khe bên dưới.",
        "Số thứ tự của ông bà là: a một, không trăm linh một.",
        "Khi được gọi số, mời đến quầy số một.",
    ]


def test_a_citizen_who_listened_hears_the_ticket_without_asking(listened: Listened) -> None:
    kiosk = listened.kiosk
    listened.press_listen()
    assert listened.said() == WELCOME_SAID
    take_ticket(kiosk)
    assert listened.said()[len(WELCOME_SAID):] == [
        "Mời ông bà nhận phiếu ở khe bên dưới.",
        "Số thứ tự của ông bà là: a một, không trăm linh một.",
        "Khi được gọi số, mời đến quầy số một.",
    ]


def test_leaving_the_screen_stops_the_voice_and_drops_what_was_left(tmp_path: Path) -> None:
    made = listening_kiosk(tmp_path, hold=True)
    try:
        made.press_listen()
        assert made.output.started.wait(5)
        made.kiosk.driver.settle()
        assert made.kiosk.app.speaking
        assert made.kiosk.driver.find("listen_button").role == "selected"
        # WHEN the citizen goes on to another screen while the greeting is said
        made.kiosk.driver.tap_id("choice_queue")
        assert made.voice.announcer.wait_idle(timeout=10)
        made.kiosk.driver.settle()
        # THEN the greeting was cut and the rest of the welcome screen never said
        assert made.output.finished == [False]
        assert len(made.output.played) == 1
        assert not made.kiosk.app.speaking
    finally:
        made.kiosk.driver.close()


def test_pressing_listen_again_stops_it(tmp_path: Path) -> None:
    made = listening_kiosk(tmp_path, hold=True)
    try:
        made.press_listen()
        assert made.output.started.wait(5)
        made.press_listen()
        assert made.voice.announcer.wait_idle(timeout=10)
        assert made.output.finished == [False]
    finally:
        made.kiosk.driver.close()


def test_the_idle_warning_sounds_is_said_and_hides_the_citizen(listened: Listened) -> None:
    kiosk = listened.kiosk
    kiosk.scan(CARD_AN)
    kiosk.driver.tap_id("choice_procedures")
    # WHEN nobody touches the screen for the idle time
    kiosk.clock.advance(kiosk.app.session.idle_seconds)
    kiosk.app.check_idle()
    kiosk.driver.settle()
    # THEN the prompt gives 20 seconds, with the chime and the warning said
    prompt = kiosk.app.idle_prompt
    assert prompt is not None and prompt.is_open
    assert prompt.seconds_left == 20
    assert listened.said() == [
        "Ông bà có cần thêm thời gian không?",
        "Để giữ kín thông tin, màn hình sẽ được xóa sau hai mươi giây.",
        "Chạm vào màn hình để tiếp tục.",
    ]
    assert len(listened.output.played) == 4  # the chime first
    # ... and the citizen's name behind the prompt is covered, not shown through it
    assert tuple(prompt.overlay_color)[3] == 1


def test_touching_the_screen_during_the_warning_silences_it(tmp_path: Path) -> None:
    made = listening_kiosk(tmp_path, hold=True)
    try:
        kiosk = made.kiosk
        kiosk.driver.tap_id("choice_feedback")
        kiosk.clock.advance(kiosk.app.session.idle_seconds)
        kiosk.app.check_idle()
        assert made.output.started.wait(5)  # the chime
        # WHEN the citizen answers "Yes, I need more time"
        kiosk.driver.tap(kiosk.app.idle_prompt.ids.keep_going_button)
        assert made.voice.announcer.wait_idle(timeout=10)
        # THEN the chime was cut and the warning never said
        assert made.output.finished == [False]
        assert made.engine.calls == []
    finally:
        made.kiosk.driver.close()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_demo_kiosk_says_the_welcome_with_espeak_into_wav_files(tmp_path: Path) -> None:
    # GIVEN the voice the composition root builds for demo mode (espeak-ng, WAV files)
    config = kiosk_config(tmp_path)
    assert (config.text("speech.engine"), config.text("speech.output")) == ("espeak", "file")
    voice = build_voice(config)
    assert voice is not None
    running = start_kiosk(tmp_path, voice=voice)
    try:
        # WHEN the citizen presses Nghe on the welcome screen
        running.driver.tap_id("listen_button")
        assert voice.announcer.wait_idle(timeout=120)
        # THEN each phrase is a WAV of real speech in the data directory's spoken/ folder
        files = sorted((config.data_dir / "spoken").glob("*.wav"))
        assert len(files) == len(WELCOME_SAID)
        for text, path in zip(WELCOME_SAID, files, strict=True):
            stats = measure(path.read_bytes())
            line = f"{text!r}: {stats.duration:.2f} s, RMS {stats.rms:.3f} ({path.name})"
            print(line)
            log.info("spoken %s", line)
            assert 0.8 <= stats.duration <= 8.0, line
            assert stats.rms > 0.03, line
    finally:
        running.driver.close()


def test_a_long_list_is_counted_whole_even_while_its_rows_are_still_placed(
    listened: Listened,
) -> None:
    # GIVEN the directory, whose 126 rows are placed a batch per frame
    kiosk = listened.kiosk
    kiosk.app.do_go("directory")
    kiosk.driver.frames(1)
    # WHEN Listen is pressed at once
    listened.press_listen()
    said = listened.said()
    # THEN all 126 are counted, 8 read, the rest announced
    assert said[:3] == [
        "Danh bạ xã, phường.",
        "Toàn bộ một trăm hai mươi sáu xã, phường. Gõ tên để tìm.",
        "Có một trăm hai mươi sáu lựa chọn.",
    ]
    assert len(said) == 3 + 8 + 1
    assert said[-1] == "Và một trăm mười tám lựa chọn khác trong danh sách."
