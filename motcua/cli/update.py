"""``kiosk update ...``: apply the channel's signed release and watch its trial.

Run as root by the update unit (docs/updates.md), never by the kiosk user: it writes
``update.root`` and restarts the services. ``status`` is read-only, for technicians.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.command import Context, UsageError
from kiosk.release import ManifestError
from kiosk.release_signature import parse_trusted_keys

if TYPE_CHECKING:
    from sync.updater import Updater


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk update``."""
    area = commands.add_parser("update", help="signed updates with automatic rollback")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="apply the channel's release if it is new "
                               "(up to its trial)")
    check.set_defaults(handler=_check)
    trial = actions.add_parser("trial", help="judge the release in trial: keep it or roll "
                               "it back")
    trial.set_defaults(handler=_trial)
    status = actions.add_parser("status", help="the last update's state (update.json)")
    status.set_defaults(handler=_status)


def _updater(context: Context) -> Updater:
    """The updater with its real parts (imported here: they need requests)."""
    from sync.client import BackendClient  # noqa: PLC0415 - needs requests
    from sync.release_parts import (  # noqa: PLC0415
        ReleaseProcesses,
        SystemdServices,
        VenvInstaller,
    )
    from sync.release_source import BackendReleaseSource  # noqa: PLC0415
    from sync.updater import UpdatePaths  # noqa: PLC0415
    from sync.updater import Updater as RealUpdater  # noqa: PLC0415

    config = context.config
    try:
        keys = parse_trusted_keys(config.text("update.release_keys"))
    except ManifestError as error:
        raise UsageError(str(error)) from None
    url, token = config.text("sync.backend_url"), config.text("sync.token")
    if not url or not token:
        raise UsageError("not enrolled (sync.backend_url, sync.token): kiosk provision first")
    client = BackendClient(url, token, connect_timeout=config.number("sync.connect_timeout"),
                           read_timeout=config.number("sync.read_timeout"))
    return RealUpdater(
        UpdatePaths(root=Path(config.text("update.root")), database=config.database_path),
        channel=config.text("update.channel"), trusted_keys=keys,
        source=BackendReleaseSource(client), installer=VenvInstaller(),
        commands=ReleaseProcesses(), services=SystemdServices())


def _check(args: argparse.Namespace, context: Context) -> int:
    from sync.client import RequestFailedError  # noqa: PLC0415
    from sync.updater import UpdateError  # noqa: PLC0415

    try:
        record = _updater(context).check_for_update()
    except (UpdateError, RequestFailedError) as error:
        print(f"kiosk update: {error}")
        return 1
    print(json.dumps(record.to_json(), ensure_ascii=False))
    return 0


def _trial(args: argparse.Namespace, context: Context) -> int:
    judgement = _updater(context).check_trial()
    print("no release in trial" if judgement is None
          else f"{judgement.verdict.value}: {judgement.reason}")
    return 0


def _status(args: argparse.Namespace, context: Context) -> int:
    from sync.updater import STATE_FILE  # noqa: PLC0415

    state = Path(context.config.text("update.root")) / STATE_FILE
    print(state.read_text().strip() if state.exists() else '{"state": "idle"}')
    return 0
