"""``kiosk hub``: the hub's commands (:mod:`hub.cli`) with the configured voice wired in."""

from __future__ import annotations

import argparse

from hub import cli as hub_cli
from motcua.wiring import hub_call_audio


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk hub ...``; the display's calls speak with the voice ``speech.*`` sets."""
    hub_cli.register(commands, call_audio=hub_call_audio)
