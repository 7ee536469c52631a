"""``kiosk release ...``: make, sign and check release manifests (docs/updates.md).

``keygen`` and ``sign`` run on the city's offline signing machine; ``verify`` anywhere (a
kiosk checks with the keys in ``update.release_keys``, or the ones given).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from kiosk.command import Context, UsageError
from kiosk.release import (
    Artifact,
    Manifest,
    ManifestError,
    SchemaRange,
    Version,
    check_artifact,
    parse_manifest,
)
from kiosk.release_signature import (
    generate_key_pair,
    parse_trusted_keys,
    public_key_of,
    sign,
    verify,
)
from kiosk.storage import SCHEMA_VERSION
from motcua.cli.release_bundle import add_bundle

#: Where ``sign`` writes the signature and ``verify`` looks for it: beside the manifest.
SIGNATURE_SUFFIX = ".sig"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk release``."""
    area = commands.add_parser("release", help="make, sign and verify signed releases")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)

    keygen = actions.add_parser("keygen", help="make a release signing key (offline machine)")
    keygen.add_argument("key_file", type=Path, help="where to write the private key (0600)")
    keygen.set_defaults(handler=_keygen)

    manifest = actions.add_parser("manifest", help="write the manifest of a built artifact")
    manifest.add_argument("artifact", type=Path, help="the release's wheel (or tar)")
    manifest.add_argument("--version", required=True, help="MAJOR.MINOR.PATCH")
    manifest.add_argument("--channel", default="stable")
    manifest.add_argument("--schema-min", type=int, default=0,
                          help="oldest kiosk database schema it migrates from (0: any)")
    manifest.add_argument("--schema-max", type=int, default=SCHEMA_VERSION,
                          help=f"schema it migrates to (default: this build's, {SCHEMA_VERSION})")
    manifest.add_argument("-o", "--output", type=Path, required=True)
    manifest.set_defaults(handler=_manifest)

    signer = actions.add_parser("sign", help="sign a manifest; writes MANIFEST.sig")
    signer.add_argument("manifest", type=Path)
    signer.add_argument("--key-file", type=Path, required=True, help="the private release key")
    signer.set_defaults(handler=_sign)

    check = actions.add_parser("verify", help="check a manifest's signature (and its artifact)")
    check.add_argument("manifest", type=Path)
    check.add_argument("--artifact", type=Path, help="also check this file's size and SHA-256")
    check.add_argument("--key", action="append", default=[],
                       help="trusted public key (repeatable; default: update.release_keys)")
    check.set_defaults(handler=_verify)

    add_bundle(actions)


def _keygen(args: argparse.Namespace, context: Context) -> int:
    path: Path = args.key_file
    pair = generate_key_pair()
    try:
        # O_EXCL: never overwrite a key that signed releases kiosks already trust.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{path} exists; a release key is never overwritten") from None
    with os.fdopen(descriptor, "w") as stream:
        stream.write(pair.private + "\n")
    print(f"private release key written to {path} (keep it offline, back it up)")
    print("trust it on each kiosk (keep the previous key listed while rotating):")
    print(f"  kiosk config set update.release_keys {pair.public}")
    return 0


def _manifest(args: argparse.Namespace, context: Context) -> int:
    artifact: Path = args.artifact
    try:
        data = artifact.read_bytes()
        manifest = Manifest(
            version=Version.parse(args.version),
            channel=args.channel,
            artifact=Artifact(artifact.name, hashlib.sha256(data).hexdigest(), len(data)),
            schema=SchemaRange(args.schema_min, args.schema_max),
            created_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        )
        # Round trip through the strict parser: never write a manifest kiosks refuse.
        parse_manifest(manifest.to_bytes())
    except OSError as error:
        raise UsageError(f"cannot read {artifact}: {error.strerror}") from None
    except ManifestError as error:
        raise UsageError(str(error)) from None
    args.output.write_bytes(manifest.to_bytes())
    print(f"{args.output}: {manifest.version} on {manifest.channel}, {len(data)} bytes")
    return 0


def _sign(args: argparse.Namespace, context: Context) -> int:
    try:
        raw = args.manifest.read_bytes()
        private = args.key_file.read_text().strip()
        manifest = parse_manifest(raw)
        signature = sign(raw, private)
    except OSError as error:
        raise UsageError(f"cannot read {error.filename}: {error.strerror}") from None
    except ManifestError as error:
        raise UsageError(f"not signed: {error}") from None
    target = args.manifest.with_name(args.manifest.name + SIGNATURE_SUFFIX)
    target.write_text(signature + "\n")
    print(f"{target}: {manifest.version} signed by {public_key_of(private)}")
    return 0


def _verify(args: argparse.Namespace, context: Context) -> int:
    try:
        keys = parse_trusted_keys(
            " ".join(args.key) if args.key else context.config.text("update.release_keys")
        )
        raw = args.manifest.read_bytes()
        signature_path = args.manifest.with_name(args.manifest.name + SIGNATURE_SUFFIX)
        manifest = verify(raw, signature_path.read_text(), keys)
        if args.artifact is not None:
            check_artifact(manifest, args.artifact)
    except OSError as error:
        raise UsageError(f"cannot read {error.filename}: {error.strerror}") from None
    except ManifestError as error:
        print(f"REFUSED: {error}")
        return 1
    print(json.dumps({"verified": True, **manifest.to_json()}, ensure_ascii=False))
    return 0
