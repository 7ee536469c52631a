"""``kiosk backend keygen | public-key | rotate-key | card-hashes``: the backend's keys."""

from __future__ import annotations

import argparse

from kiosk.command import Context, UsageError
from office.cli.home import KEY_FILE, Action, backend_home, open_store, sealing_keys


def register(action: Action) -> None:
    """Add the commands that make, show and rotate the sealing key, and fill card hashes."""
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
    store = open_store(args, context)
    filled = store.card_lookups.backfill(store.submissions)
    print(f"{filled} submission(s) given their card look-up hash "
          f"(key {store.submissions.card_key.key_id})")
    return 0


def _public_key(args: argparse.Namespace, context: Context) -> int:
    keys = sealing_keys(args, context)
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
