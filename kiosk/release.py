"""A release manifest: what the city publishes for one build, parsed strictly.

The manifest is a small JSON object, signed as raw bytes (kiosk/release_signature.py), so
the kiosk decides everything about an update from it before it downloads the artifact:

    {"format": "motcua-release/1", "version": "2.4.0", "channel": "stable",
     "artifact": {"name": "motcua_kiosk-2.4.0-py3-none-any.whl",
                  "sha256": "<64 hex>", "size": 812345},
     "schema": {"min": 12, "max": 19},
     "created_at": "2026-12-07T09:00:00+07:00"}

``schema.max`` is the kiosk database schema the release migrates to (its
``kiosk.storage.SCHEMA_VERSION``: it cannot open a newer database); ``schema.min`` the
oldest database it can migrate from. Parsing refuses unknown keys, missing keys and wrong
types with one message naming the field, because a manifest the kiosk half-understands is
worse than one it refuses: the refusal is reported and the running release keeps working.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The only manifest format this release reads.
MANIFEST_FORMAT = "motcua-release/1"

_VERSION = re.compile(r"(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})")
_CHANNEL = re.compile(r"[a-z][a-z0-9-]{0,31}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# A wheel or tar file name: no directory part, so it can never escape the download folder.
_ARTIFACT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,199}")
_KEYS = {"format", "version", "channel", "artifact", "schema", "created_at"}
_ARTIFACT_KEYS = {"name", "sha256", "size"}
_SCHEMA_KEYS = {"min", "max"}
#: Larger than any wheelhouse we build (about 60 MB); a bigger claim is refused unread.
MAX_ARTIFACT_BYTES = 512 * 1024 * 1024


class ManifestError(ValueError):
    """A manifest (or an artifact checked against it) that must be refused, and why."""


@dataclass(frozen=True, order=True)
class Version:
    """A release version ``MAJOR.MINOR.PATCH``, ordered numerically (2.10.0 > 2.9.0)."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        """``text`` as a version, or ManifestError (no pre-release tags: kiosks run releases)."""
        match = _VERSION.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ManifestError(f"version {text!r} is not MAJOR.MINOR.PATCH (e.g. 2.4.0)")
        return cls(int(match[1]), int(match[2]), int(match[3]))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True)
class Artifact:
    """The file a release installs from, identified by its SHA-256 and size."""

    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class SchemaRange:
    """The kiosk database schemas a release can open: from ``min`` it migrates up to ``max``."""

    min: int
    max: int


@dataclass(frozen=True)
class Manifest:
    """One published release (see the module docstring for the JSON form)."""

    version: Version
    channel: str
    artifact: Artifact
    schema: SchemaRange
    created_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        """The JSON object that :func:`parse_manifest` reads back to an equal manifest."""
        return {
            "format": MANIFEST_FORMAT,
            "version": str(self.version),
            "channel": self.channel,
            "artifact": {
                "name": self.artifact.name,
                "sha256": self.artifact.sha256,
                "size": self.artifact.size,
            },
            "schema": {"min": self.schema.min, "max": self.schema.max},
            "created_at": self.created_at.isoformat(),
        }

    def to_bytes(self) -> bytes:
        """Canonical bytes to sign: sorted keys, no spaces, UTF-8, final newline."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return (text + "\n").encode()


def parse_manifest(raw: bytes) -> Manifest:
    """The manifest in ``raw`` JSON bytes, or ManifestError naming the first bad field."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"the manifest is not UTF-8 JSON: {error}") from None
    top = _object(data, "manifest", _KEYS)
    if top["format"] != MANIFEST_FORMAT:
        raise ManifestError(
            f"format {top['format']!r} is not {MANIFEST_FORMAT!r}: a newer release format; "
            "update through a release this kiosk understands first"
        )
    channel = _string(top["channel"], "channel")
    if _CHANNEL.fullmatch(channel) is None:
        raise ManifestError(f"channel {channel!r} is not a lower-case name (e.g. stable)")
    artifact = _object(top["artifact"], "artifact", _ARTIFACT_KEYS)
    name = _string(artifact["name"], "artifact.name")
    if _ARTIFACT_NAME.fullmatch(name) is None or ".." in name:
        raise ManifestError(f"artifact.name {name!r} is not a plain file name")
    sha256 = _string(artifact["sha256"], "artifact.sha256")
    if _SHA256.fullmatch(sha256) is None:
        raise ManifestError("artifact.sha256 is not 64 lower-case hexadecimal digits")
    size = _integer(artifact["size"], "artifact.size")
    if not 0 < size <= MAX_ARTIFACT_BYTES:
        raise ManifestError(f"artifact.size {size} is not between 1 and {MAX_ARTIFACT_BYTES}")
    schema = _object(top["schema"], "schema", _SCHEMA_KEYS)
    low = _integer(schema["min"], "schema.min")
    high = _integer(schema["max"], "schema.max")
    if not 0 <= low <= high:
        raise ManifestError(f"schema range {low}..{high} is not 0 <= min <= max")
    return Manifest(
        version=Version.parse(_string(top["version"], "version")),
        channel=channel,
        artifact=Artifact(name=name, sha256=sha256, size=size),
        schema=SchemaRange(min=low, max=high),
        created_at=_moment(_string(top["created_at"], "created_at")),
    )


def check_artifact(manifest: Manifest, path: Path) -> None:
    """Raise ManifestError unless the file at ``path`` is exactly the manifest's artifact."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    _compare(manifest, path.name, path.stat().st_size, digest.hexdigest())


def check_artifact_data(manifest: Manifest, name: str, data: bytes) -> None:
    """Raise ManifestError unless ``data`` is exactly the manifest's artifact."""
    _compare(manifest, name, len(data), hashlib.sha256(data).hexdigest())


def check_artifact_digest(manifest: Manifest, name: str, size: int, sha256: str) -> None:
    """Raise ManifestError unless ``size`` and ``sha256`` (hex) are the manifest's artifact's
    (for an artifact hashed as it streams by)."""
    _compare(manifest, name, size, sha256)


def _compare(manifest: Manifest, name: str, size: int, sha256: str) -> None:
    if size != manifest.artifact.size:
        raise ManifestError(f"{name} has {size} bytes; the manifest says {manifest.artifact.size}")
    if sha256 != manifest.artifact.sha256:
        raise ManifestError(f"{name}'s SHA-256 differs from the manifest's: refused")


def _object(value: object, where: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ManifestError(f"{where} is not a JSON object")
    missing = sorted(keys - value.keys())
    if missing:
        raise ManifestError(f"{where} lacks {', '.join(missing)}")
    unknown = sorted(value.keys() - keys)
    if unknown:
        raise ManifestError(f"{where} has unknown field(s) {', '.join(unknown)}")
    return value


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ManifestError(f"{where} is not a string")
    return value


def _integer(value: object, where: str) -> int:
    # bool is an int in Python; true as a size is a mistake, not 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ManifestError(f"{where} is not an integer")
    return value


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ManifestError(f"created_at {text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ManifestError("created_at has no UTC offset")
    return moment
