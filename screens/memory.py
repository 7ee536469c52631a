"""Memory the kiosk app gives back: label pixels Kivy keeps, a journey's garbage, free pages.

Measured with ``bench/ui_bench.py`` (and heaptrack), three things held memory for nothing:

* Kivy's SDL2 text provider keeps, in every label, the SDL surface the text was drawn on,
  until that label is drawn again, though the pixels were copied into the label's texture.
  With every screen built at start that is a second copy of all the text on all screens
  (about 33 MB). :func:`release_label_surfaces` drops the surface once its pixels are
  taken, as Kivy's own pygame text provider does.
* A journey leaves Kivy widgets in reference cycles (the rows of each search's results,
  some 40,000 objects) that only Python's full collection frees, and it runs when the
  counts say, in the middle of a citizen's journey as often as not.
* The C heap keeps the pages a journey freed for later instead of handing them back
  (about 30 MB after each journey).

:func:`give_back_memory` runs the full collection and hands the free pages back; the app
calls it when a session is wiped, when the citizen has left or just said "I am finished"
and the welcome screen is already up. Measured on the bench (x86, 14 journeys, two runs):
about 0.2 s (nearly all of it the collection, which Python otherwise runs at some moment of
a journey), and some 50 MB less resident after each journey; without it the figure drifts up.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from typing import Any

_released = False


def release_label_surfaces() -> None:
    """Have Kivy's SDL2 labels free their drawing surface after each render (once per process)."""
    global _released  # noqa: PLW0603 - a process-wide switch, set once
    if _released:
        return
    _released = True
    try:
        from kivy.core.text.text_sdl2 import LabelSDL2  # noqa: PLC0415
    except ImportError:  # another text provider: nothing kept to release
        return
    if not callable(getattr(LabelSDL2, "_render_end", None)):
        return  # a Kivy whose SDL2 label works otherwise: leave it as it is

    def _render_end(self: Any) -> Any:
        surface, self._surface = self._surface, None
        return surface.get_data()  # a copy of the pixels; the surface goes with this frame

    LabelSDL2._render_end = _render_end


def _load_malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None


_malloc_trim = _load_malloc_trim()


def trim_heap() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def give_back_memory() -> None:
    """Free a journey's garbage (Python's full collection), then the heap's free pages."""
    gc.collect()
    trim_heap()
