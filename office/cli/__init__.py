"""``kiosk backend``: run and administer the reference city backend.

Needs the ``backend`` extra (``pip install 'motcua-kiosk[backend]'``); its libraries are
imported only inside the handlers, so the kiosk itself never needs them. The backend keeps
its state in a home directory (``--home``, else ``KIOSK_BACKEND_HOME``, else
``/var/lib/motcua-backend``; in demo mode ``backend/`` in the demo data directory): the
SQLite database unless ``--db`` names another, and the sealing key ``sealing.key``.

One module per concern (like office/store/): serve, keys, enrolment, units, points
(a service point's set-up), queues, catalog, feed, fleet; office.release_cli for releases;
home for what they share.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from office import release_cli
from office.cli import catalog, enrolment, feed, fleet, keys, points, queues, serve, units
from office.cli.home import session_secret

__all__ = ["register", "session_secret"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk backend ...``."""
    area = commands.add_parser("backend", help="the reference city backend")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        parser.add_argument("--home", type=Path, help="the backend's directory")
        parser.add_argument("--db", help="database URL (default: $MOTCUA_BACKEND_DB, else "
                            "SQLite in --home); postgresql://user@host/dbname for PostgreSQL")
        return parser

    # In the order `kiosk backend --help` has always listed them.
    serve.register(action)
    keys.register(action)
    enrolment.register_devices(action)
    units.register(action)
    enrolment.register_people(action)
    points.register(action)
    release_cli.register(action)
    enrolment.register_revoke(action)
    feed.register(action)
    fleet.register(action)
    queues.register_publish(action)
    catalog.register(action)
    queues.register_show(action)
