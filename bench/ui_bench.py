"""The kiosk app's start-up time and memory, beside a bare one-label Kivy app.

    .venv/bin/python bench/ui_bench.py [--starts 5] [--journeys 20]

1. Cold start to first frame: a fresh process is started for each run and reports when
   its first frame has been drawn (Kivy's ``on_flip``); the time counts from just before
   the process is spawned, so imports, the window, the .kv files and the welcome screen
   are all in it. The kiosk app and a bare app with one label alternate in the same run,
   so both see the same machine. Goals: median <= 1 s, and <= 2x the bare app.
2. Memory: the app is driven through 20 whole journeys in one process (scan an ID card,
   search, open a procedure, take a number and print it, rate, walk away: idle, wipe);
   resident memory (RSS) after the 2nd journey and after the last. Goals: growth < 10%,
   RSS <= 200 MB. Beside the figures, where the memory is, in the kiosk and in the bare
   app (:func:`memory_breakdown`): library files, what malloc hands out (the GL driver's
   buffers and textures, Kivy's, Python's larger objects), Python's small objects, and
   the rest (free space malloc and Python keep, thread stacks, the GL driver's code);
   and the highest RSS of the run (during a journey, before the wipe gives memory back).

Headless (SDL's offscreen driver, Mesa's software OpenGL) unless a display is set: on a
kiosk the numbers are lower, the GPU drawing what llvmpipe draws here on the CPU.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Headless, Mesa's llvmpipe draws on the CPU with a pool of rasterizer threads whose heaps
#: grow with every frame drawn; on a kiosk the GPU draws. Memory is measured with llvmpipe
#: drawing in the app's own thread, so that what grows is the app's, not the renderer's.
MEMORY_RENDERER = {"LP_NUM_THREADS": "0"}
sys.path.insert(0, str(ROOT))

BARE_APP = """
import os, sys, time
from kivy.config import Config
Config.set("graphics", "width", "1080"); Config.set("graphics", "height", "1920")
from kivy.app import App
from kivy.core.window import Window
from kivy.uix.label import Label

class Bare(App):
    def load_kv(self, filename=None):
        return False  # no .kv file (and no source file to look beside)

    def build(self):
        return Label(text="Xin chào", font_size=60)

def first_frame(*_args):
    print(time.time(), flush=True)
    os._exit(0)

Window.bind(on_flip=first_frame)
Bare().run()
"""

BARE_RSS = """
import json, os, time
from ui_bench import memory_breakdown, rss_mb
from kivy.config import Config
Config.set("graphics", "width", "1080"); Config.set("graphics", "height", "1920")
from kivy.base import EventLoop
from kivy.uix.label import Label
EventLoop.ensure_window()
EventLoop.window.add_widget(Label(text="Xin chào", font_size=60))
for _ in range(60):
    EventLoop.idle()
print(json.dumps({"rss": rss_mb(), "breakdown": memory_breakdown()}), flush=True)
os._exit(0)
"""

KIOSK_APP = """
import os, sys, time
from kivy.config import Config
Config.set("graphics", "width", "1080"); Config.set("graphics", "height", "1920")
from kiosk.config import load_config
from motcua.wiring import KioskWiring
from screens.app import KioskApp
from kivy.core.window import Window

def first_frame(*_args):
    print(time.time(), flush=True)
    os._exit(0)

Window.bind(on_flip=first_frame)
KioskApp(load_config(demo=True), parts=KioskWiring()).run()
"""


#: :func:`memory_breakdown`'s parts, as the bench prints them.
BREAKDOWN_LABELS = {
    "files": "library and font files",
    "malloc": "malloc'd in use (GL buffers, Kivy...)",
    "python": "Python's small objects",
    "rest": "the rest (free space kept, stacks...)",
}


def child_environment(data_dir: Path) -> dict[str, str]:
    """What the measured processes run with: headless unless a display is set."""
    env = dict(os.environ)
    env.setdefault("KIVY_WINDOW", "sdl2")
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("SDL_VIDEODRIVER", "offscreen")
    env.update(
        KIVY_NO_ARGS="1",
        KIVY_NO_FILELOG="1",
        KIVY_NO_CONSOLELOG="1",
        KIVY_HOME=str(data_dir / "kivy"),
        KIOSK_DATA_DIR=str(data_dir / "kiosk"),
        PYTHONPATH=str(ROOT),
    )
    return env


def start_to_first_frame(code: str, env: dict[str, str]) -> float:
    """Seconds from spawning a process running ``code`` to its first frame."""
    started = time.time()
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"the app did not draw a frame:\n{result.stderr[-2000:]}")
    return float(lines[-1]) - started


def rss_mb() -> float:
    """This process's resident memory in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


class _MallInfo2(ctypes.Structure):
    _fields_ = [  # glibc's struct mallinfo2 (glibc >= 2.33)
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                     "uordblks", "fordblks", "keepcost")
    ]  # fmt: skip


def _malloc_in_use() -> int | None:
    """Bytes malloc has handed out and not had back (all arenas, and mmapped blocks)."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except AttributeError:  # not glibc, or an older one
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return int(info.uordblks + info.hblkhd)


def _python_arenas() -> int | None:
    """Bytes of Python's small objects in its arenas (``sys._debugmallocstats``, to fd 2)."""
    with tempfile.TemporaryFile() as out:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(out.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        for line in out.read().decode(errors="replace").splitlines():
            if line.startswith("# bytes in allocated blocks"):
                return int(line.split("=")[1].replace(",", ""))
    return None


def memory_breakdown() -> dict[str, float]:
    """Where this process's resident memory is, in MB (from /proc/self/smaps and malloc).

    ``files``: libraries and fonts mapped from disk. ``malloc``: what malloc handed out
    and still counts in use: headless, Mesa's llvmpipe keeps the window's buffers and every
    texture and vertex buffer there (a GPU keeps them in its own memory), besides Kivy's
    vertex copies and Python's larger objects. ``python``: Python's small objects.
    ``rest``: everything else resident (RSS less the others): free space malloc and Python
    keep for later, thread stacks, the GL driver's compiled code. Blocks malloc handed out
    but nobody wrote to yet count in ``malloc`` without being resident, so ``rest`` can be a
    little below zero (the bare app's window buffers).
    """
    files = anonymous = 0
    mapping = ""
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and "-" in fields[0] and ":" in fields[3]:
            mapping = fields[5] if len(fields) > 5 else ""
        elif fields and fields[0] == "Rss:":
            if mapping.startswith("/"):
                files += int(fields[1]) * 1024
            else:
                anonymous += int(fields[1]) * 1024
    in_use = _malloc_in_use() or 0
    python = _python_arenas() or 0
    return {
        "files": files / 1e6,
        "malloc": in_use / 1e6,
        "python": python / 1e6,
        "rest": (anonymous - in_use - python) / 1e6,
    }


def bench_start(starts: int, env: dict[str, str]) -> tuple[float, float]:
    """Median first-frame times of the kiosk app and the bare app."""
    # One throw-away start of each warms the OS file cache, as on a kiosk after boot.
    start_to_first_frame(BARE_APP, env)
    start_to_first_frame(KIOSK_APP, env)
    kiosk, bare = [], []
    for _ in range(starts):
        bare.append(start_to_first_frame(BARE_APP, env))
        kiosk.append(start_to_first_frame(KIOSK_APP, env))
    return statistics.median(kiosk), statistics.median(bare)


def bare_rss(env: dict[str, str]) -> tuple[float, dict[str, float]]:
    """RSS in MB of the bare one-label app after 60 frames (same renderer as the kiosk),
    and its :func:`memory_breakdown`."""
    env = {**env, "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), env["PYTHONPATH"]])}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(BARE_RSS)],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return float(answer["rss"]), answer["breakdown"]


def bench_memory(journeys: int, data_dir: Path) -> tuple[list[float], dict[str, float]]:
    """RSS after each of ``journeys`` whole journeys, driven in this process, and the
    :func:`memory_breakdown` after the last.

    Kivy is imported here, after the headless environment is set: not at the top.
    """
    from motcua.tour.driver import configure_window, prepare_headless_environment  # noqa: PLC0415

    prepare_headless_environment(data_dir / "kivy")
    os.environ["KIVY_NO_CONSOLELOG"] = "1"
    os.environ.update(MEMORY_RENDERER)
    configure_window((1080, 1920))  # portrait only, like the bare app
    from devices.fake_reader import FakeCodeReader  # noqa: PLC0415
    from kiosk.config import load_config  # noqa: PLC0415
    from motcua.tour.driver import PORTRAIT, AppDriver, ManualClock  # noqa: PLC0415
    from motcua.wiring import KioskWiring  # noqa: PLC0415
    from screens.app import KioskApp  # noqa: PLC0415
    from screens.demo_drawer import SAMPLE_CARDS  # noqa: PLC0415

    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(data_dir / "memory")})
    clock = ManualClock()
    wiring = KioskWiring()
    app = KioskApp(config, parts=wiring, devices=wiring.build_devices(config), clock=clock)
    driver = AppDriver(app)
    driver.window.size = PORTRAIT
    reader = app.devices.reader if app.devices is not None else None
    assert isinstance(reader, FakeCodeReader)
    sizes = []
    try:
        for _ in range(journeys):
            reader.feed(SAMPLE_CARDS["Nguyễn Văn An"])
            driver.wait_for(lambda: app.identified, timeout=5)
            driver.tap_id("choice_procedures")
            driver.type("dang ky khai sinh")
            driver.tap(app.current_screen.ids.results.box.children[-1])
            driver.tap_id("take_number_button")
            driver.tap_id("confirm_button")
            driver.tap_id("home_button")
            driver.tap_id("choice_rating")
            driver.tap(app.current_screen.ids.level_box.children[-1])
            clock.advance(app.session.idle_seconds)
            app.check_idle()
            clock.advance(app.session.warning_seconds)
            app.check_idle()
            driver.settle()
            sizes.append(rss_mb())
        breakdown = memory_breakdown()
    finally:
        driver.close()
    return sizes, breakdown


def peak_rss_mb() -> float:
    """The highest RSS this process has had, in MB (``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--starts", type=int, default=5, help="starts of each app (median)")
    parser.add_argument("--journeys", type=int, default=20, help="journeys for the memory run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ui-bench-") as scratch:
        data_dir = Path(scratch)
        env = child_environment(data_dir)
        kiosk, bare = bench_start(args.starts, env)
        headless = env.get("SDL_VIDEODRIVER") == "offscreen"
        print(f"cold start to first frame (median of {args.starts}, headless: {headless})")
        print(f"  bare one-label Kivy app   {bare:6.3f} s")
        print(f"  kiosk app (welcome)       {kiosk:6.3f} s   = {kiosk / bare:.2f}x the bare app")
        print(f"  goals: <= 1 s: {'met' if kiosk <= 1 else 'MISSED'}; "
              f"<= 2x bare: {'met' if kiosk <= 2 * bare else 'MISSED'}")
        baseline, bare_parts = bare_rss({**env, **MEMORY_RENDERER})
        sizes, parts = bench_memory(args.journeys, data_dir)
        growth = (sizes[-1] - sizes[1]) / sizes[1]
        own = sizes[-1] - baseline
        print(f"memory over {len(sizes)} journeys (RSS, MB; renderer {MEMORY_RENDERER})")
        print("  " + " ".join(f"{size:.0f}" for size in sizes))
        print(f"  after journey 2: {sizes[1]:.1f}   after journey {len(sizes)}: {sizes[-1]:.1f}"
              f"   growth {growth:+.1%}")
        print(f"  bare one-label app, same renderer: {baseline:.1f}   the kiosk's own: {own:.1f}")
        print(f"  highest during the journeys (VmHWM): {peak_rss_mb():.1f}")
        print("  where it is after the last journey (MB)    bare app   kiosk   difference")
        for key, label in BREAKDOWN_LABELS.items():
            print(f"    {label:40s} {bare_parts[key]:7.1f} {parts[key]:7.1f} "
                  f"{parts[key] - bare_parts[key]:+9.1f}")
        print(f"  goals: growth < 10%: {'met' if growth < 0.10 else 'MISSED'}; "
              f"RSS <= 200 MB: {'met' if sizes[-1] <= 200 else 'MISSED'} in total, "
              f"{'met' if own <= 200 else 'MISSED'} beyond the bare app")
    return 0


if __name__ == "__main__":
    sys.exit(main())
