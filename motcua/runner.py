"""Starting the kiosk app for real: full screen (or a window), devices from the config.

Import this module only after :func:`motcua.tour.driver.prepare_kivy_environment`.
"""

from __future__ import annotations

from kiosk.config import Config


def run_app(config: Config, *, windowed: bool) -> None:
    """Run the citizen's app until it is stopped (systemd, or the window is closed)."""
    from kivy.config import Config as KivyConfig  # noqa: PLC0415

    if windowed:
        # Half the portrait panel: a developer's screen fits it.
        KivyConfig.set("graphics", "width", "540")
        KivyConfig.set("graphics", "height", "960")
        KivyConfig.set("graphics", "fullscreen", "0")
    else:
        KivyConfig.set("graphics", "fullscreen", "auto")
        KivyConfig.set("graphics", "show_cursor", "0")
    KivyConfig.set("kivy", "exit_on_escape", "0")
    from motcua.wiring import KioskWiring  # noqa: PLC0415
    from screens.app import KioskApp  # noqa: PLC0415

    KioskApp(config, parts=KioskWiring()).run()
