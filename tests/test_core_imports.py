"""The core imports no Kivy, no hardware library and no HTTP library."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import kiosk

BLOCKED = ("kivy", "escpos", "pyzbar", "requests", "serial", "cv2", "zxingcpp", "evdev")

PROBE = """
import importlib, importlib.abc, sys
blocked = {blocked!r}
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in blocked:
            raise ImportError('the core must not import ' + name)
        return None
sys.meta_path.insert(0, Blocker())
for name in {modules!r}:
    importlib.import_module(name)
print('ok', len({modules!r}))
"""


def test_every_core_module_imports_with_hardware_ui_and_http_libraries_blocked() -> None:
    modules = ["kiosk"] + [
        info.name for info in pkgutil.walk_packages(kiosk.__path__, "kiosk.")
        if info.name != "kiosk.__main__"
    ]
    assert "kiosk.submissions" in modules and "kiosk.parts" in modules
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(blocked=BLOCKED, modules=modules)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ok {len(modules)}"
