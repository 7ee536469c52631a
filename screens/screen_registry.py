"""The kiosk's screens: which there are, and building each the first time it is needed.

A screen's module is imported and its ``.kv`` file loaded only when the screen is first
shown, or in the background once the first frame is up (one screen per frame, so that no
touch waits for one): the kiosk draws its welcome screen fast.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.uix.screenmanager import ScreenManager

from screens.base import KioskScreen

#: name -> "module:Class" of every screen; a screen is built the first time it is needed.
SCREENS: dict[str, str] = {
    "welcome": "screens.welcome:WelcomeScreen",
    "procedures": "screens.procedures:ProceduresScreen",
    "procedure": "screens.procedure_detail:ProcedureDetailScreen",
    "life_events": "screens.life_events:LifeEventsScreen",
    "queue": "screens.queue_ticket:QueueTicketScreen",
    "intake": "screens.intake:IntakeScreen",
    "status": "screens.status:StatusScreen",
    "feedback": "screens.feedback:FeedbackScreen",
    "rating": "screens.rating:RatingScreen",
    "directory": "screens.directory:DirectoryScreen",
    "commune": "screens.commune:CommuneScreen",
    "done": "screens.done:DoneScreen",
}
#: Technician mode's screens: built when a technician first comes, not at start.
TECHNICIAN_SCREENS: dict[str, str] = {
    "technician_pin": "screens.technician_pin:TechnicianPinScreen",
    "technician": "screens.technician:TechnicianScreen",
    "technician_settings": "screens.technician_settings:TechnicianSettingsScreen",
    "technician_setting": "screens.technician_setting:TechnicianSettingScreen",
    "technician_logs": "screens.technician_logs:TechnicianLogsScreen",
}


def load_kv(name: str) -> None:
    """Load ``screens/NAME.kv`` once per process (a second load would apply its rules twice)."""
    path = str(Path(__file__).with_name(f"{name}.kv"))
    if path not in Builder.files:
        Builder.load_file(path)


class ScreenRegistry:
    """The screens of one :class:`ScreenManager`, built on demand."""

    def __init__(self, manager: ScreenManager) -> None:
        self.manager = manager
        self._unbuilt: list[str] = []

    def get(self, name: str) -> KioskScreen:
        """Screen ``name``, built now if it was not yet."""
        if self.manager.has_screen(name):
            screen: KioskScreen = self.manager.get_screen(name)
            return screen
        module_name, class_name = {**SCREENS, **TECHNICIAN_SCREENS}[name].split(":")
        load_kv(module_name.rsplit(".", 1)[1])
        module = importlib.import_module(module_name)
        screen = getattr(module, class_name)(name=name)
        self.manager.add_widget(screen)
        return screen

    def build_all(self) -> None:
        """Build every citizen's screen now (the tour and tests; the kiosk builds them as
        needed)."""
        for name in SCREENS:
            self.get(name)

    def build_rest_in_background(self) -> None:
        """Build the citizen's screens not built yet, one per frame."""
        manager = self.manager
        self._unbuilt = [name for name in SCREENS if not manager.has_screen(name)]
        Clock.schedule_once(self._build_next_screen, 0)

    @property
    def pending(self) -> bool:
        """Whether screens are still being built in the background (tests wait for it)."""
        return bool(self._unbuilt)

    def _build_next_screen(self, _dt: float) -> None:
        if self._unbuilt:
            self.get(self._unbuilt.pop(0))
            Clock.schedule_once(self._build_next_screen, 0)
