"""The release manifest: strict parsing with errors that name the field, artifact checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.release import (
    Artifact,
    Manifest,
    ManifestError,
    SchemaRange,
    Version,
    check_artifact,
    parse_manifest,
)

SHA = "ab" * 32


def manifest_json(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": "motcua-release/1",
        "version": "2.4.0",
        "channel": "stable",
        "artifact": {"name": "motcua_kiosk-2.4.0-py3-none-any.whl", "sha256": SHA, "size": 10},
        "schema": {"min": 12, "max": 19},
        "created_at": "2026-12-07T09:00:00+07:00",
    }
    data.update(changes)
    return data


def raw(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


def test_a_complete_manifest_parses_to_its_fields():
    manifest = parse_manifest(raw(manifest_json()))
    assert manifest == Manifest(
        version=Version(2, 4, 0),
        channel="stable",
        artifact=Artifact("motcua_kiosk-2.4.0-py3-none-any.whl", SHA, 10),
        schema=SchemaRange(12, 19),
        created_at=dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC),
    )


def test_the_canonical_bytes_read_back_to_the_same_manifest():
    manifest = parse_manifest(raw(manifest_json()))
    assert parse_manifest(manifest.to_bytes()) == manifest
    assert manifest.to_bytes().endswith(b"}\n")
    assert b" " not in manifest.to_bytes()


def test_versions_order_numerically_not_as_text():
    assert Version.parse("2.10.0") > Version.parse("2.9.7")
    assert str(Version.parse("10.0.3")) == "10.0.3"


@pytest.mark.parametrize("text", ["2.4", "2.4.0-rc1", "02.4.0", "v2.4.0", " 2.4.0", ""])
def test_a_version_that_is_not_major_minor_patch_is_refused(text):
    with pytest.raises(ManifestError, match=r"is not MAJOR\.MINOR\.PATCH"):
        Version.parse(text)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"format": "motcua-release/2"},
            "format 'motcua-release/2' is not 'motcua-release/1': a newer release format; "
            "update through a release this kiosk understands first",
        ),
        ({"channel": "Stable"}, "channel 'Stable' is not a lower-case name (e.g. stable)"),
        ({"version": 24}, "version is not a string"),
        ({"extra": 1}, "manifest has unknown field(s) extra"),
        ({"schema": {"min": 20, "max": 19}}, "schema range 20..19 is not 0 <= min <= max"),
        ({"schema": {"min": 1}}, "schema lacks max"),
        ({"schema": {"min": True, "max": 19}}, "schema.min is not an integer"),
        ({"created_at": "2026-12-07T09:00:00"}, "created_at has no UTC offset"),
        ({"created_at": "yesterday"}, "created_at 'yesterday' is not an ISO 8601 time"),
        (
            {"artifact": {"name": "../etc/passwd", "sha256": SHA, "size": 1}},
            "artifact.name '../etc/passwd' is not a plain file name",
        ),
        (
            {"artifact": {"name": "a.whl", "sha256": SHA.upper(), "size": 1}},
            "artifact.sha256 is not 64 lower-case hexadecimal digits",
        ),
        (
            {"artifact": {"name": "a.whl", "sha256": SHA, "size": 0}},
            "artifact.size 0 is not between 1 and 536870912",
        ),
    ],
)
def test_a_bad_field_is_refused_with_its_name(changes, message):
    with pytest.raises(ManifestError) as error:
        parse_manifest(raw(manifest_json(**changes)))
    assert str(error.value) == message


def test_a_missing_field_is_named():
    data = manifest_json()
    del data["channel"], data["created_at"]
    with pytest.raises(ManifestError) as error:
        parse_manifest(raw(data))
    assert str(error.value) == "manifest lacks channel, created_at"


def test_bytes_that_are_not_json_are_refused():
    with pytest.raises(ManifestError, match="the manifest is not UTF-8 JSON"):
        parse_manifest(b"\xff{")
    with pytest.raises(ManifestError, match="manifest is not a JSON object"):
        parse_manifest(b"[]")


def test_the_artifact_is_accepted_only_with_its_exact_size_and_hash(tmp_path: Path):
    content = b"wheel bytes"
    manifest = parse_manifest(raw(manifest_json(artifact={
        "name": "a.whl", "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)})))
    good = tmp_path / "a.whl"
    good.write_bytes(content)
    check_artifact(manifest, good)

    tampered = tmp_path / "b.whl"
    tampered.write_bytes(b"wheel bytez")
    with pytest.raises(ManifestError, match="SHA-256 differs from the manifest's: refused"):
        check_artifact(manifest, tampered)
    cut = tmp_path / "c.whl"
    cut.write_bytes(content[:-1])
    with pytest.raises(ManifestError, match="has 10 bytes; the manifest says 11"):
        check_artifact(manifest, cut)
