"""Change a value in the system file (``/etc/motcua-kiosk/kiosk.toml``), keeping the rest.

The system file is root's: install-pi writes it, technicians annotate it, and the root
updater trusts only it for the keys that sign the code it installs (the technician layer is
the kiosk user's). So a change edits the one ``key = value`` line in place, or adds it under
its table, and leaves every comment and other line as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from kiosk.config import (
    SYSTEM_CONFIG,
    TECHNICIAN_FILE,
    Config,
    Value,
    parse_layer,
    write_layer_file,
)

#: Settings the root updater takes only from root's files: the kiosk user writes the
#: technician layer, and must not choose which keys sign the code root installs, nor where
#: root builds and runs it.
ROOT_ONLY = ("update.release_keys", "update.root")

_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_-]+)\s*\]\s*(#.*)?$")


def system_config_path(environ: Mapping[str, str]) -> Path:
    """The system file the configuration loads: ``KIOSK_CONFIG``'s, else the default."""
    named = environ.get("KIOSK_CONFIG")
    return Path(named) if named else SYSTEM_CONFIG


def root_only_from_technician(config: Config) -> list[str]:
    """The root-only update settings whose value comes from the technician layer."""
    return [key for key in ROOT_ONLY
            if Path(config.sources.get(key, "")).name == TECHNICIAN_FILE]


def _rendered(value: Value) -> str:
    # JSON strings and numbers are valid TOML basic strings and integers.
    return ("true" if value else "false") if isinstance(value, bool) else json.dumps(
        value, ensure_ascii=False)


def set_in_text(text: str, key: str, value: Value) -> str:
    """``text`` with ``key`` set to ``value``: its line replaced, or added under its table."""
    table, name = key.split(".", 1)
    assignment = re.compile(rf"^\s*{re.escape(name)}\s*=")
    lines = text.splitlines()
    section: str | None = None
    header: int | None = None
    for number, line in enumerate(lines):
        found = _TABLE.match(line)
        if found:
            section = found[1]
            if section == table and header is None:
                header = number
            continue
        if section == table and assignment.match(line):
            lines[number] = f"{name} = {_rendered(value)}"
            return "\n".join(lines) + "\n"
    if header is None:
        return "\n".join([*lines, "", f"[{table}]", f"{name} = {_rendered(value)}"]).lstrip(
            "\n") + "\n"
    lines.insert(header + 1, f"{name} = {_rendered(value)}")
    return "\n".join(lines) + "\n"


def set_system_values(path: Path, changes: Mapping[str, Value]) -> None:
    """Write ``changes`` into the system file ``path`` atomically (created if missing).

    What would not load again is never written (ConfigError names the fault).
    """
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    for key, value in changes.items():
        text = set_in_text(text, key, value)
    parse_layer(text, str(path))
    write_layer_file(path, text, mode=0o644)  # read by the kiosk user's services too
