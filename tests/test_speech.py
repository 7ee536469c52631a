"""Speech in the core: the phrases, sound handling, the cached renderer and the announcer."""

from __future__ import annotations

import array
import math
import threading

import pytest

from kiosk.announcer import Announcer, Outcome, Report
from kiosk.speech import (
    SpeechCache,
    SpeechError,
    SpeechRenderer,
    SpeechState,
    SpeechUnavailableError,
    UnavailableSpeechEngine,
    Utterance,
    call_phrase,
    call_utterance,
    counter_words,
    recall_phrase,
)
from kiosk.speech_fakes import FakeAudioOutput, FakeSpeechEngine
from kiosk.speech_phrases import ticket_words_en
from kiosk.vietnamese_numbers import NumberStyle
from kiosk.wav_audio import (
    Pcm,
    WavError,
    chime,
    join_wavs,
    measure,
    read_wav,
    resample,
    scale_volume,
    silence,
    window_rms,
    write_wav,
)

# ---------------------------------------------------------------- phrases


def test_the_call_of_the_issue_in_vietnamese() -> None:
    assert call_phrase("A1-005", 2) == (
        "Mời công dân có số a một, không trăm linh năm, đến quầy số hai."
    )


def test_the_call_in_english_keeps_digits_and_spells_the_serial() -> None:
    assert call_phrase("A1-005", 2, "en") == (
        "Ticket number A 1, 0 0 5, please go to counter 2."
    )
    assert ticket_words_en("1005") == "1005"
    assert ticket_words_en("A1-U007") == "A 1, U 0 0 7"


def test_a_recall_says_it_is_a_repeat() -> None:
    assert recall_phrase("B2-124", "12") == (
        "Xin nhắc lại. Mời công dân có số bê hai, một trăm hai mươi tư, đến quầy số mười hai."
    )
    assert recall_phrase("B2-124", 3, "en").startswith("Once again. Ticket number B 2, 1 2 4")


def test_counters_are_numbers_with_letters_by_name() -> None:
    assert counter_words(21) == "hai mươi mốt"
    assert counter_words("3B") == "ba bê"
    with pytest.raises(ValueError, match="cannot be read aloud"):
        counter_words("3#")


def test_the_style_reaches_the_call() -> None:
    phrase = call_phrase("A1-105", 2, style=NumberStyle(zero_tens="lẻ"))
    assert "một trăm lẻ năm" in phrase


def test_a_call_utterance_has_the_chime_unless_switched_off() -> None:
    assert call_utterance("A1-005", 2) == Utterance(call_phrase("A1-005", 2), "vi", chime=True)
    assert not call_utterance("A1-005", 2, chime=False).chime
    assert call_utterance("A1-005", 2, recall=True).text == recall_phrase("A1-005", 2)


# ---------------------------------------------------------------- sound


def tone(seconds: float, rate: int = 16000, level: int = 8000) -> bytes:
    """A 440 Hz sine."""
    count = round(seconds * rate)
    samples = array.array(
        "h", (round(level * math.sin(2 * math.pi * 440 * i / rate)) for i in range(count))
    )
    return write_wav(Pcm(rate, samples))


def test_the_chime_is_two_tones_of_about_a_second_that_start_and_end_quietly() -> None:
    sound = chime(22050)
    stats = measure(sound)
    assert stats.duration == pytest.approx(0.8, abs=0.001)
    assert 0.49 <= stats.peak <= 0.51
    levels = window_rms(read_wav(sound), 0.02)
    assert levels[0] < levels[1]  # a rise, not a click
    assert levels[-1] < levels[1] / 4  # faded out
    # The second tone strikes at 0.32 s: the loudness jumps up again there.
    assert levels[17] > levels[15]


def test_joining_resamples_to_the_first_rate_and_puts_the_gap_between() -> None:
    joined = read_wav(join_wavs([tone(0.5, 22050), tone(1.0, 16000)], gap_seconds=0.25))
    assert joined.rate == 22050
    assert joined.duration == pytest.approx(1.75, abs=0.001)
    levels = window_rms(joined, 0.05)
    assert levels[12] == 0.0  # inside the gap (0.5-0.75 s)
    # A sine of peak 8000 has an RMS of 8000 / sqrt(2) / 32767 = 0.173, before and after.
    assert levels[5] == pytest.approx(0.173, abs=0.002)
    assert levels[20] == pytest.approx(0.173, abs=0.002)


def test_resampling_keeps_the_length_in_seconds() -> None:
    sound = read_wav(tone(1.0, 16000))
    assert resample(sound, 22050).duration == pytest.approx(1.0, abs=0.001)
    assert resample(sound, 16000).samples == sound.samples


def test_volume_scales_the_samples() -> None:
    loud = tone(0.1)
    assert measure(scale_volume(loud, 50)).peak == pytest.approx(measure(loud).peak / 2, rel=0.01)
    assert scale_volume(loud, 100) is loud
    with pytest.raises(ValueError, match="outside"):
        scale_volume(loud, 101)


def test_silence_measures_as_silence_and_garbage_is_not_a_wav() -> None:
    stats = measure(write_wav(silence(0.3, 8000)))
    assert (stats.duration, stats.rms, stats.peak) == (0.3, 0.0, 0.0)
    with pytest.raises(WavError):
        read_wav(b"RIFF nonsense")


# ---------------------------------------------------------------- renderer


def test_the_renderer_caches_by_voice_and_text() -> None:
    engine = FakeSpeechEngine()
    renderer = SpeechRenderer(engine)
    first = renderer.render(Utterance("xin chào"))
    again = renderer.render(Utterance("xin chào"))
    english = renderer.render(Utterance("xin chào", "en"))
    assert first is again
    assert english is not first
    assert engine.calls == [("xin chào", "vi"), ("xin chào", "en")]
    assert (renderer.cache.hits, renderer.cache.misses) == (1, 2)


def test_another_voice_never_replays_an_old_sound() -> None:
    cache = SpeechCache()
    SpeechRenderer(FakeSpeechEngine(voice="one"), cache=cache).render(Utterance("chào"))
    other = FakeSpeechEngine(voice="two")
    SpeechRenderer(other, cache=cache).render(Utterance("chào"))
    assert other.calls == [("chào", "vi")]


def test_the_chime_comes_first_then_a_pause_then_the_voice() -> None:
    renderer = SpeechRenderer(FakeSpeechEngine())
    plain = measure(renderer.render(Utterance("a" * 100)))
    chimed = renderer.render(Utterance("a" * 100, chime=True))
    assert measure(chimed).duration == pytest.approx(plain.duration + 0.8 + 0.15, abs=0.001)
    levels = window_rms(read_wav(chimed), 0.05)
    assert levels[0] > 0.05  # the chime
    assert levels[16] < 0.02  # its fade and the gap, 0.8-0.95 s
    assert levels[-2] > 0.1  # the voice


def test_the_volume_is_applied_and_part_of_the_key() -> None:
    cache = SpeechCache()
    full = SpeechRenderer(FakeSpeechEngine(), cache=cache).render(Utterance("chào"))
    half = SpeechRenderer(FakeSpeechEngine(), cache=cache, volume_percent=50).render(
        Utterance("chào")
    )
    assert measure(half).peak == pytest.approx(measure(full).peak / 2, rel=0.01)


def test_the_cache_drops_the_least_recently_used_past_its_size() -> None:
    cache = SpeechCache(max_bytes=250)
    keys = [("e", "v", "vi", str(n), False, 100) for n in range(3)]
    cache.put(keys[0], b"0" * 100)
    cache.put(keys[1], b"1" * 100)
    assert cache.get(keys[0]) is not None  # 0 is now the most recent
    cache.put(keys[2], b"2" * 100)
    assert cache.get(keys[1]) is None
    assert cache.get(keys[0]) == b"0" * 100
    cache.put(keys[1], b"x" * 300)  # larger than the cache: not kept
    assert len(cache) == 2


def test_an_engine_failure_becomes_a_speech_error_and_nothing_is_cached() -> None:
    engine = FakeSpeechEngine(fail=RuntimeError("segfault"))
    renderer = SpeechRenderer(engine)
    with pytest.raises(SpeechError, match="fake failed: segfault"):
        renderer.render(Utterance("chào"))
    engine.fail = None
    renderer.render(Utterance("chào"))
    assert len(engine.calls) == 2


def test_an_engine_that_returns_no_wav_is_a_speech_error() -> None:
    engine = FakeSpeechEngine()
    engine.render = lambda text, language: b"not a wav"  # type: ignore[method-assign]
    with pytest.raises(SpeechError, match="not a PCM WAV"):
        SpeechRenderer(engine).render(Utterance("chào"))


def test_an_empty_text_is_not_sent_to_the_engine() -> None:
    engine = FakeSpeechEngine()
    with pytest.raises(SpeechError, match="empty"):
        SpeechRenderer(engine).render(Utterance("  "))
    assert engine.calls == []


def test_no_voice_says_why_and_renders_nothing() -> None:
    engine = UnavailableSpeechEngine.not_configured()
    assert engine.status().state is SpeechState.DISABLED
    assert not engine.status().state.can_speak
    with pytest.raises(SpeechUnavailableError, match=r"speech\.engine = none"):
        SpeechRenderer(engine).render(Utterance("chào"))


def test_submit_renders_on_the_renderers_thread() -> None:
    seen: list[str] = []
    engine = FakeSpeechEngine()
    original = engine.render

    def render(text: str, language: str) -> bytes:
        seen.append(threading.current_thread().name)
        return original(text, language)  # type: ignore[arg-type]

    engine.render = render  # type: ignore[method-assign]
    renderer = SpeechRenderer(engine)
    try:
        sound = renderer.submit(Utterance("chào")).result(timeout=5)
        failed = renderer.submit(Utterance(""))
        with pytest.raises(SpeechError):
            failed.result(timeout=5)
    finally:
        renderer.close()
    assert measure(sound).duration > 0
    assert seen[0].startswith("speech") and seen[0] != threading.current_thread().name


# ---------------------------------------------------------------- announcer


@pytest.fixture
def reports() -> list[Report]:
    return []


def make_announcer(
    output: FakeAudioOutput, reports: list[Report], engine: FakeSpeechEngine | None = None
) -> Announcer:
    return Announcer(SpeechRenderer(engine or FakeSpeechEngine()), output, on_report=reports.append)


def test_announcements_play_in_order_one_at_a_time(reports: list[Report]) -> None:
    output = FakeAudioOutput()
    announcer = make_announcer(output, reports)
    for text in ("một", "hai", "ba"):
        announcer.say(Utterance(text))
    assert announcer.wait_idle(5)
    announcer.close()
    assert [(r.utterance.text, r.outcome) for r in reports] == [
        ("một", Outcome.PLAYED), ("hai", Outcome.PLAYED), ("ba", Outcome.PLAYED)
    ]
    assert len(output.played) == 3
    assert output.most_at_once == 1


def test_a_recall_replays_the_same_sound_from_the_cache(reports: list[Report]) -> None:
    output = FakeAudioOutput()
    engine = FakeSpeechEngine()
    announcer = make_announcer(output, reports, engine)
    announcer.say(call_utterance("A1-005", 2))
    announcer.say(call_utterance("A1-005", 2))
    assert announcer.wait_idle(5)
    announcer.close()
    assert output.played[0] is output.played[1]
    assert len(engine.calls) == 1


def test_stop_cuts_the_sound_and_drops_what_waits(reports: list[Report]) -> None:
    output = FakeAudioOutput(hold=True)
    announcer = make_announcer(output, reports)
    announcer.say(Utterance("tiêu đề màn hình"))
    announcer.say(Utterance("danh sách giấy tờ"))
    assert output.started.wait(5)
    announcer.stop()
    assert announcer.wait_idle(5)
    announcer.close()
    assert [(r.utterance.text, r.outcome) for r in reports] == [
        ("danh sách giấy tờ", Outcome.STOPPED), ("tiêu đề màn hình", Outcome.STOPPED)
    ]
    assert output.finished == [False]


def test_an_interrupting_announcement_replaces_the_one_being_said(reports: list[Report]) -> None:
    output = FakeAudioOutput(hold=True)
    announcer = make_announcer(output, reports)
    announcer.say(Utterance("cũ"))
    assert output.started.wait(5)
    announcer.say(Utterance("mới"), interrupt=True)
    assert announcer.wait_idle(0.05) is False  # "mới" is being held
    output.release()
    assert announcer.wait_idle(5)
    announcer.close()
    assert [(r.utterance.text, r.outcome) for r in reports] == [
        ("cũ", Outcome.STOPPED), ("mới", Outcome.PLAYED)
    ]
    assert output.most_at_once == 1


def test_a_render_failure_is_reported_and_the_next_one_is_said(reports: list[Report]) -> None:
    output = FakeAudioOutput()
    announcer = make_announcer(output, reports)
    announcer.say(Utterance(""))
    announcer.say(Utterance("chào"))
    assert announcer.wait_idle(5)
    announcer.close()
    assert [(r.outcome, r.detail) for r in reports] == [
        (Outcome.RENDER_FAILED, "nothing to say: the text is empty"), (Outcome.PLAYED, "")
    ]


def test_a_loudspeaker_failure_is_reported_not_raised(reports: list[Report]) -> None:
    output = FakeAudioOutput(fail=OSError("no sound card"))
    announcer = make_announcer(output, reports)
    announcer.say(Utterance("chào"))
    assert announcer.wait_idle(5)
    announcer.close()
    assert [(r.outcome, r.detail) for r in reports] == [(Outcome.PLAY_FAILED, "no sound card")]


def test_a_closed_announcer_refuses_more(reports: list[Report]) -> None:
    announcer = make_announcer(FakeAudioOutput(), reports)
    announcer.close()
    with pytest.raises(RuntimeError, match="closed"):
        announcer.say(Utterance("chào"))


def test_a_voice_bug_does_not_end_the_announcer(reports: list[Report]) -> None:
    engine = FakeSpeechEngine()
    engine.voice_id = lambda language: 1 / 0  # type: ignore[assignment, method-assign]
    output = FakeAudioOutput()
    announcer = make_announcer(output, reports, engine)
    announcer.say(Utterance("chào"))
    assert announcer.wait_idle(5)
    engine.voice_id = lambda language: "fixed"  # type: ignore[assignment, method-assign]
    announcer.say(Utterance("chào"))
    assert announcer.wait_idle(5)
    announcer.close()
    assert [(r.outcome, r.detail) for r in reports] == [
        (Outcome.RENDER_FAILED, "division by zero"), (Outcome.PLAYED, "")
    ]
