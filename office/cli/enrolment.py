"""``kiosk backend add-kiosk | add-hub | add-client | add-user | revoke``: who may come in."""

from __future__ import annotations

import argparse
import re
import sys

from kiosk.command import Context, UsageError
from office.cli.home import Action, open_store
from office.cli.units import known_unit

#: ``--scope`` values (office.store.credentials.Scope) and roles (office.store.users.UserRole),
#: spelt out here so that parsing the command line imports no backend library.
SCOPE_NAMES = ("pull", "publish", "status-write", "fleet")
USER_ROLES = ("city_admin", "commune_officer", "auditor")


def register_devices(action: Action) -> None:
    """Add the commands that enrol a kiosk or a service point's hub."""
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


def register_people(action: Action) -> None:
    """Add the commands that let back-office clients and people in."""
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


def register_revoke(action: Action) -> None:
    """Add ``revoke``."""
    revoke = action("revoke", "revoke every token of a kiosk or back-office client")
    revoke.add_argument("name")
    revoke.set_defaults(handler=_revoke)


def _add(args: argparse.Namespace, context: Context, name: str, kiosk: bool) -> int:
    from office.store import CredentialError, Role, Scope  # noqa: PLC0415
    from sync import wire  # noqa: PLC0415

    if re.fullmatch(wire.KIOSK_ID_PATTERN, name) is None:
        raise UsageError(f"{name!r}: use 1 to 40 letters, digits, '.', '_' or '-'")
    unit = getattr(args, "unit", None)
    scopes = getattr(args, "scope", None)
    store = open_store(args, context)
    if unit is not None:
        known_unit(unit, store)
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


def _add_user(args: argparse.Namespace, context: Context) -> int:
    from office.store.users import UserError, UserRole  # noqa: PLC0415

    store = open_store(args, context)
    if args.unit is not None:
        known_unit(args.unit, store)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        shown = False
    else:
        import secrets  # noqa: PLC0415

        password = secrets.token_urlsafe(12)
        shown = True
    try:
        user = store.users.add_user(args.username, UserRole(args.role), args.unit, password)
    except UserError as error:
        raise UsageError(str(error)) from None
    where = f", unit {user.unit_code}" if user.unit_code is not None else ""
    print(f"user {user.username} added: {user.role.value}{where}")
    if shown:
        print(f"password (shown once): {password}")
    return 0


def _add_hub(args: argparse.Namespace, context: Context) -> int:
    from office.store import CredentialError, Role  # noqa: PLC0415
    from sync import wire  # noqa: PLC0415

    name = args.hub_id
    if re.fullmatch(wire.KIOSK_ID_PATTERN, name) is None:
        raise UsageError(f"{name!r}: use 1 to 40 letters, digits, '.', '_' or '-'")
    store = open_store(args, context)
    known_unit(args.unit, store)
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
    revoked = open_store(args, context).revoke(args.name)
    if not revoked:
        raise UsageError(f"{args.name!r} has no active token")
    print(f"revoked {revoked} token(s) of {args.name}")
    return 0
