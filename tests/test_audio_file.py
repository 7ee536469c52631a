"""speech.output = "file": each sound saved whole, in order, as a WAV a person can play."""

from __future__ import annotations

import threading
import wave
from pathlib import Path

from devices.audio_file import FileAudioOutput
from kiosk.wav_audio import chime


def test_each_sound_is_the_next_numbered_wav_and_reads_back_as_written(tmp_path: Path) -> None:
    output = FileAudioOutput(tmp_path / "spoken")
    sound = chime()
    assert output.play(sound, threading.Event()) is True
    assert output.play(sound, threading.Event()) is True
    assert sorted(path.name for path in (tmp_path / "spoken").iterdir()) == [
        "000001.wav", "000002.wav"
    ]
    assert (tmp_path / "spoken" / "000002.wav").read_bytes() == sound
    with wave.open(str(tmp_path / "spoken" / "000001.wav")) as saved:
        assert saved.getnframes() > 0


def test_numbering_continues_after_a_restart(tmp_path: Path) -> None:
    FileAudioOutput(tmp_path).play(chime(), threading.Event())
    FileAudioOutput(tmp_path).play(chime(), threading.Event())
    assert sorted(path.name for path in tmp_path.iterdir()) == ["000001.wav", "000002.wav"]


def test_a_stopped_sound_is_not_saved(tmp_path: Path) -> None:
    stop = threading.Event()
    stop.set()
    assert FileAudioOutput(tmp_path).play(chime(), stop) is False
    assert list(tmp_path.iterdir()) == []
