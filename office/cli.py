"""``kiosk backend``: run and administer the reference city backend.

Needs the ``backend`` extra (``pip install 'motcua-kiosk[backend]'``); its libraries are
imported only inside the handlers, so the kiosk itself never needs them. The backend keeps
its state in a home directory (``--home``, else ``KIOSK_BACKEND_HOME``, else
``/var/lib/motcua-backend``; in demo mode ``backend/`` in the demo data directory): the
SQLite database unless ``--db`` names another, and the sealing key ``sealing.key``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.command import Context, UsageError, print_json
from office import release_cli

if TYPE_CHECKING:
    from pydantic import ValidationError

    from office.keys import SealingKeys
    from office.store import Store
    from sync import wire

PRODUCTION_HOME = Path("/var/lib/motcua-backend")
DATABASE_FILE = "backend.sqlite3"
KEY_FILE = "sealing.key"
DEMO_PORT = 8765
#: Who a queue published from the command line is recorded as.
CLI_CLIENT_ID = "command-line"
#: ``--scope`` values (office.store.credentials.Scope) and roles (office.store.users.UserRole),
#: spelt out here so that parsing the command line imports no backend library.
SCOPE_NAMES = ("pull", "publish", "status-write", "fleet")
USER_ROLES = ("city_admin", "commune_officer", "auditor")
SESSION_KEY_FILE = "session.key"
#: Demo mode's back-office users, their password published here (scripts/run prints it):
#: an officer of the demo kiosk's commune, a city administrator and an auditor.
DEMO_USERS = (("canbo", "commune_officer"), ("thanhpho", "city_admin"), ("kiemtra", "auditor"))
DEMO_PASSWORD = "motcua-demo-2026"  # noqa: S105 - demo mode only, published on purpose
#: Most worker processes ``kiosk backend serve --workers`` starts on one machine.
MAX_WORKERS = 64
#: Largest queue publication file read (one is a few KiB).
MAX_QUEUE_FILE_BYTES = 1024 * 1024
#: How many of a refused catalog's errors are printed (a bad file can have hundreds).
SHOWN_CATALOG_ERRORS = 10


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

    serve = action("serve", "serve the HTTP API (OpenAPI at /v1/openapi.json)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=DEMO_PORT, help="port to listen on")
    serve.add_argument("--rate-limit", default=None,
                       help="requests per client, e.g. 50/second (the default)")
    serve.add_argument("--no-access-log", action="store_true", help="log no request lines")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="worker processes (each its own pool of up to 20 PostgreSQL "
                       "connections; docs/sync.md, 'Running at scale')")
    serve.set_defaults(handler=_serve)

    keygen = action("keygen", "make the sealing key pair once; print the public key")
    keygen.set_defaults(handler=_keygen)

    public_key = action("public-key", "print the public key kiosks seal personal data with")
    public_key.add_argument("--all", action="store_true",
                            help="list the current key and every retired one")
    public_key.set_defaults(handler=_public_key)

    rotate_key = action("rotate-key", "make a new current sealing key; the old ones still "
                        "open what was sealed with them")
    rotate_key.set_defaults(handler=_rotate_key)

    card_hashes = action("card-hashes", "compute the ID-card look-up hash of every stored "
                         "intake that has none (after the upgrade that added them)")
    card_hashes.set_defaults(handler=_card_hashes)

    _register_enrolment(action)
    _register_service_point(action)
    release_cli.register(action)

    revoke = action("revoke", "revoke every token of a kiosk or back-office client")
    revoke.add_argument("name")
    revoke.set_defaults(handler=_revoke)

    pull = action("pull", "the back office's view: submissions after a cursor")
    pull.add_argument("--after", default="0", help="cursor to start after (0: the start)")
    pull.add_argument("--limit", type=int, default=100, help="page size (1 to 1000)")
    pull.add_argument("--json", action="store_true", help="print JSON")
    pull.set_defaults(handler=_pull)

    fleet = action("fleet", "every enrolled kiosk and its last heartbeat")
    fleet.add_argument("--json", action="store_true", help="print JSON")
    fleet.set_defaults(handler=_fleet)

    _register_publishing(action)

    queue = action("queue", "the queue published for a service point (exit 1: none)")
    queue.add_argument("unit_code", metavar="UNIT_CODE", type=int,
                       help="the service point's commune or ward code")
    queue.add_argument("--json", action="store_true", help="print JSON")
    queue.set_defaults(handler=_queue)


def _register_publishing(action: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add the commands that publish what kiosks pull: queues, the catalog, the overlay."""
    publish_queue = action("publish-queue", "publish a service point's queue for its kiosks")
    publish_queue.add_argument("unit_code", metavar="UNIT_CODE", type=int,
                               help="the service point's commune or ward code")
    publish_queue.add_argument("file", metavar="FILE",
                               help="the queue as JSON (docs/sync.md); '-' reads standard "
                               "input; without published_at it is published as of now")
    publish_queue.add_argument("--json", action="store_true", help="print JSON")
    publish_queue.set_defaults(handler=_publish_queue)

    publish_catalog = action("publish-catalog", "publish a catalog file for every kiosk "
                             "(checked by the kiosk's own importer first)")
    publish_catalog.add_argument("file", metavar="FILE",
                                 help="a motcua-catalog file (docs/catalog-format.md), e.g. "
                                 "kiosk/data/catalog-hanoi.json")
    publish_catalog.add_argument("--json", action="store_true", help="print JSON")
    publish_catalog.set_defaults(handler=_publish_catalog)

    overlay = action("publish-overlay", "publish Hà Nội's overlay on the catalog (its own "
                     "fees and counters; docs/catalog-format.md, \"Overlay\")")
    overlay.add_argument("file", metavar="FILE", help="a motcua-catalog-overlay/1 file")
    overlay.add_argument("--json", action="store_true", help="print JSON")
    overlay.set_defaults(handler=_publish_overlay)


def _register_service_point(action: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add the commands that publish a service point's counters and officers for its hub."""
    point = action("publish-point", "publish a service point's counters and officers for "
                   "its hub (PIN hashes only: see hash-pin)")
    point.add_argument("unit_code", metavar="UNIT_CODE", type=int,
                       help="the service point's commune or ward code")
    point.add_argument("file", metavar="FILE",
                       help='JSON {"counters": [{"number", "name", "services"}], "officers": '
                       '[{"login", "name", "pin_hash"}]} (docs/queue.md); \'-\' reads '
                       'standard input')
    point.set_defaults(handler=_publish_point)

    hash_pin_command = action("hash-pin", "read an officer's PIN (6-12 digits) from standard "
                              "input and print the hash publish-point takes")
    hash_pin_command.set_defaults(handler=_hash_pin)


def _register_enrolment(action: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add the commands that let kiosks, back-office clients and people in."""
    add_kiosk = action("add-kiosk", "enrol a kiosk: print a new token for it, once")
    add_kiosk.add_argument("kiosk_id")
    add_kiosk.add_argument("--unit", type=int, metavar="UNIT_CODE",
                           help="the commune or ward it serves (its submissions are filed "
                           "there, for that unit's officers)")
    add_kiosk.set_defaults(handler=_add_kiosk)

    add_hub = action("add-hub", "enrol a service point's hub: print a new token for it, once "
                     "(it may post only its unit's queue events and queue state)")
    add_hub.add_argument("hub_id")
    add_hub.add_argument("--unit", type=int, metavar="UNIT_CODE", required=True,
                         help="the commune or ward whose service point it runs")
    add_hub.set_defaults(handler=_add_hub)

    kiosk_unit = action("set-kiosk-unit", "file a kiosk's submissions under a commune or "
                        "ward (also those it sent while it had none)")
    kiosk_unit.add_argument("kiosk_id")
    kiosk_unit.add_argument("unit_code", metavar="UNIT_CODE", type=int)
    kiosk_unit.set_defaults(handler=_set_kiosk_unit)

    load_units = action("load-units", "accept more communes and wards than Hà Nội's in the "
                        "directory and queues (default: all 3,321 of Vietnam)")
    load_units.add_argument("file", nargs="?", type=Path, metavar="FILE",
                            help="a CSV with province_code, unit_code, name, type "
                            "(docs/sync.md); default: office/data/units-vietnam-2025.csv")
    load_units.set_defaults(handler=_load_units)

    add_client = action("add-client", "add a back-office client: print its token, once")
    add_client.add_argument("name")
    add_client.add_argument("--scope", action="append", choices=SCOPE_NAMES,
                            help="what the token may do (repeat for more); without it, "
                            "everything: pull, publish, status-write and fleet")
    add_client.set_defaults(handler=_add_client)

    add_user = action("add-user", "add a person who signs in to the back office's pages")
    add_user.add_argument("username")
    add_user.add_argument("--role", required=True, choices=USER_ROLES,
                          help="city_admin: every unit; commune_officer: one unit "
                          "(--unit); auditor: read-only, the audit log")
    add_user.add_argument("--unit", type=int, metavar="UNIT_CODE",
                          help="a commune officer's commune or ward")
    add_user.add_argument("--password-stdin", action="store_true",
                          help="read the password from standard input (else one is made "
                          "and printed once)")
    add_user.set_defaults(handler=_add_user)


def backend_home(args: argparse.Namespace, context: Context) -> Path:
    """The backend's directory for this command."""
    if args.home is not None:
        home: Path = args.home
        return home
    if os.environ.get("KIOSK_BACKEND_HOME"):
        return Path(os.environ["KIOSK_BACKEND_HOME"])
    if context.demo:
        return context.config.data_dir / "backend"
    return PRODUCTION_HOME


def _keys(args: argparse.Namespace, context: Context) -> SealingKeys:
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


def _store(args: argparse.Namespace, context: Context) -> Store:
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
    return Store(engine, _keys(args, context))


#: The demo hub's name at the demo backend.
DEMO_HUB_ID = "DEMO-HUB"


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
    store = _store(args, context)
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


def _keygen(args: argparse.Namespace, context: Context) -> int:
    from office.keys import SealingKeyError, create_keys  # noqa: PLC0415

    path = backend_home(args, context) / KEY_FILE
    try:
        keys = create_keys(path)
    except SealingKeyError as error:
        raise UsageError(str(error)) from None
    print(f"sealing key written to {path} (keep it secret, back it up offline)")
    print("set on each kiosk:")
    print(f"  kiosk config set sync.backend_public_key {keys.public_key}")
    return 0


def _card_hashes(args: argparse.Namespace, context: Context) -> int:
    store = _store(args, context)
    filled = store.card_lookups.backfill(store.submissions)
    print(f"{filled} submission(s) given their card look-up hash "
          f"(key {store.submissions.card_key.key_id})")
    return 0


def _public_key(args: argparse.Namespace, context: Context) -> int:
    keys = _keys(args, context)
    if not args.all:
        print(keys.public_key)
        return 0
    print(f"current {keys.public_key}")
    for retired in keys.retired_public_keys:
        print(f"retired {retired}")
    return 0


def _rotate_key(args: argparse.Namespace, context: Context) -> int:
    from office.keys import SealingKeyError, rotate_keys  # noqa: PLC0415

    path = backend_home(args, context) / KEY_FILE
    if context.demo and not path.exists():
        raise UsageError(
            "demo mode seals with the demo key published in the source: there is no key "
            f"file to rotate in {path.parent} (make a real one with 'kiosk backend keygen')"
        )
    try:
        keys = rotate_keys(path)
    except SealingKeyError as error:
        raise UsageError(str(error)) from None
    retired = len(keys.retired_public_keys)
    print(f"new sealing key written to {path}; kiosks should now seal with:")
    print(keys.public_key)
    print("next steps:")
    print("  restart the backend: it reads its keys only when it starts")
    print("  on each kiosk: kiosk provision --backend URL --token TOKEN, or "
          f"kiosk config set sync.backend_public_key {keys.public_key}")
    print(f"  nothing to re-seal: what was sealed with the {retired} older key(s) still opens")
    return 0


def _add(args: argparse.Namespace, context: Context, name: str, kiosk: bool) -> int:
    from office.store import CredentialError, Role, Scope  # noqa: PLC0415
    from sync import wire  # noqa: PLC0415

    if re.fullmatch(wire.KIOSK_ID_PATTERN, name) is None:
        raise UsageError(f"{name!r}: use 1 to 40 letters, digits, '.', '_' or '-'")
    unit = getattr(args, "unit", None)
    scopes = getattr(args, "scope", None)
    store = _store(args, context)
    if unit is not None:
        _known_unit(unit, store)
    try:
        token = store.add_credential(
            name, Role.KIOSK if kiosk else Role.BACK_OFFICE,
            scopes=None if not scopes else {Scope(value) for value in scopes})
    except CredentialError as error:
        raise UsageError(str(error)) from None
    if unit is not None:
        store.units.assign(name, unit)
    print(token)
    if kiosk:
        print(f"# on kiosk {name} (shown once; the backend keeps only its hash):")
        print(f"#   kiosk config set kiosk.id {name}")
        print(f"#   kiosk config set sync.token {token}")
        print(f"#   kiosk config set sync.backend_public_key {store.keys.public_key}")
    else:
        granted = ", ".join(sorted(scopes)) if scopes else "every scope (" + ", ".join(
            SCOPE_NAMES) + "; --scope narrows it)"
        print(f"# back-office client {name}: send it as 'Authorization: Bearer TOKEN' "
              "(shown once; the backend keeps only its hash)")
        print(f"# it may: {granted}")
    return 0


def _set_kiosk_unit(args: argparse.Namespace, context: Context) -> int:
    store = _store(args, context)
    _known_unit(args.unit_code, store)
    filed = store.units.assign(args.kiosk_id, args.unit_code)
    print(f"kiosk {args.kiosk_id} files under unit {args.unit_code} from now on "
          f"({filed} earlier submission(s) filed there too)")
    return 0


def _add_user(args: argparse.Namespace, context: Context) -> int:
    from office.store.users import UserError, UserRole  # noqa: PLC0415

    if args.unit is not None:
        _known_unit(args.unit)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        shown = False
    else:
        import secrets  # noqa: PLC0415

        password = secrets.token_urlsafe(12)
        shown = True
    store = _store(args, context)
    try:
        user = store.users.add_user(args.username, UserRole(args.role), args.unit, password)
    except UserError as error:
        raise UsageError(str(error)) from None
    where = f", unit {user.unit_code}" if user.unit_code is not None else ""
    print(f"user {user.username} added: {user.role.value}{where}")
    if shown:
        print(f"password (shown once): {password}")
    return 0


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


def _add_hub(args: argparse.Namespace, context: Context) -> int:
    from office.store import CredentialError, Role  # noqa: PLC0415
    from sync import wire  # noqa: PLC0415

    name = args.hub_id
    if re.fullmatch(wire.KIOSK_ID_PATTERN, name) is None:
        raise UsageError(f"{name!r}: use 1 to 40 letters, digits, '.', '_' or '-'")
    _known_unit(args.unit)
    store = _store(args, context)
    try:
        token = store.add_credential(name, Role.HUB)
    except CredentialError as error:
        raise UsageError(str(error)) from None
    store.units.assign(name, args.unit)
    print(token)
    print(f"# on hub {name} (shown once; the backend keeps only its hash):")
    print("#   kiosk config set hub.city_url https://THIS-BACKEND/")
    print(f"#   kiosk config set hub.city_token {token}")
    print(f"#   kiosk config set kiosk.commune_code {args.unit}")
    return 0


def _add_kiosk(args: argparse.Namespace, context: Context) -> int:
    return _add(args, context, args.kiosk_id, kiosk=True)


def _add_client(args: argparse.Namespace, context: Context) -> int:
    return _add(args, context, args.name, kiosk=False)


def _revoke(args: argparse.Namespace, context: Context) -> int:
    revoked = _store(args, context).revoke(args.name)
    if not revoked:
        raise UsageError(f"{args.name!r} has no active token")
    print(f"revoked {revoked} token(s) of {args.name}")
    return 0


def _pull(args: argparse.Namespace, context: Context) -> int:
    if not args.after.isdigit() or len(args.after) > 18:
        raise UsageError(f"--after {args.after!r}: a cursor is a whole number")
    if not 1 <= args.limit <= 1000:
        raise UsageError("--limit must be from 1 to 1000")
    page = _store(args, context).pull(int(args.after), args.limit)
    if args.json:
        print_json(page.model_dump(mode="json"))
        return 0
    for item in page.items:
        submission = item.submission
        print(f"{item.cursor:>8}  {submission.kiosk_id:<12} {submission.kind.value:<18} "
              f"{submission.receipt_code}  {submission.uuid}")
    print(f"next cursor: {page.next_cursor}{' (more)' if page.has_more else ''}")
    return 0


def _fleet(args: argparse.Namespace, context: Context) -> int:
    from office.fleet_cli import update_detail  # noqa: PLC0415

    store = _store(args, context)
    if args.json:
        print_json(store.fleet().model_dump(mode="json"))
        return 0
    # The same health and alerts as the back office's fleet page (office.store.fleet_health).
    for health in store.heartbeats.health():
        record, beat = health.record, health.record.heartbeat
        state = "revoked" if not record.enrolled else record.kind.value
        if record.kind.value == "hub" and beat is None:
            detail = "no heartbeats; last queue events delivered"
        elif beat is not None and beat.hub is not None:
            detail = (f"events not delivered {beat.outbox_pending}, version "
                      f"{beat.software_version}, consoles {beat.hub.consoles}, displays "
                      f"{beat.hub.displays}, kiosks seen (15 min) {beat.hub.kiosks_seen}")
        elif beat is None:
            detail = "no heartbeat yet"
        else:
            detail = (f"pending {beat.outbox_pending}, failed {beat.outbox_failed}, "
                      f"version {beat.software_version}, catalog {_or_none(beat.catalog_version)}, "
                      f"overlay {_or_none(beat.overlay_version)}"
                      f"{update_detail(beat.update)}")
        alerts = ", ".join(alert.value for alert in health.alerts)
        print(f"{record.device_id:<16} {state:<9} last heard {record.last_seen_at or 'never'}: "
              f"{detail}" + (f" [{alerts}]" if alerts else ""))
    return 0


def _or_none(version: int | None) -> str:
    return "none" if version is None else str(version)


def _known_unit(unit_code: int, store: Store | None = None) -> None:
    from office.app import hanoi_unit_codes  # noqa: PLC0415 - the backend extra

    if unit_code in hanoi_unit_codes() or (
            store is not None and unit_code in store.served_units.codes()):
        return
    raise UsageError(f"unknown unit code {unit_code}: not a Hà Nội commune or ward, nor a "
                     "unit loaded with kiosk backend load-units")


def _load_units(args: argparse.Namespace, context: Context) -> int:
    from office.units_file import NATIONAL_UNITS, UnitsFileError, parse_units  # noqa: PLC0415

    path: Path = args.file or NATIONAL_UNITS
    try:
        units = parse_units(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    except UnitsFileError as error:
        raise UsageError(f"{path} refused, nothing loaded: {error}") from None
    loaded = _store(args, context).served_units.load(units)
    provinces = len({unit.province_code for unit in units})
    print(f"{loaded} units of {provinces} province(s) loaded from {path}")
    return 0


def _read_queue_file(name: str) -> str:
    """The text of FILE (``-``: standard input), UTF-8 with or without a byte order mark."""
    try:
        if name == "-":
            source = getattr(sys.stdin, "buffer", None)
            raw = (sys.stdin.read(MAX_QUEUE_FILE_BYTES + 1).encode("utf-8") if source is None
                   else source.read(MAX_QUEUE_FILE_BYTES + 1))
        else:
            with Path(name).open("rb") as file:
                raw = file.read(MAX_QUEUE_FILE_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read {_shown(name)}: {error.strerror}") from None
    if len(raw) > MAX_QUEUE_FILE_BYTES:
        raise UsageError(f"{_shown(name)}: over {MAX_QUEUE_FILE_BYTES} bytes; not a queue file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{_shown(name)}: not UTF-8 text") from None


def _shown(name: str) -> str:
    return "standard input" if name == "-" else name


def _first_problem(error: ValidationError) -> str:
    """A validation error in one line: where, what, and how many more."""
    problems = error.errors(include_url=False)
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}: {message}{more}" if where else f"{message}{more}"


def _parse_queue(name: str, text: str) -> wire.QueuePublication:
    """FILE as a publication; a missing ``published_at`` is now (UTC)."""
    from pydantic import ValidationError  # noqa: PLC0415

    from office.store import utc_now  # noqa: PLC0415
    from sync import wire  # noqa: PLC0415

    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{name}: not JSON: {error}") from None
    try:
        return wire.queue_publication(document, utc_now())
    except ValidationError as error:
        raise UsageError(f"{name}: not a queue publication: {_first_problem(error)}") from None


def _print_queue(state: wire.QueueState) -> None:
    print(f"unit {state.unit_code}: published at {state.published_at.isoformat()}, "
          f"received {state.received_at}")
    if not state.services:
        print("  no services")
    for entry in state.services:
        average = ("unknown" if entry.average_service_seconds is None
                   else f"{entry.average_service_seconds} s")
        print(f"  {entry.service}  waiting {entry.waiting} ({entry.priority_waiting} priority), "
              f"{entry.counters_open} counter(s) open, average {average}")


def _publish_queue(args: argparse.Namespace, context: Context) -> int:
    from office.store import (  # noqa: PLC0415
        NotNewerError,
        Principal,
        PublishedAtError,
        Role,
    )

    store = _store(args, context)
    _known_unit(args.unit_code, store)
    publication = _parse_queue(_shown(args.file), _read_queue_file(args.file))
    try:
        state = store.publish_queue(args.unit_code, publication,
                                    Principal(CLI_CLIENT_ID, Role.BACK_OFFICE))
    except (NotNewerError, PublishedAtError) as error:
        raise UsageError(f"refused, nothing published: {error}") from None
    if args.json:
        print_json(state.model_dump(mode="json"))
        return 0
    _print_queue(state)
    return 0


def _publish_point(args: argparse.Namespace, context: Context) -> int:
    from pydantic import ValidationError  # noqa: PLC0415

    from office.store import Principal, Role  # noqa: PLC0415
    from office.store.service_points import ServicePoints  # noqa: PLC0415
    from sync import hub_wire  # noqa: PLC0415

    _known_unit(args.unit_code)
    text = _read_queue_file(args.file)
    try:
        setup = hub_wire.PointSetup.model_validate_json(text)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(part) for part in item['loc']) or 'file'}: "
                             f"{item['msg']}" for item in error.errors()[:5])
        raise UsageError(f"{_shown(args.file)}: {problems}") from None
    store = _store(args, context)
    state = ServicePoints(store.engine, clock=store.clock).publish(
        args.unit_code, setup, Principal(CLI_CLIENT_ID, Role.BACK_OFFICE))
    print(f"published version {state.version} for unit {args.unit_code}: "
          f"{len(setup.counters)} counter(s), {len(setup.officers)} officer(s)")
    return 0


def _hash_pin(args: argparse.Namespace, context: Context) -> int:
    from kiosk.technician_pin import PinError, hash_pin  # noqa: PLC0415

    del args, context
    try:
        print(hash_pin(sys.stdin.readline().strip()))
    except PinError:
        raise UsageError("an officer's PIN is 6 to 12 digits") from None
    return 0


def _queue(args: argparse.Namespace, context: Context) -> int:
    store = _store(args, context)
    _known_unit(args.unit_code, store)
    state = store.queue_state(args.unit_code)
    if state is None:
        print(f"kiosk: no queue published for unit {args.unit_code}", file=sys.stderr)
        return 1
    if args.json:
        print_json(state.model_dump(mode="json"))
        return 0
    _print_queue(state)
    return 0


def _read_catalog_file(name: str) -> bytes:
    """The bytes of catalog FILE, refused when larger than the backend serves."""
    from sync import wire  # noqa: PLC0415

    try:
        with Path(name).open("rb") as file:
            raw = file.read(wire.MAX_CATALOG_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read {name}: {error.strerror}") from None
    if len(raw) > wire.MAX_CATALOG_BYTES:
        raise UsageError(f"{name}: over {wire.MAX_CATALOG_BYTES} bytes, the most the backend "
                         "serves; nothing published")
    return raw


def _refused_file(name: str, message: str, errors: Sequence[str]) -> UsageError:
    """A file that was not published: the reason, then its first errors, one per line."""
    shown = errors[:SHOWN_CATALOG_ERRORS]
    lines = [f"{name}: {message}:", *(f"  {line}" for line in shown)]
    if len(errors) > len(shown):
        lines.append(f"  (and {len(errors) - len(shown)} more)")
    return UsageError("\n".join(lines))


def _publish_file(args: argparse.Namespace, context: Context, kind_name: str) -> int:
    """Check FILE with the kiosk's own reader, then serve it (office.publishing: the same
    step as the back office's catalog page)."""
    from office.publishing import FileRefusedError, publish_file  # noqa: PLC0415
    from office.store import CatalogKind, Principal, Role  # noqa: PLC0415

    kind = CatalogKind(kind_name)
    raw = _read_catalog_file(args.file)
    store = _store(args, context)
    try:
        result = publish_file(store, kind, raw, Principal(CLI_CLIENT_ID, Role.BACK_OFFICE))
    except FileRefusedError as error:
        if error.errors:
            raise _refused_file(args.file, error.message, error.errors) from None
        raise UsageError(error.message) from None
    if args.json:
        print_json({"version": result.version, "etag": result.etag,
                    "already_published": result.already_published})
    else:
        print(result.message())
    return 0


def _publish_catalog(args: argparse.Namespace, context: Context) -> int:
    """Check FILE as a kiosk would import it, then serve it as the catalog."""
    return _publish_file(args, context, "catalog")


def _publish_overlay(args: argparse.Namespace, context: Context) -> int:
    """Check FILE whole with the kiosk's own reader, then serve it as Hà Nội's overlay."""
    return _publish_file(args, context, "catalog-overlay")
