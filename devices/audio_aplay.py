"""Playing sound through ALSA with ``aplay`` (Debian package ``alsa-utils``).

Each sound is one ``aplay -q -D DEVICE -`` run with the WAV on standard input; a stop
ends the process at once. A process per sound keeps a stuck sound card from hanging the
announcer: the process is killed, the next sound starts a fresh one.
"""

from __future__ import annotations

import shutil
import subprocess
import threading

#: How often a playing sound looks at its stop event.
POLL_SECONDS = 0.02


class AplayOutput:
    """:class:`kiosk.announcer.AudioOutput` playing through ``aplay``."""

    def __init__(self, device: str = "default", *, binary: str = "aplay") -> None:
        self.device = device
        self.binary = binary

    @property
    def description(self) -> str:
        """The ALSA device."""
        return f"ALSA device {self.device} (aplay)"

    def available(self) -> str | None:
        """Why sound cannot be played (aplay missing), or None."""
        if shutil.which(self.binary) is None:
            return f"{self.binary} is not installed (Debian package alsa-utils)"
        return None

    def play(self, wav: bytes, stop: threading.Event) -> bool:
        """Play ``wav``; True when it played to its end, False when ``stop`` cut it short.

        Raises OSError when aplay cannot start, RuntimeError when it fails (no sound card).
        """
        if stop.is_set():
            return False
        process = subprocess.Popen(  # noqa: S603 - a fixed program, the sound on stdin
            [self.binary, "-q", "-D", self.device, "-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        feeder = threading.Thread(target=_feed, args=(process, wav), daemon=True)
        feeder.start()
        while process.poll() is None:
            if stop.wait(POLL_SECONDS):
                process.kill()
                process.wait()
                feeder.join()
                return False
        feeder.join()
        assert process.stderr is not None
        error = process.stderr.read().decode("utf-8", "replace").strip()
        process.stderr.close()
        if process.returncode != 0:
            raise RuntimeError(f"aplay exited {process.returncode}: {error}")
        return True


def _feed(process: subprocess.Popen[bytes], wav: bytes) -> None:
    """Write the sound to aplay (a thread: a long sound fills the pipe while it plays)."""
    assert process.stdin is not None
    try:
        process.stdin.write(wav)
        process.stdin.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # aplay ended (stopped, or failed: its exit status says so)
