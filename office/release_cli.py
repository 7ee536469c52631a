"""``kiosk backend publish-release``: serve a signed release on a channel (docs/updates.md)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from kiosk.command import Context, UsageError
from kiosk.release import ManifestError
from kiosk.release_signature import parse_trusted_keys


def register(action: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add ``publish-release`` to ``kiosk backend``."""
    publish = action("publish-release", "serve a signed release to the kiosks of a channel "
                     "(refused if they would refuse it)")
    publish.add_argument("manifest", type=Path, metavar="MANIFEST",
                         help="the manifest (its signature is MANIFEST.sig beside it)")
    publish.add_argument("artifact", type=Path, metavar="ARTIFACT", help="the release's file")
    publish.add_argument("--channel", required=True, help="e.g. pilot or stable")
    publish.add_argument("--key", action="append", required=True,
                         help="a release public key the kiosks trust (repeatable)")
    publish.set_defaults(handler=_publish_release)


def _publish_release(args: argparse.Namespace, context: Context) -> int:
    from office.cli.home import CLI_CLIENT_ID, open_store  # noqa: PLC0415 - office.cli imports this
    from office.store.releases import (  # noqa: PLC0415 - the backend extra
        PublicationClashError,
        Releases,
    )

    try:
        keys = parse_trusted_keys(" ".join(args.key))
        manifest = args.manifest.read_bytes()
        signature = args.manifest.with_name(args.manifest.name + ".sig").read_text()
        artifact = args.artifact.open("rb")  # read piece by piece: bundles are 60-135 MB
    except OSError as error:
        raise UsageError(f"cannot read {error.filename}: {error.strerror}") from None
    except ManifestError as error:
        raise UsageError(str(error)) from None
    store = open_store(args, context)
    try:
        with artifact:
            published = Releases(store.engine, clock=store.clock).publish(
                args.channel, manifest, signature=signature, artifact=artifact,
                trusted_keys=keys, publisher=CLI_CLIENT_ID)
            size = artifact.tell()
    except (ManifestError, PublicationClashError) as error:
        print(f"REFUSED: {error}")
        return 1
    print(f"channel {published.channel} now serves {published.version} "
          f"({published.artifact_name}, {size} bytes)")
    return 0
