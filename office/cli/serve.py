"""``kiosk backend serve``: run the HTTP API (and, in demo mode, let the demo devices in)."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from kiosk.command import Context, UsageError
from office.cli.home import (
    DATABASE_FILE,
    KEY_FILE,
    Action,
    backend_home,
    open_store,
    session_secret,
)

if TYPE_CHECKING:
    from office.store import Store

DEMO_PORT = 8765
#: Demo mode's back-office users, their password published here (scripts/run prints it):
#: an officer of the demo kiosk's commune, a city administrator and an auditor.
DEMO_USERS = (("canbo", "commune_officer"), ("thanhpho", "city_admin"), ("kiemtra", "auditor"))
DEMO_PASSWORD = "motcua-demo-2026"  # noqa: S105 - demo mode only, published on purpose
#: Most worker processes ``kiosk backend serve --workers`` starts on one machine.
MAX_WORKERS = 64
#: The demo hub's name at the demo backend.
DEMO_HUB_ID = "DEMO-HUB"


def register(action: Action) -> None:
    """Add ``serve``."""
    serve = action("serve", "serve the HTTP API (OpenAPI at /v1/openapi.json)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=DEMO_PORT, help="port to listen on")
    serve.add_argument("--rate-limit", default=None,
                       help="requests per client, e.g. 50/second (the default)")
    serve.add_argument("--no-access-log", action="store_true", help="log no request lines")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="worker processes (each up to 3 x P PostgreSQL connections; "
                       "docs/sync.md, 'Running at scale')")
    serve.add_argument("--db-pool", type=int, default=None, metavar="P",
                       help="PostgreSQL connections each worker keeps (default: "
                       "$MOTCUA_BACKEND_DB_POOL, else 10)")
    serve.set_defaults(handler=_serve)


def _enrol_demo_kiosk(store: Store, context: Context) -> None:
    """Demo mode: the demo kiosk's published token works at once (no enrolment step), it
    is filed under its commune, and the demo back-office users can sign in."""
    from office.store import Role  # noqa: PLC0415
    from office.store.users import UserError, UserRole  # noqa: PLC0415

    token = context.config.text("sync.token")
    kiosk_id = context.config.text("kiosk.id")
    if token and store.authenticate(token) is None:
        store.add_credential(kiosk_id, Role.KIOSK, token=token)
    unit = int(context.config.number("kiosk.commune_code"))
    if unit and store.units.unit_of(kiosk_id) != unit:
        store.units.assign(kiosk_id, unit)
    hub_token = context.config.text("hub.city_token")
    if hub_token and unit and store.authenticate(hub_token) is None:
        # The demo hub posts its queue with a hub token of its own, for the demo commune.
        store.add_credential(DEMO_HUB_ID, Role.HUB, token=hub_token)
        store.units.assign(DEMO_HUB_ID, unit)
    for username, role in DEMO_USERS:
        try:
            officer = role == "commune_officer"
            store.users.add_user(username, UserRole(role), unit if officer else None,
                                 DEMO_PASSWORD)
        except UserError:
            pass  # made by an earlier demo run (or no unit set: no officer)


def _serve(args: argparse.Namespace, context: Context) -> int:
    import uvicorn  # noqa: PLC0415 - the backend extra

    from office.app import create_app  # noqa: PLC0415
    from office.logs import configure_server_logging  # noqa: PLC0415
    from office.ratelimit import DEFAULT_RATE_LIMIT, RateLimitError  # noqa: PLC0415

    if not 1 <= args.workers <= MAX_WORKERS:
        raise UsageError(f"--workers: 1 to {MAX_WORKERS}")
    if args.db_pool is not None:
        from office.database import MAX_POOL_SIZE, POOL_VARIABLE  # noqa: PLC0415

        if not 1 <= args.db_pool <= MAX_POOL_SIZE:
            raise UsageError(f"--db-pool: 1 to {MAX_POOL_SIZE}")
        # Through the environment: this process's engine and every worker's read it there.
        os.environ[POOL_VARIABLE] = str(args.db_pool)
    store = open_store(args, context)
    if context.demo:
        _enrol_demo_kiosk(store, context)
    secret = session_secret(backend_home(args, context))
    rate_limit = args.rate_limit or DEFAULT_RATE_LIMIT
    try:
        app = create_app(store, rate_limit=rate_limit, session_secret=secret)
    except RateLimitError as error:
        raise UsageError(str(error)) from None
    configure_server_logging()
    # A long keep-alive: kiosks reuse one connection between rounds. "auto" picks uvloop
    # and httptools (installed with the backend extra), about half asyncio + h11's cost.
    # No log_config: uvicorn's records go to the journald handler above, personal data
    # masked (office.logs); each worker process sets the same up (office.asgi).
    options: dict[str, Any] = {
        "host": args.host, "port": args.port, "access_log": not args.no_access_log,
        "timeout_keep_alive": 75, "log_level": "info", "loop": "auto", "http": "auto",
        "log_config": None}
    if args.workers == 1:
        uvicorn.run(app, **options)
        return 0
    store.engine.dispose()
    # Several processes: each builds its own app from the environment (office.asgi).
    from office import asgi  # noqa: PLC0415

    key = backend_home(args, context) / KEY_FILE
    if not key.exists():
        raise UsageError(f"--workers needs the sealing key file {key} "
                         "(kiosk backend keygen)")
    os.environ.update({
        asgi.DATABASE_VARIABLE: args.db or str(backend_home(args, context) / DATABASE_FILE),
        asgi.KEY_VARIABLE: str(key), asgi.RATE_LIMIT_VARIABLE: rate_limit,
        asgi.SESSION_SECRET_VARIABLE: secret})
    uvicorn.run("office.asgi:app_from_environment", factory=True, workers=args.workers,
                **options)
    return 0
