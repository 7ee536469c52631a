"""The display's calls spoken by the configured voice (kiosk/speech.py), through the hub."""

from __future__ import annotations

import dataclasses
import io
import wave
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.queue import HubQueue
from hub.voice import SpeechCallAudio
from kiosk.config import load_config
from kiosk.servicepoint.tickets import TicketAction
from kiosk.speech import SpeechError, SpeechRenderer
from kiosk.speech_fakes import FakeSpeechEngine
from motcua.wiring import hub_call_audio
from tests.hub.conftest import issue


def seconds(wav: bytes) -> float:
    with wave.open(io.BytesIO(wav)) as sound:
        return sound.getnframes() / sound.getframerate()


def test_a_call_and_its_recall_are_said_with_the_vietnamese_phrases(queue: HubQueue) -> None:
    engine = FakeSpeechEngine()
    client = TestClient(create_app(queue, secret="test",
                                   call_audio=SpeechCallAudio(SpeechRenderer(engine))))
    issue(queue, "A1-005")
    queue.open_counter(2, "minh")
    call = queue.call_next(2)
    recall = queue.act(2, TicketAction.RECALL)
    assert call is not None
    for event in (call, recall):
        answer = client.get(f"/audio/call/{event.seq}.wav")
        assert (answer.status_code, answer.headers["content-type"]) == (200, "audio/wav")
    assert [text for text, _ in engine.calls] == [
        "Mời công dân có số a một, không trăm linh năm, đến quầy số hai.",
        "Xin nhắc lại. Mời công dân có số a một, không trăm linh năm, đến quầy số hai.",
    ]
    # A voice that fails: the display still shows the call, the audio is a 503
    engine.fail = SpeechError("espeak-ng: no such file")
    queue.act(2, TicketAction.SKIP)
    issue(queue, "A1-006")
    again = queue.call_next(2)
    assert again is not None
    assert client.get(f"/audio/call/{again.seq}.wav").status_code == 503


def test_the_composition_root_gives_the_hub_no_voice_when_none_can_speak(
    tmp_path: Path
) -> None:
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    silent = dataclasses.replace(config, values={**config.values, "speech.engine": "none"})
    assert hub_call_audio(silent) is None
    fake = dataclasses.replace(config, values={**config.values, "speech.engine": "fake"})
    assert isinstance(hub_call_audio(fake), SpeechCallAudio)


@pytest.mark.skipif(not Path("/usr/bin/espeak-ng").exists(), reason="espeak-ng not installed")
def test_espeak_renders_a_call_of_a_few_seconds_with_the_chime(tmp_path: Path) -> None:
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    audio = hub_call_audio(config)
    assert isinstance(audio, SpeechCallAudio)
    wav = audio.call_wav("A1-005", 2, recall=False)
    assert 2.0 < seconds(wav) < 15.0
