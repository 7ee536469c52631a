"""``kiosk update ...``: apply the channel's signed release and watch its trial.

Run as root by the update unit (systemd/motcua-kiosk-update.service, docs/updates.md),
never by the kiosk user: it writes ``update.root`` and restarts the services. ``check``
applies a new release and then judges its trial every 20 s until it is kept or rolled
back, in the same run. ``status`` is read-only, for technicians.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.command import Context, UsageError
from kiosk.config import Config, service_home
from kiosk.doctor import VOLATILE_FILE_SYSTEMS, mounted_file_system
from kiosk.release import ManifestError
from kiosk.release_signature import parse_trusted_keys
from kiosk.system_config import root_only_from_technician

if TYPE_CHECKING:
    from sync.updater import Updater


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk update``."""
    area = commands.add_parser("update", help="signed updates with automatic rollback")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="apply the channel's release if it is new, "
                               "then judge its trial until it is kept or rolled back")
    check.set_defaults(handler=_check)
    trial = actions.add_parser("trial", help="judge the release in trial: keep it or roll "
                               "it back")
    trial.set_defaults(handler=_trial)
    status = actions.add_parser("status", help="the last update's state (update.json)")
    status.set_defaults(handler=_status)


def refuse_kiosk_writable(config: Config) -> None:
    """UsageError when a root-only update setting comes from the technician layer."""
    kiosk_writable = root_only_from_technician(config)
    if kiosk_writable:
        key = kiosk_writable[0]
        raise UsageError(
            f"{key} is set in {config.technician_path}, which the kiosk user can write; "
            "the updater runs as root and takes it only from the system file: remove "
            f"it there and run: sudo kiosk config set --system {key} VALUE")


def release_runner_user(data_dir: Path) -> str | None:
    """Who runs a release's doctor and migration: the data directory's owner, when root."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwuid(data_dir.stat().st_uid).pw_name


#: The hub unit's own settings (systemd/motcua-hub.service's EnvironmentFile).
HUB_ENV_FILE = Path("/etc/motcua-kiosk/hub.env")


def hub_home() -> Path:
    """The hub's directory as its unit sees it, for the updater to copy its database.

    ``$KIOSK_HUB_HOME`` when this process has it, else the one ``HUB_ENV_FILE`` sets
    (the unit reads that file after its own ``KIOSK_HUB_HOME=/var/lib/motcua-hub``), else
    that default: as ``kiosk hub`` finds it (hub.cli.hub_home), the update unit lacking
    the hub unit's environment.
    """
    from hub.cli import PRODUCTION_HOME  # noqa: PLC0415

    from_file = _environment_file(HUB_ENV_FILE).get("KIOSK_HUB_HOME")
    return service_home(None, "KIOSK_HUB_HOME", None,
                        Path(from_file) if from_file else PRODUCTION_HOME)


def _environment_file(path: Path) -> dict[str, str]:
    """The ``KEY=value`` lines of a systemd EnvironmentFile (comments, blank lines and
    one pair of quotes around a value as systemd skips them); empty when it is missing."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    found: dict[str, str] = {}
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[key] = value
    return found


def _updater(context: Context) -> Updater:
    """The updater with its real parts (imported here: they need requests)."""
    from hub.cli import DATABASE_FILE  # noqa: PLC0415
    from sync.client import BackendClient  # noqa: PLC0415 - needs requests
    from sync.release_parts import (  # noqa: PLC0415
        HUB_UNIT,
        UNITS,
        ReleaseProcesses,
        SystemdServices,
        VenvInstaller,
        installed_extras,
    )
    from sync.release_source import BackendReleaseSource  # noqa: PLC0415
    from sync.updater import UpdateError, UpdatePaths  # noqa: PLC0415
    from sync.updater import Updater as RealUpdater  # noqa: PLC0415

    config = context.config
    url, token = config.text("sync.backend_url"), config.text("sync.token")
    if not url or not token:
        raise UsageError("not enrolled (sync.backend_url, sync.token): kiosk provision first")
    refuse_kiosk_writable(config)
    try:
        keys = parse_trusted_keys(config.text("update.release_keys"))
    except ManifestError as error:
        raise UsageError(str(error)) from None
    client = BackendClient(url, token, connect_timeout=config.number("sync.connect_timeout"),
                           read_timeout=config.number("sync.read_timeout"))
    root = Path(config.text("update.root"))
    try:
        extras = installed_extras(root / "extras")  # a camera kiosk's, a hub's: kept
    except UpdateError as error:
        raise UsageError(str(error)) from None
    # The release's own commands see the kiosk's settings, not root's environment.
    environment = {"KIOSK_DATA_DIR": str(config.data_dir)}
    if os.environ.get("KIOSK_CONFIG"):
        environment["KIOSK_CONFIG"] = os.environ["KIOSK_CONFIG"]
    # install-pi --hub: the point's hub on this box (the backend extra serves its pages)
    # switches, is judged and rolls back with the kiosk, its database too.
    hub = "backend" in extras
    return RealUpdater(
        UpdatePaths(root=root, database=config.database_path,
                    hub_database=hub_home() / DATABASE_FILE if hub else None),
        channel=config.text("update.channel"), trusted_keys=keys,
        source=BackendReleaseSource(client),
        installer=VenvInstaller(wheels=root / "wheels", extras=extras),
        commands=ReleaseProcesses(user=release_runner_user(config.data_dir),
                                  environment=environment),
        services=SystemdServices(units=(*UNITS, HUB_UNIT) if hub else UNITS))


def _check(args: argparse.Namespace, context: Context) -> int:
    from sync.client import RequestFailedError  # noqa: PLC0415
    from sync.updater import UpdateError  # noqa: PLC0415

    config = context.config
    if not config.text("sync.backend_url") or not config.text("sync.token"):
        # Waiting for enrolment is a normal state (install-pi without a token), not a
        # failed unit every 15 minutes.
        print("kiosk update: not enrolled yet: no release to look for")
        return 0
    root = Path(config.text("update.root"))
    point, kind = mounted_file_system(root)
    if kind in VOLATILE_FILE_SYSTEMS:
        # Under the read-only overlay a new release and `current` would live in RAM: the
        # reboot would bring the old release back onto the database the new one migrated.
        print(f"kiosk update: {root} is on {kind} ({point}) and would be lost at reboot: "
              "no update while the root file system is read-only (docs/install.md, step 6)")
        return 0
    try:
        updater = _updater(context)
        record = updater.check_for_update()
        print(json.dumps(record.to_json(), ensure_ascii=False))
        # A release just switched to, or one whose trial an earlier run (or a reboot) cut
        # short: judged here until it is kept or rolled back.
        judgement = updater.watch_trial()
    except (UpdateError, RequestFailedError) as error:
        print(f"kiosk update: {error}")
        return 1
    if judgement is not None:
        print(f"{judgement.verdict.value}: {updater.record().reason}")
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
