"""What every ``kiosk backend`` command shares: the home directory, the keys, the store.

The backend keeps its state in a home directory (``--home``, else ``KIOSK_BACKEND_HOME``,
else ``/var/lib/motcua-backend``; in demo mode ``backend/`` in the demo data directory): the
SQLite database unless ``--db`` names another, the sealing key ``sealing.key`` and the
back office's session key ``session.key``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.command import Context, UsageError
from kiosk.config import service_home

if TYPE_CHECKING:
    from office.keys import SealingKeys
    from office.store import Store

PRODUCTION_HOME = Path("/var/lib/motcua-backend")
DATABASE_FILE = "backend.sqlite3"
KEY_FILE = "sealing.key"
SESSION_KEY_FILE = "session.key"
#: Who a queue published from the command line is recorded as.
CLI_CLIENT_ID = "command-line"

#: Adds one ``kiosk backend ACTION`` (with --home and --db) given its name and help.
Action = Callable[[str, str], argparse.ArgumentParser]


def backend_home(args: argparse.Namespace, context: Context) -> Path:
    """The backend's directory for this command."""
    demo_home = context.config.data_dir / "backend" if context.demo else None
    return service_home(args.home, "KIOSK_BACKEND_HOME", demo_home, PRODUCTION_HOME)


def sealing_keys(args: argparse.Namespace, context: Context) -> SealingKeys:
    """The backend's sealing keys (demo mode without a key file: the published demo key)."""
    from office.keys import (  # noqa: PLC0415 - the backend extra
        DEMO_PRIVATE_KEY,
        SealingKeyError,
        SealingKeys,
        load_keys,
    )

    path = backend_home(args, context) / KEY_FILE
    if context.demo and not path.exists():
        return SealingKeys.from_base64(DEMO_PRIVATE_KEY)
    try:
        return load_keys(path)
    except SealingKeyError as error:
        raise UsageError(str(error)) from None


def open_store(args: argparse.Namespace, context: Context) -> Store:
    """The store over the database this command names (``--db``, the environment, the home)."""
    try:
        from office.database import DatabaseError, open_engine  # noqa: PLC0415
        from office.store import Store  # noqa: PLC0415
    except ImportError as error:
        raise UsageError(
            f"the backend needs its extra: pip install 'motcua-kiosk[backend]' ({error})"
        ) from None
    # The city server's backend.env names its PostgreSQL (as office/asgi.py reads it), so
    # every admin command reaches the one database the service uses.
    url = (args.db or os.environ.get("MOTCUA_BACKEND_DB")
           or str(backend_home(args, context) / DATABASE_FILE))
    try:
        engine = open_engine(url)
    except DatabaseError as error:
        raise UsageError(str(error)) from None
    return Store(engine, sealing_keys(args, context))


def session_secret(home: Path) -> str:
    """The secret that signs the back office's session cookies: ``session.key`` in the
    backend's home, made (mode 0600) on first use, so sessions survive a restart."""
    import secrets  # noqa: PLC0415

    path = home / SESSION_KEY_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it just now
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(handle, "w", encoding="ascii") as stream:
        stream.write(secret + "\n")
    return secret
