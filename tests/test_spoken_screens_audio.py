"""The screens' spoken prompts rendered for real with espeak-ng and measured.

Each phrase is rendered to WAV through the kiosk's own path (the KioskVoice's renderer at
the shipped rate and volume, the FileAudioOutput that demo mode uses), then measured: long
enough for its words, short enough not to be babble, and voice in most of it. Each text is
printed and logged with its measures (``pytest -s``), and the WAV files are kept in the
test's folder to be listened to.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from devices.audio_file import FileAudioOutput
from devices.speech_engines import build_engine
from kiosk.config import load_config
from kiosk.kiosk_voice import KioskVoice
from kiosk.speech import SpeechRenderer
from kiosk.spoken_screens import (
    MenuView,
    Paper,
    ProcedureView,
    ScreenView,
    TicketView,
    phrase_texts,
)
from kiosk.wav_audio import measure, read_wav, window_rms

log = logging.getLogger(__name__)

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (scripts/setup)"
)

WELCOME = MenuView("Xin kính chào", "Ông/bà cần làm gì? Xin mời chạm vào một lựa chọn.",
                   ("Tra cứu thủ tục", "Theo sự kiện", "Lấy số thứ tự"))
BIRTH = ProcedureView(
    "Đăng ký khai sinh",
    case="Đăng ký khai sinh đúng hạn (trong 60 ngày)",
    submit=(Paper("Tờ khai đăng ký khai sinh", originals=1), Paper("Giấy chứng sinh", 1)),
    show=(Paper("Thẻ căn cước của người đi đăng ký", 1),),
)
TICKET = TicketView("A1-005", "Quầy số 2", 6, heading="Mời ông/bà nhận phiếu ở khe bên dưới")
# On an English screen the heading is English (an English voice spelling Vietnamese took
# 11.5 s for nine words: this test's bounds catch it).
TICKET_EN = replace(TICKET, heading="Please take your slip below")


def speaking_share(wav: bytes) -> float:
    levels = window_rms(read_wav(wav), 0.05)
    return sum(level > 0.02 for level in levels) / len(levels)


@pytest.mark.parametrize(("view", "language"), [
    (WELCOME, "vi"), (BIRTH, "vi"), (TICKET, "vi"), (TICKET_EN, "en"), (BIRTH, "en"),
], ids=["welcome-vi", "procedure-vi", "ticket-vi", "ticket-en", "procedure-en"])
def test_a_screens_spoken_prompt_renders_to_speech_of_a_fitting_length(
    tmp_path: Path, view: ScreenView, language: str
) -> None:
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    config = replace(config, values={**config.values, "speech.output": "file"})
    output = FileAudioOutput.from_config(config)
    voice = KioskVoice(SpeechRenderer(build_engine(config)), output)
    try:
        phrases = voice.read(view, "vi" if language == "vi" else "en")
        assert voice.announcer.wait_idle(timeout=120)
    finally:
        voice.close()
    files = sorted(output.folder.glob("*.wav"))
    assert len(files) == len(phrases)
    total = 0.0
    for phrase, path in zip(phrases, files, strict=True):
        wav = path.read_bytes()
        stats = measure(wav)
        share = speaking_share(wav)
        line = (f"[{phrase.language}] {phrase.text!r}: {stats.duration:.2f} s, RMS "
                f"{stats.rms:.3f}, speaking {share:.0%} ({path.name})")
        print(line)
        log.info("rendered %s", line)
        words = len(phrase.text.split())
        # espeak-ng at 145 words/min: ~0.2-0.6 s a word, plus its lead-in and pauses.
        assert 0.15 * words <= stats.duration <= 0.8 * words + 1.0, line
        assert stats.rms > 0.02, line
        assert share > 0.4, line
        total += stats.duration
    print(f"{len(phrases)} phrases, {total:.1f} s: {phrase_texts(phrases)}")
