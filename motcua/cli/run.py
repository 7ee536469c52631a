"""``kiosk run`` (the citizen's app) and ``kiosk tour`` (its scripted journey, headless).

Kivy and the screens are imported inside the handlers: the rest of the command line never
pays for them, and the core keeps its promise of importing no user-interface library.

Both log through :func:`kiosk.logs.configure` (one line per event, journald priorities
under systemd) with Kivy in its ``PYTHON`` log mode: Kivy's own console handler and its
capture of stderr as warnings are left out, and Kivy's lines go through the same handler
as the kiosk's.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from kiosk.command import Context
from kiosk.config import load_config
from kiosk.logs import configure as configure_logging

#: SDL video drivers that draw nowhere a person can see.
HEADLESS_DRIVERS = frozenset({"offscreen", "dummy"})


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk run`` and ``kiosk tour``."""
    run = commands.add_parser(
        "run", help="start the citizen's kiosk app (full screen; --demo: simulated devices)"
    )
    run.add_argument(
        "--windowed",
        action="store_true",
        help="in a window instead of full screen (for development)",
    )
    run.add_argument(
        "--tour-out",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the headless tour writes when there is no display (default: DATA_DIR/tour)",
    )
    run.set_defaults(handler=_run)
    tour = commands.add_parser(
        "tour",
        help="drive the scripted journey headlessly: screenshots of every screen in both "
        "orientations and languages, and the printed slips",
    )
    tour.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="directory for screens/ and slips/"
    )
    tour.add_argument(
        "--language",
        choices=("vi", "en", "both"),
        default="both",
        help="which language(s) to tour (default: both)",
    )
    tour.set_defaults(handler=_tour)


def has_display(environ: Mapping[str, str]) -> bool:
    """Whether there is somewhere to show a window: X11, Wayland or a chosen SDL driver.

    A kiosk on KMS/DRM sets ``SDL_VIDEODRIVER=kmsdrm`` (the systemd unit does).
    """
    driver = environ.get("SDL_VIDEODRIVER", "")
    if driver:
        return driver not in HEADLESS_DRIVERS
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def use_python_logging(level: int = logging.INFO) -> logging.Handler:
    """Journald-friendly logging, with Kivy's logs going through it; before Kivy loads."""
    # Kivy reads this when it is first imported; a value the caller set is kept.
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    return configure_logging(level)


def _run(args: argparse.Namespace, context: Context) -> int:
    config = context.config
    use_python_logging()
    if not has_display(os.environ):
        out: Path = args.tour_out or config.data_dir / "tour"
        print(
            "kiosk: no display (DISPLAY, WAYLAND_DISPLAY and SDL_VIDEODRIVER are unset): "
            "running the headless tour instead",
            file=sys.stderr,
        )
        return _write_tour(context, out, ("vi", "en"))
    from motcua.tour.driver import prepare_kivy_environment  # noqa: PLC0415

    prepare_kivy_environment(config.data_dir / "kivy")
    from motcua.runner import run_app  # noqa: PLC0415

    run_app(config, windowed=args.windowed)
    return 0


def _tour(args: argparse.Namespace, context: Context) -> int:
    languages = ("vi", "en") if args.language == "both" else (args.language,)
    return _write_tour(context, args.out, languages)


def _write_tour(context: Context, out: Path, languages: tuple[str, ...]) -> int:
    from motcua.tour.driver import prepare_headless_environment  # noqa: PLC0415

    # The tour's own output is its progress lines: only warnings and errors beside them
    # (the app still keeps INFO lines in memory for its technician screen).
    use_python_logging().setLevel(logging.WARNING)

    out = out.resolve()
    prepare_headless_environment(out / "kivy")
    from motcua.tour.tour import run_tour  # noqa: PLC0415

    # The tour is a demonstration: it always runs on the demo layer (demo catalog, the
    # demo backend's public key), whatever the kiosk itself is configured for.
    config = context.config if context.demo else load_config(demo=True)
    result = run_tour(
        config,
        out,
        languages=languages,
        progress=lambda line: print(f"tour: {line}", file=sys.stderr),
    )
    print(f"screenshots: {len(result.screenshots)} in {out / 'screens'}")
    print(f"printed slips: {len(result.slips)} in {out / 'slips'}")
    # What did not fit (motcua.tour.fit): named here, so a layout change is checked by eye
    # and by this list in the same run.
    for path, found in sorted(result.misfits.items()):
        for misfit in found:
            print(f"does not fit: {path.name}: {misfit}")
    print(f"fit: {sum(len(found) for found in result.misfits.values())} problem(s)")
    return 0
