"""Technician mode, as the kiosk app runs it: the hidden entry, the PIN pad, the
technician's own worker, and leaving.

Hold the top bar's right corner on the welcome screen for 5 s, or scan a technician card;
then the PIN. One :class:`~kiosk.kiosk_mode.KioskMode` says where the kiosk is: the
technician worker is opened at the PIN pad (the PIN check, the diagnosis, a sync round and
settings run there) and stopped when the technician leaves, in whatever way (Home, Back,
the idle wipe); answers asked for a technician who left are dropped by the app's bridge.

A part of :class:`screens.app.KioskApp` (a mixin, as Kivy's behaviours are): the .kv files
bind ``app.technician_active`` and call ``app.do_open_technician_entry``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from kivy.properties import AliasProperty, ObjectProperty

from kiosk.kiosk_mode import TECHNICIAN_MODES, KioskMode
from kiosk.sd_notify import restart_if_supervised
from kiosk.worker_bridge import AnswerFor
from screens.screen_registry import TECHNICIAN_SCREENS
from screens.workers import open_technician_worker

if TYPE_CHECKING:
    from kivy.uix.screenmanager import ScreenManager

    from kiosk.background import Worker
    from kiosk.config import Config
    from kiosk.technician import TechnicianDesk
    from kiosk.worker_bridge import WorkerBridge
    from screens.base import KioskScreen
    from screens.idle_prompt import IdleWatch

log = logging.getLogger(__name__)

T = TypeVar("T")


class TechnicianMode:
    """Technician mode's side of :class:`~screens.app.KioskApp` (see the module docstring)."""

    #: Whom the kiosk serves now (a :class:`KioskMode`).
    mode = ObjectProperty(KioskMode.CITIZEN)
    #: A technician has entered the PIN and not left yet (the top bar says so).
    technician_active = AliasProperty(
        lambda self: self.mode is KioskMode.TECHNICIAN, bind=["mode"], cache=True
    )

    if TYPE_CHECKING:  # what the app holds and does, used here
        kiosk_config: Config
        wall_clock: Callable[[], float]
        bridge: WorkerBridge
        idle: IdleWatch
        manager: ScreenManager | None
        technician_worker: Worker[TechnicianDesk] | None
        _history: list[str]

        def do_go(self, name: str, **params: Any) -> None: ...
        def do_start_over(self) -> None: ...
        def _screen(self, name: str) -> KioskScreen: ...
        def _switch(self, name: str) -> None: ...
        def stop(self, *largs: object) -> None: ...

    def do_open_technician_entry(self) -> None:
        """The hidden entry was used (long press, technician card): ask for the PIN."""
        if self.mode in TECHNICIAN_MODES:
            return
        log.info("technician entry opened")
        self.technician_worker = open_technician_worker(self.kiosk_config, self.wall_clock)
        self.mode = KioskMode.TECHNICIAN_PIN
        self.idle.close()
        self.do_go("technician_pin")

    def ask_technician(
        self,
        job: Callable[[TechnicianDesk], T],
        on_done: Callable[[T], None],
        *,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run ``job`` on the technician worker; its answer is dropped once the
        technician has left (a new technician would otherwise see it)."""
        self.bridge.submit(
            self.technician_worker, job, on_done,
            answer_for=AnswerFor.TECHNICIAN, on_error=on_error,
        )  # fmt: skip

    def enter_technician_mode(self) -> None:
        """The PIN was accepted: the technician screen, Back no longer leads to the PIN."""
        self.mode = KioskMode.TECHNICIAN
        self._history = ["welcome"]
        self._screen("technician").show()
        self._switch("technician")

    def do_leave_technician_mode(self) -> None:
        """The technician is done: wipe everything and show the welcome screen."""
        log.info("technician mode left")
        self.do_start_over()

    def _end_technician_mode(self) -> None:
        worker, self.technician_worker = self.technician_worker, None
        self.bridge.technician_left()
        self.mode = KioskMode.CITIZEN
        assert self.manager is not None
        for name in TECHNICIAN_SCREENS:
            if self.manager.has_screen(name):
                self.manager.get_screen(name).do_reset()
        if worker is not None:
            # Not joined: a sync round may still be waiting on the network, and the UI
            # thread never waits. The worker closes its connection when that job ends.
            worker.stop(timeout=0)

    def do_restart_app(self) -> bool:
        """Stop the app cleanly so systemd starts it again; False when nothing would
        (see :func:`kiosk.sd_notify.restart_if_supervised`)."""
        return restart_if_supervised(self.stop)
