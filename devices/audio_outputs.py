"""Where the kiosk's sound goes, from ``speech.output``: one table, like the printers'.

``alsa`` plays through ``aplay`` on the device the technician chose (the loudspeaker's, or
the headphone jack's in headphone mode: :class:`kiosk.kiosk_voice.AudioRoute`); ``file``
saves each sound as a WAV (demo mode, listening checks); ``none`` is no output at all.
"""

from __future__ import annotations

from devices.audio_aplay import AplayOutput
from devices.audio_file import FileAudioOutput
from kiosk.announcer import AudioOutput
from kiosk.config import Config
from kiosk.kiosk_voice import AudioRoute


def build_audio_output(config: Config) -> AudioOutput | None:
    """The output ``speech.output`` names (None for ``none``)."""
    output = config.text("speech.output")
    if output == "file":
        return FileAudioOutput.from_config(config)
    if output == "alsa":
        return AplayOutput(AudioRoute.from_config(config).device)
    return None
