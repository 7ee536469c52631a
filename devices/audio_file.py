"""Sound saved as WAV files instead of played: demo mode and listening checks.

Like the file printer, this is a configured output (``speech.output = "file"``), never a
stand-in for a missing sound card: each sound is written whole to the data directory's
``spoken/`` folder under a growing number, so a person can listen to exactly what the kiosk
would have said, in order.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

from kiosk.config import Config

#: The folder, inside the data directory, that the sounds are written to.
SPOKEN_DIR = "spoken"


class FileAudioOutput:
    """:class:`kiosk.announcer.AudioOutput` writing each sound to ``folder/NNNNNN.wav``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        existing = [int(path.stem) for path in folder.glob("*.wav") if path.stem.isdigit()]
        self._numbers = itertools.count(max(existing, default=0) + 1)
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Config) -> FileAudioOutput:
        """The output for ``speech.output = "file"``: the data directory's spoken/ folder."""
        return cls(config.data_dir / SPOKEN_DIR)

    @property
    def description(self) -> str:
        """Where the sounds go."""
        return f"WAV files in {self.folder}"

    def available(self) -> str | None:
        """Why sounds cannot be saved (the folder cannot be made or written), or None."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return f"cannot create {self.folder}: {error.strerror}"
        probe = self.folder / ".writable"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            return f"cannot write in {self.folder}: {error.strerror}"
        return None

    def play(self, wav: bytes, stop: threading.Event) -> bool:
        """Save ``wav`` as the next numbered file; nothing is saved once ``stop`` is set."""
        if stop.is_set():
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            path = self.folder / f"{next(self._numbers):06d}.wav"
        partial = path.with_suffix(".part")
        partial.write_bytes(wav)
        partial.replace(path)  # whole or not at all: a listener never opens half a sound
        return True
