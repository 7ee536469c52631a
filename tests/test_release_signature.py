"""Release signatures with real Ed25519 keys, and the ``kiosk release`` commands."""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.release import Manifest, ManifestError, Version, check_artifact, parse_manifest
from kiosk.release_signature import (
    SignatureError,
    generate_key_pair,
    parse_trusted_keys,
    public_key_of,
    sign,
    verify,
)
from tests.conftest import Result

Kiosk = Callable[..., Result]
ARTIFACT = b"PK\x03\x04 a wheel"


def manifest_bytes(version: str = "2.4.0") -> bytes:
    return json.dumps({
        "format": "motcua-release/1", "version": version, "channel": "pilot",
        "artifact": {"name": "motcua_kiosk-2.4.0-py3-none-any.whl",
                     "sha256": hashlib.sha256(ARTIFACT).hexdigest(), "size": len(ARTIFACT)},
        "schema": {"min": 0, "max": 19}, "created_at": "2026-12-07T09:00:00+07:00",
    }).encode()


def test_a_signed_manifest_verifies_under_its_key_and_parses():
    pair = generate_key_pair()
    raw = manifest_bytes()
    manifest = verify(raw, sign(raw, pair.private), [pair.public])
    assert manifest.version == Version(2, 4, 0)
    assert public_key_of(pair.private) == pair.public


def test_a_manifest_changed_by_one_byte_is_refused():
    pair = generate_key_pair()
    raw = manifest_bytes()
    signature = sign(raw, pair.private)
    tampered = raw.replace(b"2.4.0", b"2.4.1", 1)
    with pytest.raises(SignatureError, match="does not match any trusted release key"):
        verify(tampered, signature, [pair.public])


def test_a_key_that_is_not_trusted_is_refused_and_the_next_key_is_accepted():
    current, stranger, rotated = generate_key_pair(), generate_key_pair(), generate_key_pair()
    raw = manifest_bytes()
    with pytest.raises(SignatureError):
        verify(raw, sign(raw, stranger.private), [current.public])
    # Rotation: a kiosk trusting current and next accepts a release signed with either.
    assert verify(raw, sign(raw, rotated.private), [current.public, rotated.public])


def test_no_trusted_key_means_no_update():
    pair = generate_key_pair()
    raw = manifest_bytes()
    with pytest.raises(SignatureError, match=r"update\.release_keys is empty"):
        verify(raw, sign(raw, pair.private), [])


def test_a_signature_is_checked_before_the_manifest_is_read():
    pair = generate_key_pair()
    with pytest.raises(SignatureError):
        verify(b"not json", sign(b"other", pair.private), [pair.public])
    garbage = b"not json"
    with pytest.raises(ManifestError, match="not UTF-8 JSON"):
        verify(garbage, sign(garbage, pair.private), [pair.public])


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("!!", "the signature is not base64 text"),
        ("AAAA", "the signature has 3 bytes; it must have 64"),
    ],
)
def test_a_malformed_signature_is_named(signature, message):
    with pytest.raises(SignatureError) as error:
        verify(manifest_bytes(), signature, [generate_key_pair().public])
    assert str(error.value) == message


def test_trusted_keys_parse_from_config_text():
    one, two = generate_key_pair().public, generate_key_pair().public
    assert parse_trusted_keys(f" {one}, {two} ") == (one, two)
    with pytest.raises(SignatureError, match="release public key has 3 bytes"):
        parse_trusted_keys("AAAA")


def test_a_tampered_artifact_is_refused_after_a_good_signature(tmp_path: Path):
    pair = generate_key_pair()
    raw = manifest_bytes()
    manifest: Manifest = verify(raw, sign(raw, pair.private), [pair.public])
    wheel = tmp_path / manifest.artifact.name
    wheel.write_bytes(ARTIFACT[:-1] + b"!")
    with pytest.raises(ManifestError, match="SHA-256 differs"):
        check_artifact(manifest, wheel)


def test_the_release_commands_make_sign_and_verify_a_release(kiosk: Kiosk, tmp_path: Path):
    key_file = tmp_path / "release.key"
    made = kiosk("release", "keygen", str(key_file))
    assert made.status == 0, made.err
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    public = public_key_of(key_file.read_text().strip())
    assert f"kiosk config set update.release_keys {public}" in made.out
    assert kiosk("release", "keygen", str(key_file)).status == 2  # never overwritten

    wheel = tmp_path / "motcua_kiosk-2.4.0-py3-none-any.whl"
    wheel.write_bytes(ARTIFACT)
    manifest = tmp_path / "manifest.json"
    written = kiosk("release", "manifest", str(wheel), "--version", "2.4.0", "--channel",
                    "pilot", "--schema-max", "19", "-o", str(manifest))
    assert written.status == 0, written.err
    assert parse_manifest(manifest.read_bytes()).artifact.size == len(ARTIFACT)

    assert kiosk("release", "sign", str(manifest), "--key-file", str(key_file)).status == 0
    assert (tmp_path / "manifest.json.sig").exists()

    # The kiosk's configured keys are used by default.
    assert kiosk("config", "set", "update.release_keys", public).status == 0
    checked = kiosk("release", "verify", str(manifest), "--artifact", str(wheel))
    assert checked.status == 0, checked.out
    assert checked.json()["verified"] is True
    assert checked.json()["version"] == "2.4.0"

    wheel.write_bytes(ARTIFACT + b"x")
    refused = kiosk("release", "verify", str(manifest), "--artifact", str(wheel))
    assert (refused.status, refused.out) == (
        1, f"REFUSED: {wheel.name} has {len(ARTIFACT) + 1} bytes; the manifest says "
        f"{len(ARTIFACT)}\n")
    stranger = generate_key_pair().public
    assert kiosk("release", "verify", str(manifest), "--key", stranger).status == 1


def test_the_update_commands_report_idle_and_need_enrolment(kiosk: Kiosk, tmp_path: Path):
    assert kiosk("config", "set", "update.root", str(tmp_path / "opt")).status == 0
    assert kiosk("update", "status").out == '{"state": "idle"}\n'
    # the update unit's run on a kiosk waiting for enrolment: nothing to do, not a failure
    waiting = kiosk("update", "check")
    assert (waiting.status, waiting.out) == (
        0, "kiosk update: not enrolled yet: no release to look for\n")
    refused = kiosk("update", "trial")
    assert refused.status == 2
    assert "not enrolled (sync.backend_url, sync.token): kiosk provision first" in refused.err
