"""The simulated code reader, selected by configuration only: tests and demo mode.

:class:`FakeCodeReader` (``scanner.driver = "fake"``) delivers the texts it is fed, records
what was done to it and can be told to fail, so that the unhappy paths have tests. It loads
no camera library: the demo runs with what a kiosk with a USB scanner loads. The camera of
pictures in a folder (``scanner.driver = "images"``) is in ``devices/image_folder_reader.py``.
"""

from __future__ import annotations

import queue
from collections.abc import Sequence
from typing import Self

from kiosk.config import Config
from kiosk.reading import ReaderError


class FakeCodeReader:
    """A reader that reads what it is fed; records opens, reads and closes.

    Set ``fail_open``, ``fail_read`` or ``fail_close`` to a message to make that call raise
    :class:`~kiosk.reading.ReaderError` with it; set it back to None to heal the device.
    """

    def __init__(self, *, description: str = "simulated scanner") -> None:
        self.description = description
        self.fail_open: str | None = None
        self.fail_read: str | None = None
        self.fail_close: str | None = None
        self.is_open = False
        self.opens = 0
        self.reads = 0
        self.closes = 0
        self._fed: queue.SimpleQueue[str] = queue.SimpleQueue()

    @classmethod
    def from_config(cls, config: Config) -> Self:
        """The demo reader (the configuration has nothing for it)."""
        del config
        return cls(description="simulated scanner (demo)")

    def feed(self, *texts: str) -> None:
        """Have the reader read ``texts``, as if scanned one after the other."""
        for text in texts:
            self._fed.put(text)

    def describe(self) -> str:
        """The description given."""
        return self.description

    def known_limits(self) -> str | None:
        """None: it reads exactly what it is fed."""
        return None

    def open(self) -> None:
        """Open, or fail as told."""
        self.opens += 1
        if self.fail_open is not None:
            raise ReaderError(self.fail_open)
        self.is_open = True

    def read(self, timeout: float) -> Sequence[str]:
        """Everything fed so far (waiting up to ``timeout`` when nothing was), or fail."""
        self.reads += 1
        if self.fail_read is not None:
            raise ReaderError(self.fail_read)
        texts: list[str] = []
        try:
            texts.append(self._fed.get(timeout=timeout) if timeout > 0 else self._fed.get_nowait())
            while True:
                texts.append(self._fed.get_nowait())
        except queue.Empty:
            pass
        return texts

    def close(self) -> None:
        """Close, or fail as told (the device then stays open)."""
        self.closes += 1
        if self.fail_close is not None:
            raise ReaderError(self.fail_close)
        self.is_open = False
