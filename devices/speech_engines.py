"""The voice built from the configuration, through one engine -> module table.

``speech.engine`` names the engine. Each module has ``from_config(config) ->
SpeechEngine``: it checks its own program and voice files and returns an
:class:`~kiosk.speech.UnavailableSpeechEngine` saying what is missing. :func:`build_engine`
never fails: an engine that cannot be built is that stand-in, a fault to show, never
replaced by another voice. ``none`` is an engine too: the silent stand-in, DISABLED.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import cast

from kiosk.config import Config
from kiosk.speech import SpeechEngine, SpeechRenderer, UnavailableSpeechEngine
from kiosk.speech_fakes import FakeSpeechEngine

log = logging.getLogger(__name__)

#: ``speech.engine`` -> the module whose ``from_config(config)`` builds it.
SPEECH_ENGINES: Mapping[str, str] = MappingProxyType(
    {
        "espeak": "devices.speech_espeak",
        "piper": "devices.speech_piper",
        "fake": "devices.speech_engines",
        "none": "devices.speech_engines",
    }
)


def from_config(config: Config) -> SpeechEngine:
    """The engines this module stands for: ``fake`` (a tone per text) and ``none``."""
    if config.text("speech.engine") == "fake":
        return FakeSpeechEngine()
    return UnavailableSpeechEngine.not_configured()


def build_engine(config: Config) -> SpeechEngine:
    """The voice ``speech.engine`` names, or the stand-in saying why there is none."""
    engine = config.text("speech.engine")
    module_name = SPEECH_ENGINES.get(engine)
    if module_name is None:
        return UnavailableSpeechEngine(
            f"unknown speech engine {engine!r}; known: {', '.join(SPEECH_ENGINES)}"
        )
    try:
        module = importlib.import_module(module_name)
        factory = cast("Callable[[Config], SpeechEngine]", module.from_config)
        return factory(config)
    except Exception as error:
        log.exception("speech engine %s could not be built", engine)
        return UnavailableSpeechEngine(f"speech engine {engine!r} could not be built: {error}")


def build_renderer(config: Config) -> SpeechRenderer:
    """A renderer with the configured voice at ``speech.volume``."""
    return SpeechRenderer(build_engine(config), volume_percent=config.number("speech.volume"))
