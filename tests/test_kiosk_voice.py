"""The kiosk's voice: Listen reads a screen, a second press or leaving stops it, the idle
warning sounds, the short sounds are optional; settings for volume and headphones."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.cue_sounds import Cue, cue_sound
from kiosk.kiosk_voice import AudioRoute, CueSettings, KioskVoice
from kiosk.speech import SpeechRenderer
from kiosk.speech_fakes import FakeAudioOutput, FakeSpeechEngine
from kiosk.spoken_screens import MenuView, TicketView
from kiosk.wav_audio import measure, scale_volume

MENU = MenuView("Chào mừng", "Chạm vào một lựa chọn.", ("Tra cứu thủ tục", "Lấy số thứ tự"))
MENU_SAID = [
    ("Chào mừng.", "vi"),
    ("Chạm vào một lựa chọn.", "vi"),
    ("Có hai lựa chọn.", "vi"),
    ("Một: Tra cứu thủ tục.", "vi"),
    ("Hai: Lấy số thứ tự.", "vi"),
]


@dataclasses.dataclass
class Rig:
    voice: KioskVoice
    engine: FakeSpeechEngine
    output: FakeAudioOutput
    speaking: list[bool]

    def idle(self) -> None:
        assert self.voice.announcer.wait_idle(timeout=10)


def rig(*, hold: bool = False, cues: CueSettings | None = None, volume: int = 100) -> Rig:
    engine = FakeSpeechEngine()
    output = FakeAudioOutput(hold=hold)
    voice = KioskVoice(SpeechRenderer(engine, volume_percent=volume), output, cues=cues)
    speaking: list[bool] = []
    lock = threading.Lock()

    def record(value: bool) -> None:
        with lock:
            speaking.append(value)

    voice.on_speaking = record
    return Rig(voice, engine, output, speaking)


@pytest.fixture
def voice() -> Iterator[Rig]:
    made = rig()
    yield made
    made.voice.close()


def test_listen_reads_the_screen_phrase_by_phrase_in_order(voice: Rig) -> None:
    voice.voice.read(MENU, "vi")
    voice.idle()
    assert voice.engine.calls == MENU_SAID
    assert voice.output.finished == [True] * 5
    assert voice.output.most_at_once == 1
    assert voice.speaking == [True] * 5 + [False]
    assert voice.voice.listening


def test_pressing_listen_again_while_it_talks_stops_it() -> None:
    held = rig(hold=True)
    try:
        held.voice.toggle(MENU, "vi")
        assert held.output.started.wait(5)
        assert held.voice.speaking
        assert held.voice.toggle(MENU, "vi") == ()
        held.idle()
        # The first phrase was cut, the other four never played.
        assert held.output.finished == [False]
        assert held.voice.speaking is False
        assert held.speaking[-1] is False
    finally:
        held.voice.close()


def test_listen_again_after_it_ended_reads_again_from_the_cache(voice: Rig) -> None:
    voice.voice.toggle(MENU, "vi")
    voice.idle()
    voice.voice.toggle(MENU, "vi")
    voice.idle()
    assert len(voice.output.played) == 10
    assert len(voice.engine.calls) == 5  # the second reading was all cached
    assert voice.output.played[:5] == voice.output.played[5:]


def test_the_ticket_is_told_only_to_a_citizen_who_listened(voice: Rig) -> None:
    ticket = TicketView("A1-005", "2", 3)
    assert voice.voice.tell(ticket, "vi") == ()
    voice.voice.read(MENU, "vi")
    voice.idle()
    said = voice.voice.tell(ticket, "vi")
    voice.idle()
    assert [phrase.text for phrase in said] == [
        "Số thứ tự của ông bà là: a một, không trăm linh năm.",
        "Khi được gọi số, mời đến quầy số hai.",
        "Có ba người chờ trước.",
    ]
    assert [text for text, _language in voice.engine.calls[5:]] == [p.text for p in said]
    voice.voice.forget()
    assert voice.voice.tell(ticket, "vi") == ()


def test_the_idle_warning_chimes_then_speaks_and_replaces_what_was_said() -> None:
    held = rig(hold=True, volume=80)
    try:
        held.voice.read(MENU, "vi")
        assert held.output.started.wait(5)
        said = held.voice.idle_warning(20, "vi")
        # The chime and three phrases, each held until released.
        while not held.voice.announcer.wait_idle(timeout=0.01):
            held.output.release()
        assert held.output.finished == [False, True, True, True, True]
        assert held.output.played[1] == scale_volume(cue_sound(Cue.IDLE_WARNING), 80)
        assert [text for text, _ in held.engine.calls[1:]] == [p.text for p in said]
        assert said[1].text == "Để giữ kín thông tin, màn hình sẽ được xóa sau hai mươi giây."
    finally:
        held.voice.close()


def test_short_sounds_are_off_unless_configured(voice: Rig) -> None:
    voice.voice.touched()
    voice.voice.error()
    voice.idle()
    assert voice.output.played == []


def test_a_touch_clicks_when_quiet_and_an_error_sounds_when_configured() -> None:
    made = rig(cues=CueSettings(touch=True, error=True))
    try:
        made.voice.touched()
        made.idle()
        made.voice.error()
        made.idle()
        assert made.output.played == [cue_sound(Cue.TOUCH), cue_sound(Cue.ERROR)]
        assert made.engine.calls == []  # short sounds are never rendered by the voice
        assert made.speaking == []  # and do not count as talking
    finally:
        made.voice.close()


def test_a_touch_never_clicks_over_speech() -> None:
    held = rig(hold=True, cues=CueSettings(touch=True))
    try:
        held.voice.read(MenuView("Chào mừng"), "vi")
        assert held.output.started.wait(5)
        held.voice.touched()
        held.output.release()
        held.idle()
        assert len(held.output.played) == 1
    finally:
        held.voice.close()


def test_the_short_sounds_are_short_and_audible() -> None:
    touch, error, warning = (measure(cue_sound(cue)) for cue in Cue)
    assert round(touch.duration, 3) == 0.04
    assert round(error.duration, 3) == 0.36
    assert round(warning.duration, 1) == 0.8
    for stats in (touch, error, warning):
        assert stats.rms > 0.1
        assert stats.peak < 0.6  # never at full scale: no clipping after the volume


def test_headphone_mode_routes_the_sound_to_the_jack_at_its_own_volume(tmp_path: Path) -> None:
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    assert AudioRoute.from_config(config) == AudioRoute("default", 100, headphones=False)
    values = {**config.values, "speech.headphones": True,
              "speech.headphone_device": "plughw:CARD=Headphones", "speech.headphone_volume": 40}
    headphones = dataclasses.replace(config, values=values)
    assert AudioRoute.from_config(headphones) == AudioRoute(
        "plughw:CARD=Headphones", 40, headphones=True
    )
    assert CueSettings.from_config(config) == CueSettings(touch=False, error=False)


def test_the_idle_warning_lasts_at_least_twenty_seconds_by_default(tmp_path: Path) -> None:
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    assert config.number("ui.idle_warning_seconds") == 20
    from kiosk.config import SETTINGS_BY_KEY

    with pytest.raises(ValueError, match=">= 20"):
        SETTINGS_BY_KEY["ui.idle_warning_seconds"].check(10)
