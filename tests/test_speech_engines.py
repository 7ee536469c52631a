"""The voices built from the configuration: espeak-ng for real, Piper against a stand-in
program, the engine table, and playing through aplay.

The espeak-ng tests render real calls to WAV and measure them: long enough for the words,
not silence, the chime before the voice. Each phrase is printed and logged, and so are its
measures, so a run shows what was said (``pytest -s``).
"""

from __future__ import annotations

import json
import logging
import shutil
import stat
import sys
import textwrap
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from devices.audio_aplay import AplayOutput
from devices.speech_engines import SPEECH_ENGINES, build_engine, build_renderer
from devices.speech_espeak import EspeakEngine, known_voices
from devices.speech_piper import PiperEngine, length_scale
from kiosk.config import Config, load_config
from kiosk.speech import (
    SpeechError,
    SpeechRenderer,
    SpeechState,
    SpeechUnavailableError,
    UnavailableSpeechEngine,
    Utterance,
    call_utterance,
)
from kiosk.speech_fakes import FakeSpeechEngine
from kiosk.wav_audio import chime, measure, read_wav, window_rms

log = logging.getLogger(__name__)

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (scripts/setup)"
)


def settings(tmp_path: Path, **changes: str | int | bool) -> Config:
    """The shipped configuration with these ``speech.*`` keys (by short name)."""
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    return replace(config, values={**config.values,
                                   **{f"speech.{key}": value for key, value in changes.items()}})


def speaking_share(wav: bytes, threshold: float = 0.02) -> float:
    """The share of 50 ms windows louder than ``threshold`` (RMS of full scale)."""
    levels = window_rms(read_wav(wav), 0.05)
    return sum(level > threshold for level in levels) / len(levels)


def logged(text: str, wav: bytes) -> None:
    stats = measure(wav)
    line = (f"{text!r}: {stats.duration:.2f} s, RMS {stats.rms:.3f}, peak {stats.peak:.2f}, "
            f"speaking {speaking_share(wav):.0%}")
    print(line)
    log.info("rendered %s", line)


# ---------------------------------------------------------------- espeak-ng, for real


@needs_espeak
@pytest.mark.parametrize(
    ("ticket", "counter", "language", "shortest", "longest"),
    [
        ("A1-005", 2, "vi", 3.0, 9.0),
        ("B2-124", 12, "vi", 3.0, 9.0),
        ("A1-U007", 3, "vi", 3.0, 9.0),
        ("A1-005", 2, "en", 2.5, 8.0),
    ],
)
def test_espeak_renders_a_call_that_is_speech_of_a_plausible_length(
    tmp_path: Path, ticket: str, counter: int, language: str, shortest: float, longest: float
) -> None:
    engine = build_engine(settings(tmp_path))
    assert isinstance(engine, EspeakEngine)
    utterance = call_utterance(ticket, counter, language=language, chime=False)  # type: ignore[arg-type]
    wav = engine.render(utterance.text, utterance.language)
    logged(utterance.text, wav)
    stats = measure(wav)
    assert shortest <= stats.duration <= longest
    assert stats.rms > 0.03
    # Speech has pauses between words, but most of it is voice.
    assert speaking_share(wav) > 0.5


@needs_espeak
def test_espeak_a_longer_text_takes_longer_and_a_slower_rate_too(tmp_path: Path) -> None:
    engine = build_engine(settings(tmp_path, rate=145))
    slow = build_engine(settings(tmp_path, rate=100))
    short = measure(engine.render("Mời công dân.", "vi")).duration
    long = measure(engine.render("Mời công dân có số a một, không trăm linh năm.", "vi")).duration
    slower = measure(slow.render("Mời công dân có số a một, không trăm linh năm.", "vi")).duration
    assert short < long < slower


@needs_espeak
def test_a_rendered_call_starts_with_the_chime_then_the_voice(tmp_path: Path) -> None:
    renderer = build_renderer(settings(tmp_path))
    utterance = call_utterance("A1-005", 2)
    plain = renderer.render(replace(utterance, chime=False))
    chimed = renderer.render(utterance)
    logged(utterance.text, chimed)
    ding = read_wav(chime(22050))
    sound = read_wav(chimed)
    assert sound.rate == 22050
    assert sound.samples[: len(ding.samples)] == ding.samples
    assert measure(chimed).duration == pytest.approx(measure(plain).duration + 0.95, abs=0.001)
    assert read_wav(plain).samples == sound.samples[-len(read_wav(plain).samples) :]


@needs_espeak
def test_espeak_status_knows_its_voices(tmp_path: Path) -> None:
    engine = build_engine(settings(tmp_path))
    assert engine.status().state is SpeechState.READY
    lost = build_engine(settings(tmp_path, voice="xx-nowhere"))
    status = lost.status()
    assert status.state is SpeechState.UNAVAILABLE
    assert "no voice xx-nowhere" in status.detail
    with pytest.raises(SpeechError, match="espeak-ng exited 1"):
        lost.render("chào", "vi")


def test_the_voice_listing_is_read_by_language_name_and_file() -> None:
    listing = textwrap.dedent("""\
        Pty Language       Age/Gender VoiceName          File                 Other Languages
         5  vi              --/M      Vietnamese_(Northern) aav/vi
         5  vi-vn-x-south   --/M      Vietnamese_(Southern) aav/vi-VN-x-south
        """)
    assert {"vi", "vi-vn-x-south", "vietnamese_(northern)", "aav/vi"} <= known_voices(listing)


def test_espeak_missing_is_unavailable_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    engine = build_engine(settings(tmp_path))
    assert isinstance(engine, UnavailableSpeechEngine)
    assert "espeak-ng is not installed" in engine.status().detail


# ---------------------------------------------------------------- Piper, with a stand-in

FAKE_PIPER = """\
#!{python}
# Stands in for piper: records its arguments and input, writes one second of tone.
import json, math, struct, sys, wave
args = sys.argv[1:]
with open({record!r}, "w") as f:
    json.dump({{"args": args, "stdin": sys.stdin.read()}}, f)
if {fail!r}:
    print("onnxruntime: model broken", file=sys.stderr)
    sys.exit(3)
out = args[args.index("--output_file") + 1]
with wave.open(out, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes(b"".join(struct.pack("<h", int(6000 * math.sin(i / 5))) for i in range(16000)))
"""


def fake_piper(tmp_path: Path, *, fail: bool = False) -> tuple[Path, Path]:
    """A piper program that records what it was asked, and where it records it."""
    record = tmp_path / "piper-call.json"
    program = tmp_path / "bin" / "piper"
    program.parent.mkdir(exist_ok=True)
    program.write_text(FAKE_PIPER.format(python=sys.executable, record=str(record), fail=fail))
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program, record


def piper_voice(tmp_path: Path, name: str = "vi_VN-vais1000-medium") -> Path:
    model = tmp_path / "voices" / f"{name}.onnx"
    model.parent.mkdir(exist_ok=True)
    model.write_bytes(b"onnx")
    model.with_name(model.name + ".json").write_text(json.dumps({"audio": {"sample_rate": 16000}}))
    return model


def test_piper_renders_with_the_configured_voice_text_on_one_line(tmp_path: Path) -> None:
    program, record = fake_piper(tmp_path)
    model = piper_voice(tmp_path)
    engine = build_engine(settings(tmp_path, engine="piper", piper_binary=str(program),
                                   piper_model=str(model), rate=145))
    assert isinstance(engine, PiperEngine)
    assert engine.status().state is SpeechState.READY
    wav = engine.render("Mời công dân\ncó số a một.", "vi")
    call = json.loads(record.read_text())
    assert call["stdin"] == "Mời công dân có số a một.\n"
    args = call["args"]
    assert args[args.index("--model") + 1] == str(model)
    assert args[args.index("--length_scale") + 1] == "1.207"
    assert measure(wav).duration == pytest.approx(1.0)


def test_piper_is_found_on_path_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program, _ = fake_piper(tmp_path)
    monkeypatch.setenv("PATH", str(program.parent))
    engine = build_engine(settings(tmp_path, engine="piper", piper_binary="piper",
                                   piper_model=str(piper_voice(tmp_path))))
    assert isinstance(engine, PiperEngine)
    assert engine.binary == str(program)


def test_piper_chimes_at_its_own_rate(tmp_path: Path) -> None:
    program, _ = fake_piper(tmp_path)
    engine = build_engine(settings(tmp_path, engine="piper", piper_binary=str(program),
                                   piper_model=str(piper_voice(tmp_path))))
    chimed = SpeechRenderer(engine).render(Utterance("chào", chime=True))
    assert read_wav(chimed).rate == 16000
    assert measure(chimed).duration == pytest.approx(1.95, abs=0.001)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"piper_binary": "/nowhere/piper"},
         "the piper program '/nowhere/piper' is not installed (speech.piper_binary"),
        ({"piper_model": ""},
         "no Piper voice is configured: set speech.piper_model to the voice's .onnx file"),
        ({"piper_model": "/nowhere/vi.onnx"},
         "the Piper voice /nowhere/vi.onnx does not exist (speech.piper_model)"),
        ({"piper_model_en": "/nowhere/en.onnx"},
         "the Piper voice /nowhere/en.onnx does not exist (speech.piper_model_en)"),
    ],
)
def test_piper_missing_parts_make_it_unavailable_never_espeak(
    tmp_path: Path, changes: dict[str, str], reason: str
) -> None:
    program, _ = fake_piper(tmp_path)
    values = {"engine": "piper", "piper_binary": str(program),
              "piper_model": str(piper_voice(tmp_path)), **changes}
    engine = build_engine(settings(tmp_path, **values))
    assert isinstance(engine, UnavailableSpeechEngine)
    status = engine.status()
    assert status.state is SpeechState.UNAVAILABLE
    assert status.detail.startswith(reason), status.detail
    with pytest.raises(SpeechUnavailableError):
        SpeechRenderer(engine).render(Utterance("chào"))


def test_a_piper_voice_without_its_json_is_named(tmp_path: Path) -> None:
    program, _ = fake_piper(tmp_path)
    model = piper_voice(tmp_path)
    model.with_name(model.name + ".json").unlink()
    engine = build_engine(settings(tmp_path, engine="piper", piper_binary=str(program),
                                   piper_model=str(model)))
    assert "has no vi_VN-vais1000-medium.onnx.json beside it" in engine.status().detail


def test_piper_without_an_english_voice_says_so_for_english(tmp_path: Path) -> None:
    program, _ = fake_piper(tmp_path)
    engine = build_engine(settings(tmp_path, engine="piper", piper_binary=str(program),
                                   piper_model=str(piper_voice(tmp_path))))
    with pytest.raises(SpeechUnavailableError, match=r"speech.piper_model_en is not set"):
        engine.render("Hello", "en")


def test_a_failing_piper_is_a_speech_error_with_its_last_words(tmp_path: Path) -> None:
    program, _ = fake_piper(tmp_path, fail=True)
    engine = PiperEngine(str(program), {"vi": piper_voice(tmp_path)})
    with pytest.raises(SpeechError, match="piper exited 3: onnxruntime: model broken"):
        engine.render("chào", "vi")


def test_the_length_scale_follows_the_rate() -> None:
    assert length_scale(175) == 1.0
    assert length_scale(350) == 0.5
    assert length_scale(100) == 1.75


# ---------------------------------------------------------------- the table


def test_the_table_builds_each_configured_engine(tmp_path: Path) -> None:
    assert set(SPEECH_ENGINES) == {"espeak", "piper", "fake", "none"}
    silent = build_engine(settings(tmp_path, engine="none"))
    assert silent.status().state is SpeechState.DISABLED
    assert isinstance(build_engine(settings(tmp_path, engine="fake")), FakeSpeechEngine)
    unknown = build_engine(settings(tmp_path, engine="festival"))
    assert "unknown speech engine 'festival'" in unknown.status().detail


def test_the_renderer_takes_the_configured_volume(tmp_path: Path) -> None:
    assert build_renderer(settings(tmp_path, engine="fake", volume=40)).volume_percent == 40


def test_the_shipped_defaults_choose_espeak_vietnamese_in_hanoi_style(tmp_path: Path) -> None:
    config = settings(tmp_path)
    assert config.text("speech.engine") == "espeak"
    assert config.text("speech.voice") == "vi"
    assert config.text("speech.zero_tens") == "linh"
    assert config.flag("speech.chime") is True


# ---------------------------------------------------------------- aplay

FAKE_APLAY = """\
#!/bin/sh
# Stands in for aplay: keeps what it was given, then plays for $1 seconds.
cat > {out}
[ "{fail}" = yes ] && {{ echo "aplay: main:850: audio open error: No such file" >&2; exit 1; }}
sleep {seconds}
"""


def fake_aplay(tmp_path: Path, *, seconds: float = 0, fail: bool = False) -> tuple[str, Path]:
    out = tmp_path / "played.wav"
    program = tmp_path / "aplay"
    program.write_text(FAKE_APLAY.format(out=out, seconds=seconds, fail="yes" if fail else "no"))
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return str(program), out


def test_aplay_gets_the_whole_sound_and_plays_it_to_the_end(tmp_path: Path) -> None:
    program, out = fake_aplay(tmp_path)
    sound = chime()
    assert AplayOutput(binary=program).play(sound, threading.Event()) is True
    assert out.read_bytes() == sound


def test_aplay_is_stopped_at_once(tmp_path: Path) -> None:
    program, _ = fake_aplay(tmp_path, seconds=30)
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    assert AplayOutput(binary=program).play(chime(), stop) is False


def test_aplay_does_not_start_when_already_stopped(tmp_path: Path) -> None:
    program, out = fake_aplay(tmp_path)
    stop = threading.Event()
    stop.set()
    assert AplayOutput(binary=program).play(chime(), stop) is False
    assert not out.exists()


def test_aplay_failing_is_an_error_with_its_message(tmp_path: Path) -> None:
    program, _ = fake_aplay(tmp_path, fail=True)
    with pytest.raises(RuntimeError, match="aplay exited 1: aplay: main:850: audio open error"):
        AplayOutput(binary=program).play(chime(), threading.Event())
    assert AplayOutput(binary=str(tmp_path / "none")).available() == (
        f"{tmp_path / 'none'} is not installed (Debian package alsa-utils)"
    )
