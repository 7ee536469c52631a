"""Driving the kiosk app without a person: for the headless tour, the tests and the bench.

:class:`AppDriver` runs the app inside the current process on Kivy's window (offscreen
when there is no display: ``SDL_VIDEODRIVER=offscreen``), pumps frames itself instead of
entering Kivy's main loop, waits for the background workers, touches widgets through
real touch events (down and up at the widget's centre, as a finger would) and takes
screenshots. Time for the idle timer comes from a clock the driver moves.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

#: The window is created this large so that both orientations fit in its framebuffer
#: (an offscreen SDL window cannot grow after it was created).
WINDOW_SIDE = 1920
PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)
#: Longer than the delay after which a scroll view hands a tap to the row under it.
SCROLL_TAP_DELAY = 0.3
#: Longer than the screens' search-as-you-type delay, so a search after typing has run.
TYPING_PAUSE = 0.4
#: Longer than a long-press area's check interval, so a held finger has been noticed.
HOLD_NOTICE_DELAY = 0.3


def prepare_headless_environment(kivy_home: Path | None = None) -> None:
    """Environment for Kivy without a display; call before anything imports Kivy.

    Kivy's SDL2 window on SDL's offscreen video driver renders with Mesa's software
    OpenGL: no X server is needed. Values already set by the caller are kept.
    """
    os.environ.setdefault("KIVY_WINDOW", "sdl2")
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    prepare_kivy_environment(kivy_home)


def prepare_kivy_environment(kivy_home: Path | None = None) -> None:
    """What every start of the kiosk app sets before Kivy is imported.

    No command-line parsing by Kivy (the ``kiosk`` command has its own), no log file per
    start, and Kivy's own settings directory in the data directory (the kiosk's home is
    read-only under systemd).
    """
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    if kivy_home is not None and "KIVY_HOME" not in os.environ:
        kivy_home.mkdir(parents=True, exist_ok=True)
        os.environ["KIVY_HOME"] = str(kivy_home)


class ManualClock:
    """Seconds that pass only when told to (for the idle timer)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass."""
        self.now += seconds


def configure_window(size: tuple[int, int] = (WINDOW_SIDE, WINDOW_SIDE)) -> None:
    """Set the window's size before it is created (Kivy's graphics settings)."""
    from kivy.config import Config as KivyConfig  # noqa: PLC0415

    KivyConfig.set("graphics", "width", str(size[0]))
    KivyConfig.set("graphics", "height", str(size[1]))
    KivyConfig.set("graphics", "resizable", "1")
    KivyConfig.set("kivy", "exit_on_escape", "0")


class AppDriver:
    """Runs a :class:`~screens.app.KioskApp` frame by frame (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        from kivy.base import EventLoop  # noqa: PLC0415

        EventLoop.ensure_window()
        self.loop = EventLoop
        self.window = EventLoop.window
        self.app = app
        self.root = app.build()
        self.window.add_widget(self.root)
        app.start_services()
        self.settle()

    # -- time and frames ----------------------------------------------------------------

    def frames(self, count: int = 1) -> None:
        """Run ``count`` frames: clock callbacks, input, drawing."""
        for _ in range(count):
            self.loop.idle()

    def settle(self, timeout: float = 10.0) -> None:
        """Run frames until the workers are idle and no callback is waiting.

        An answer handed to the UI thread may start more work (the technician screen asks
        the print worker, then its own worker): settled means every worker idle, no answer
        waiting for the UI thread, and no screen still being built, after the frames.
        """
        from screens.workers import deliveries_waiting  # noqa: PLC0415

        deadline = time.monotonic() + timeout
        while True:
            self.frames(2)
            for worker in self.app.workers:
                if not worker.wait_idle(0):
                    worker.wait_idle(max(0.0, deadline - time.monotonic()))
            self.frames(2)
            busy = (
                self.app.screens_pending
                or deliveries_waiting() > 0
                or any(not worker.wait_idle(0) for worker in self.app.workers)
            )
            if not busy or time.monotonic() > deadline:
                return

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Run frames until ``condition()`` holds; False if it did not within ``timeout``."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            self.settle(timeout=max(0.1, deadline - time.monotonic()))
            time.sleep(0.01)
        return True

    # -- touching -----------------------------------------------------------------------

    def tap(self, widget: Any, *, settle: bool = True) -> None:
        """Touch ``widget`` at its centre with one finger, as a citizen would.

        Then wait for the work it started, unless ``settle`` is False (frame-time probes).
        """
        from kivy.tests.common import UnitTestTouch  # noqa: PLC0415

        assert widget.get_root_window() is not None, f"{widget!r} is not on screen"
        assert not widget.disabled, f"{widget!r} is disabled"
        x, y = widget.to_window(*widget.center)
        self._check_visible(widget, x, y)
        touch = UnitTestTouch(x, y)
        # Down and up with no frame between: a timer in that frame (a passing message
        # going away) would move the widget from under the finger, and a button lifted
        # off outside itself is not pressed. The tour missed taps that way.
        touch.touch_down()
        touch.touch_up()
        if _in_scroll_view(widget):
            # A scroll view passes a tap on to its rows 0.2 s after the finger lifts
            # (it waits to see whether the touch was a scroll).
            self.pause(SCROLL_TAP_DELAY) if settle else self.frames(1)
        elif settle:
            self.settle()

    def hold(self, widget: Any, seconds: float, clock: ManualClock) -> None:
        """Hold a finger on ``widget`` for ``seconds`` of ``clock`` (the app's), then lift it.

        The clock is moved while the finger is down and frames run long enough for the
        widget to notice (it checks a few times a second), so no real seconds pass.
        """
        from kivy.tests.common import UnitTestTouch  # noqa: PLC0415

        assert widget.get_root_window() is not None, f"{widget!r} is not on screen"
        x, y = widget.to_window(*widget.center)
        self._check_visible(widget, x, y)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        clock.advance(seconds)
        self.pause(HOLD_NOTICE_DELAY)
        touch.touch_up()
        self.settle()

    @staticmethod
    def _check_visible(widget: Any, x: float, y: float) -> None:
        """A finger can only touch what is shown: not what a scroll view has clipped."""
        from kivy.uix.stencilview import StencilView  # noqa: PLC0415

        parent = widget.parent
        while parent is not None and parent is not parent.parent:
            if isinstance(parent, StencilView):
                left, bottom = parent.to_window(parent.x, parent.y)
                if not (left <= x <= left + parent.width and bottom <= y <= bottom + parent.height):
                    raise AssertionError(f"{widget!r} is scrolled out of sight")
            parent = parent.parent

    def tap_id(self, name: str, screen: Any | None = None) -> None:
        """Touch the widget with id ``name`` on the current screen (or the frame around it)."""
        self.tap(self.find(name, screen))

    def find(self, name: str, screen: Any | None = None) -> Any:
        """The widget with id ``name`` on ``screen`` (default: the current one) or the root."""
        holder = screen if screen is not None else self.app.current_screen
        if name in holder.ids:
            return holder.ids[name]
        if name in self.root.ids:
            return self.root.ids[name]
        raise KeyError(f"no widget with id {name!r} on {holder.name} or the root")

    def tap_text(self, text: str) -> None:
        """Touch the visible button whose text is ``text`` (in the current language)."""
        for widget in self.walk():
            if (
                getattr(widget, "text", None) == text
                and hasattr(widget, "trigger_action")
                and widget.get_root_window() is not None
                and widget.opacity > 0
            ):
                self.tap(widget)
                return
        raise LookupError(f"no button says {text!r}")

    def type(self, keys: str, keyboard: Any | None = None) -> None:
        """Type ``keys`` on the current screen's on-screen keyboard by touching its keys."""
        board = keyboard if keyboard is not None else self.find("keyboard")
        for char in keys:
            if char == " ":
                keys_to_touch = ["space"]
            elif self._has_key(board, char):
                keys_to_touch = [char]  # the code pad has capitals of its own
            elif char.isupper():
                keys_to_touch = ["shift", char.lower()]
            else:
                keys_to_touch = [char.upper()]
            for key in keys_to_touch:
                # A key press does its work at once; the searches it triggers are waited
                # for once, after the last key.
                self.tap(self._key(board, key), settle=False)
                self.frames(1)
        self.pause(TYPING_PAUSE)

    def pause(self, seconds: float) -> None:
        """Let ``seconds`` of real time pass with frames running (screens' short delays)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.frames(1)
            time.sleep(0.01)
        self.settle()

    @staticmethod
    def _has_key(board: Any, key: str) -> bool:
        return any(getattr(b, "key", None) == key for row in board.children for b in row.children)

    @staticmethod
    def _key(board: Any, key: str) -> Any:
        for row in board.children:
            for button in row.children:
                if getattr(button, "key", None) == key:
                    return button
        raise LookupError(f"the keyboard has no key {key!r}")

    # -- looking ------------------------------------------------------------------------

    def walk(self) -> Iterator[Any]:
        """Every widget in the window (screens, bars, popups)."""
        for child in list(self.window.children):
            yield from child.walk(restrict=True)

    def texts(self) -> list[str]:
        """Every text a widget in the window holds (shown or not)."""
        found = []
        for widget in self.walk():
            for name in ("text", "value", "title", "subtitle", "detail", "placeholder"):
                value = getattr(widget, name, None)
                if isinstance(value, str) and value:
                    found.append(value)
        return found

    def screenshot(self, path: Path, size: tuple[int, int]) -> Path:
        """Lay the app out at ``size`` and save what the window shows to ``path`` (PNG)."""
        self.window.size = size
        self.settle()
        self.frames(3)
        written = Path(self.window.screenshot(str(path)))
        # Kivy numbers screenshots (name0001.png); keep the name asked for.
        written.replace(path)
        return path

    def close(self) -> None:
        """Stop the app's workers and devices and take its widgets off the window."""
        # on_stop (not App.stop, which would close the window): the app shuts down and
        # the .kv files' ``app`` lets go of it, so a next app in this process is the one
        # they talk to.
        self.app.dispatch("on_stop")
        for child in list(self.window.children):
            self.window.remove_widget(child)
        self.frames(1)


def _in_scroll_view(widget: Any) -> bool:
    from kivy.uix.scrollview import ScrollView  # noqa: PLC0415

    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, ScrollView):
            return True
        parent = parent.parent
    return False
