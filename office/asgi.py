"""The backend as an ASGI application factory, for running several worker processes.

``uvicorn --workers N`` starts each worker from an import string, so the settings come from
the environment instead of the command line::

    MOTCUA_BACKEND_DB=postgresql://office@db/office MOTCUA_BACKEND_KEY=/srv/office/sealing.key \\
        uvicorn office.asgi:app_from_environment --factory --workers 4

Each worker opens its own engine (its own connection pool); nothing else is shared between
workers but the database, so they can run on several machines behind a load balancer.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from office.app import create_app
from office.database import open_engine
from office.keys import load_keys
from office.logs import access_log_left_on, configure_server_logging
from office.ratelimit import DEFAULT_RATE_LIMIT
from office.store import Store

#: The database URL (or SQLite file path).
DATABASE_VARIABLE = "MOTCUA_BACKEND_DB"
#: The sealing key file (``kiosk backend keygen`` makes it).
KEY_VARIABLE = "MOTCUA_BACKEND_KEY"
#: Requests per client, e.g. ``50/second`` (optional).
RATE_LIMIT_VARIABLE = "MOTCUA_BACKEND_RATE_LIMIT"
#: The secret that signs the back office's session cookies: the same in every worker.
SESSION_SECRET_VARIABLE = "MOTCUA_BACKEND_SESSION_SECRET"  # noqa: S105 - a name


def app_from_environment() -> FastAPI:
    """One worker's application, configured by the ``MOTCUA_BACKEND_*`` variables."""
    # Each worker is a new process: it logs as the kiosk does, personal data masked, and
    # keeps uvicorn's request lines off when the server was started without them.
    configure_server_logging(access_log=access_log_left_on())
    store = Store(open_engine(os.environ[DATABASE_VARIABLE]),
                  load_keys(Path(os.environ[KEY_VARIABLE])))
    return create_app(store, rate_limit=os.environ.get(RATE_LIMIT_VARIABLE, DEFAULT_RATE_LIMIT),
                      session_secret=os.environ.get(SESSION_SECRET_VARIABLE))
