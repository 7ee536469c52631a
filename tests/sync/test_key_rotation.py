"""Rotating the backend's sealing key: old blobs still open, kiosks on the old key are told.

The key file (office/keys.py) holds the current key first, then the retired ones;
``kiosk backend rotate-key`` puts a new key in front. Kiosks record the key the backend
publishes at each heartbeat, and the sealing key check warns while they still seal with
another one (docs/sync.md, "Rotating the sealing key").
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import DATABASE_FILE, Config, load_config
from kiosk.doctor import CheckStatus
from kiosk.sealing import SealedBoxSealer
from kiosk.sync_state import SyncFact, put_facts, read_fact
from office.keys import (
    SealedDataError,
    SealingKeyError,
    SealingKeys,
    create_keys,
    load_keys,
    rotate_keys,
)
from sync.agent import SyncAgent
from sync.checks import check_sealing_key
from sync.client import BackendClient, FailureKind, RequestFailedError
from tests.conftest import Result
from tests.sync.conftest import KEYS, Backend, Kiosk
from tests.sync.helpers import fill

Run = Callable[..., Result]
CITIZEN = {"id_number": "001099012345", "full_name": "Nguyễn Văn An", "sex": "male"}
NOT_A_KEY = "not a base64 Curve25519 private key"
FIX = ("run 'kiosk provision' (or kiosk config set sync.backend_public_key <key>) to seal "
       "with the new key; what was sealed before still opens")


def sealed_for(public_key: str, value: dict[str, Any] = CITIZEN) -> str:
    """``value`` sealed as a kiosk seals it, in base64 as the wire carries it."""
    raw = SealedBoxSealer(public_key).seal(json.dumps(value).encode("utf-8"))
    return base64.b64encode(raw).decode("ascii")


def key_lines(path: Path) -> list[str]:
    return path.read_text(encoding="ascii").splitlines()


# -- the key file -----------------------------------------------------------------------------


def test_a_rotation_keeps_what_was_sealed_before_openable(tmp_path: Path) -> None:
    # GIVEN a backend key and an identity a kiosk sealed with its public half
    path = tmp_path / "sealing.key"
    old = create_keys(path)
    before = sealed_for(old.public_key)
    # WHEN the key is rotated and the backend loads its keys again
    rotated = rotate_keys(path)
    loaded = load_keys(path)
    # THEN the new key is current, the old one retired
    assert loaded.public_key == rotated.public_key
    assert loaded.public_key != old.public_key
    assert loaded.retired_public_keys == [old.public_key]
    # AND what was sealed with the old key still opens, to the same object
    assert loaded.open(before) == CITIZEN
    # AND what kiosks seal with the new key opens
    after = {"id_number": "001099054321", "full_name": "Trần Thị Bình", "sex": "female"}
    assert loaded.open(sealed_for(loaded.public_key, after)) == after
    # AND a blob sealed for an unrelated key still does not
    with pytest.raises(SealedDataError, match="another backend's public key"):
        loaded.open(sealed_for(SealingKeys.generate().public_key))
    # AND the file is the owner's alone, two keys, the new one first, nothing left beside it
    assert path.stat().st_mode & 0o777 == 0o600
    assert key_lines(path) == [loaded.private_key_text(), old.private_key_text()]
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["sealing.key"]


def test_rotating_twice_keeps_three_keys_newest_first(tmp_path: Path) -> None:
    # GIVEN a key rotated once
    path = tmp_path / "sealing.key"
    first = create_keys(path)
    second = rotate_keys(path)
    sealed = [sealed_for(first.public_key), sealed_for(second.public_key)]
    # WHEN it is rotated again
    third = rotate_keys(path)
    # THEN the file holds the three keys, newest first, and every blob still opens
    loaded = load_keys(path)
    assert len(key_lines(path)) == 3
    assert loaded.public_key == third.public_key
    assert loaded.retired_public_keys == [second.public_key, first.public_key]
    assert [loaded.open(blob) for blob in sealed] == [CITIZEN, CITIZEN]
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_file_of_one_key_with_blank_lines_loads_as_one_key(tmp_path: Path) -> None:
    # GIVEN a key file of one key, between blank lines (as an editor may leave it)
    path = tmp_path / "sealing.key"
    keys = SealingKeys.generate()
    path.write_text(f"\n{keys.private_key_text()}\n\n", encoding="ascii")
    # WHEN it is loaded THEN it is that key alone
    loaded = load_keys(path)
    assert (loaded.public_key, loaded.retired_public_keys) == (keys.public_key, [])
    assert loaded.open(sealed_for(keys.public_key)) == CITIZEN


def test_a_corrupted_line_is_named_by_its_number_without_showing_any_key(
    tmp_path: Path,
) -> None:
    # GIVEN a key file whose third line (after a blank one) is a key cut short
    path = tmp_path / "sealing.key"
    create_keys(path)
    rotate_keys(path)
    current, retired = key_lines(path)
    path.write_text(f"{current}\n\n{retired[:-6]}\n", encoding="ascii")
    # WHEN the backend loads it, or a rotation is tried
    with pytest.raises(SealingKeyError) as loading:
        load_keys(path)
    with pytest.raises(SealingKeyError) as rotating:
        rotate_keys(path)
    # THEN both refuse, naming the line, and never repeat key material
    assert str(loading.value) == f"{path}: line 3: {NOT_A_KEY}"
    assert str(rotating.value) == f"{path}: line 3: {NOT_A_KEY}"
    for message in (str(loading.value), str(rotating.value)):
        assert current not in message and retired[:-6] not in message
        assert current[:8] not in message and retired[:8] not in message
    # AND the file is left as it was
    assert key_lines(path) == [current, "", retired[:-6]]


def test_a_key_of_the_wrong_length_and_an_empty_file_are_refused(tmp_path: Path) -> None:
    # GIVEN a line of valid base64 that is not 32 bytes, then a file of blank lines only
    path = tmp_path / "sealing.key"
    path.write_text(SealingKeys.generate().private_key_text() + "\n"
                    + base64.b64encode(b"x" * 31).decode() + "\n", encoding="ascii")
    # WHEN each is loaded THEN each is refused, saying why
    with pytest.raises(SealingKeyError) as short:
        load_keys(path)
    assert str(short.value) == f"{path}: line 2: {NOT_A_KEY}"
    path.write_text("\n  \n", encoding="ascii")
    with pytest.raises(SealingKeyError) as empty:
        load_keys(path)
    assert str(empty.value) == f"{path}: holds no key"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_a_rotation_by_root_keeps_the_key_file_owned_by_the_backends_user(
    tmp_path: Path,
) -> None:
    # GIVEN a key file owned by the backend's user (not root)
    path = tmp_path / "sealing.key"
    create_keys(path)
    os.chown(path, 4242, 4343)
    # WHEN root rotates it
    rotate_keys(path)
    # THEN the backend's user still owns it, alone
    assert (path.stat().st_uid, path.stat().st_gid) == (4242, 4343)
    assert path.stat().st_mode & 0o777 == 0o600


def test_rotating_a_missing_key_file_is_refused(tmp_path: Path) -> None:
    # GIVEN a backend home with no key yet
    path = tmp_path / "sealing.key"
    # WHEN a rotation is asked for
    with pytest.raises(SealingKeyError) as refused:
        rotate_keys(path)
    # THEN it is refused, pointing at keygen, and nothing is written
    assert str(refused.value) == f"no sealing key at {path}: make one with 'kiosk backend keygen'"
    assert list(tmp_path.iterdir()) == []


# -- the command line -------------------------------------------------------------------------


def test_rotate_key_prints_the_new_key_and_the_next_steps_and_public_key_lists_all(
    kiosk: Run, tmp_path: Path
) -> None:
    # GIVEN a backend with its first key
    home = ["--home", str(tmp_path / "backend")]
    path = tmp_path / "backend" / "sealing.key"
    assert kiosk("backend", "keygen", *home).status == 0
    old = kiosk("backend", "public-key", *home).out.strip()
    # WHEN the key is rotated
    rotated = kiosk("backend", "rotate-key", *home)
    # THEN the new public key is printed with the steps that follow, one a line
    assert rotated.status == 0, rotated.err
    new = rotated.out.splitlines()[1]
    assert new != old
    assert rotated.out == (
        f"new sealing key written to {path}; kiosks should now seal with:\n"
        f"{new}\n"
        "next steps:\n"
        "  restart the backend: it reads its keys only when it starts\n"
        "  on each kiosk: kiosk provision --backend URL --token TOKEN, or "
        f"kiosk config set sync.backend_public_key {new}\n"
        "  nothing to re-seal: what was sealed with the 1 older key(s) still opens\n"
    )
    # AND public-key prints the new key; with --all, the retired one after it
    assert kiosk("backend", "public-key", *home).out == f"{new}\n"
    assert kiosk("backend", "public-key", "--all", *home).out == (
        f"current {new}\nretired {old}\n"
    )
    # AND a second rotation keeps both older keys
    newest = kiosk("backend", "rotate-key", *home).out.splitlines()[1]
    assert kiosk("backend", "public-key", "--all", *home).out == (
        f"current {newest}\nretired {new}\nretired {old}\n"
    )
    assert path.stat().st_mode & 0o777 == 0o600


def test_rotate_key_refuses_without_a_key_and_refuses_the_demo_key(
    kiosk: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KIOSK_BACKEND_HOME", raising=False)
    # GIVEN a backend home without a key file
    missing = kiosk("backend", "rotate-key", "--home", str(tmp_path / "backend"))
    # THEN rotating is refused, pointing at keygen
    assert missing.status == 2
    assert missing.err == (f"kiosk: no sealing key at {tmp_path / 'backend' / 'sealing.key'}: "
                           "make one with 'kiosk backend keygen'\n")
    # GIVEN demo mode, which seals with the demo key published in the source
    demo_home = tmp_path / "data" / "backend"
    demo = kiosk("--demo", "backend", "rotate-key")
    # THEN rotating it is refused, and no key file appears
    assert demo.status == 2
    assert demo.err == (
        "kiosk: demo mode seals with the demo key published in the source: there is no key "
        f"file to rotate in {demo_home} (make a real one with 'kiosk backend keygen')\n"
    )
    assert not (demo_home / "sealing.key").exists()
    # AND public-key --all still shows the demo key as the only one
    demo_key = kiosk("--demo", "config", "get", "sync.backend_public_key").out.strip()
    assert kiosk("--demo", "backend", "public-key", "--all").out == f"current {demo_key}\n"


# -- kiosks still sealing with the old key ----------------------------------------------------


def rotated_keys(directory: Path) -> SealingKeys:
    """The test kiosks' backend key (KEYS) after one rotation, as the backend loads it."""
    path = directory / "sealing.key"
    path.write_text(KEYS.private_key_text() + "\n", encoding="ascii")
    path.chmod(0o600)
    rotate_keys(path)
    return load_keys(path)


def config_for(kiosk: Kiosk, public_key: str) -> Config:
    """The configuration doctor reads on ``kiosk``: its database, this sealing key."""
    assert kiosk.path.name == DATABASE_FILE
    base = load_config(environ={"KIOSK_DATA_DIR": str(kiosk.path.parent)})
    return Config(values={**base.values, "sync.backend_public_key": public_key},
                  sources=base.sources, data_dir=base.data_dir, demo=False)


def test_a_kiosk_on_the_old_key_records_the_new_one_and_is_warned_until_provisioned(
    sqlite_backend: Backend, serve: Any, kiosks: Any, tmp_path: Path
) -> None:
    # GIVEN a backend whose key was rotated (and restarted), and a kiosk still sealing
    # with the old key, with an intake (a sealed identity) among 5 submissions
    keys = rotated_keys(tmp_path)
    sqlite_backend.store.keys = keys
    server = serve(sqlite_backend)
    kiosk = kiosks("kiosk")  # its database is kiosk.sqlite3, as doctor looks for it
    fill(kiosk.outbox, 5)
    token = sqlite_backend.token("kiosk")
    config = config_for(kiosk, KEYS.public_key)
    # WHEN it has never heard from the backend THEN the check knows nothing to warn about
    assert check_sealing_key(config).status is CheckStatus.OK
    # WHEN its agent runs a round
    report = kiosk.agent(server.url, token).run_once()
    # THEN everything is delivered and the old-key identity opens for the back office
    assert (report.failure, report.sent, report.failed) == (None, 5, 0)
    pulled = sqlite_backend.store.pull(0, 10).items
    assert [item.citizen is not None for item in pulled] == [True, False, False, False, False]
    # AND the key the backend publishes now is recorded
    assert read_fact(kiosk.db, SyncFact.BACKEND_PUBLISHED_KEY) == keys.public_key
    # AND the sealing key check warns, with the two keys' first 8 characters and the fix
    check = check_sealing_key(config)
    assert (check.name, check.status) == ("sealing key", CheckStatus.WARNING)
    assert check.detail == (f"the backend now publishes sealing key {keys.public_key[:8]}…; "
                            f"this kiosk seals with {KEYS.public_key[:8]}…")
    assert check.fix == FIX
    assert keys.public_key[8:] not in check.detail and KEYS.public_key[8:] not in check.detail
    # WHEN the technician sets the new key on the kiosk
    provisioned = config_for(kiosk, keys.public_key)
    # THEN the check is OK again
    assert (check_sealing_key(provisioned).status, check_sealing_key(provisioned).detail) == (
        CheckStatus.OK, "set")
    # AND what the kiosk seals from now on (new key) is delivered and opens too
    kiosk.outbox.sealer = SealedBoxSealer(keys.public_key)
    fill(kiosk.outbox, 1)
    again = kiosk.agent(server.url, token, backend_public_key=keys.public_key).run_once()
    assert (again.failure, again.sent, again.failed) == (None, 1, 0)
    newest = sqlite_backend.store.pull(5, 10).items
    assert [item.citizen is not None for item in newest] == [True]
    assert read_fact(kiosk.db, SyncFact.BACKEND_PUBLISHED_KEY) == keys.public_key
    assert check_sealing_key(provisioned).status is CheckStatus.OK


def test_a_kiosk_on_the_published_key_records_it_and_stays_ok(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    # GIVEN a backend that was never rotated and a kiosk sealing with its key
    server = serve(sqlite_backend)
    kiosk = kiosks("kiosk")
    # WHEN a round runs
    report = kiosk.agent(server.url, sqlite_backend.token("kiosk")).run_once()
    # THEN the published key is recorded, and it is the configured one: the check is OK
    assert report.failure is None
    assert read_fact(kiosk.db, SyncFact.BACKEND_PUBLISHED_KEY) == KEYS.public_key
    check = check_sealing_key(config_for(kiosk, KEYS.public_key))
    assert (check.status, check.detail, check.fix) == (CheckStatus.OK, "set", "")


def test_an_unset_sealing_key_is_still_a_fault_whatever_the_backend_published(
    kiosks: Any,
) -> None:
    # GIVEN a kiosk that recorded a published key but has none configured
    kiosk = kiosks("kiosk")
    put_facts(kiosk.db, {SyncFact.BACKEND_PUBLISHED_KEY: KEYS.public_key})
    # WHEN it is checked THEN it is the fault it always was
    check = check_sealing_key(config_for(kiosk, ""))
    assert (check.status, check.detail) == (
        CheckStatus.FAULT,
        "sync.backend_public_key is not set: intakes with an ID card are refused",
    )


class IdentityFails(BackendClient):
    """A client whose identity request fails; everything else reaches the backend."""

    def identity(self) -> Any:
        raise RequestFailedError(FailureKind.TRANSIENT, "503 Service Unavailable", status=503)


def test_a_failed_identity_request_fails_the_round_and_is_asked_again(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    # GIVEN a kiosk whose identity request fails once (its heartbeat goes through)
    server = serve(sqlite_backend)
    kiosk = kiosks("kiosk")
    token = sqlite_backend.token("kiosk")
    settings = kiosk.settings(server.url, token)
    failing = IdentityFails(server.url, token, connect_timeout=1.0, read_timeout=2.0)
    agent = SyncAgent(kiosk.db, settings, client=failing)
    # WHEN a round runs
    report = agent.run_once()
    agent.client.close()
    # THEN the round failed at the heartbeat step, as any other failed request, and no
    # published key is recorded
    assert report.failure is not None and report.failure.reason == "503 Service Unavailable"
    assert read_fact(kiosk.db, SyncFact.LAST_ERROR) == "heartbeat_if_due: 503 Service Unavailable"
    assert read_fact(kiosk.db, SyncFact.BACKEND_PUBLISHED_KEY) is None
    assert read_fact(kiosk.db, SyncFact.LAST_HEARTBEAT_AT) is None
    # WHEN the next round can ask THEN the heartbeat is due again and the key is recorded
    agent.client = BackendClient(server.url, token, connect_timeout=1.0, read_timeout=2.0)
    assert agent.run_once().failure is None
    agent.client.close()
    assert read_fact(kiosk.db, SyncFact.BACKEND_PUBLISHED_KEY) == KEYS.public_key
    assert read_fact(kiosk.db, SyncFact.LAST_HEARTBEAT_AT) is not None


def test_doctor_warns_a_demo_kiosk_whose_backend_rotated_until_its_key_is_set(
    kiosk: Run, sqlite_backend: Backend, serve: Any, tmp_path: Path
) -> None:
    from office.keys import DEMO_PRIVATE_KEY
    from office.store import Role

    # GIVEN the demo kiosk at a backend whose demo key was rotated and that restarted
    path = tmp_path / "sealing.key"
    path.write_text(DEMO_PRIVATE_KEY + "\n", encoding="ascii")
    path.chmod(0o600)
    rotate_keys(path)
    keys = load_keys(path)
    sqlite_backend.store.keys = keys
    sqlite_backend.store.add_credential("DEMO-K1", Role.KIOSK,
                                        token="demo-kiosk-token-not-a-secret")
    server = serve(sqlite_backend)
    kiosk("--demo", "config", "set", "sync.backend_url", server.url)
    old = kiosk("--demo", "config", "get", "sync.backend_public_key").out.strip()
    # WHEN a sync round ran and doctor is asked
    assert kiosk("--demo", "sync", "once").status == 0
    warned = kiosk("--demo", "doctor", "--json")
    # THEN the sealing key is a warning (not a fault: nothing is lost), worded exactly
    assert warned.status == 0
    sealing = next(check for check in warned.json() if check["name"] == "sealing key")
    assert sealing == {
        "name": "sealing key", "status": "warning",
        "detail": (f"the backend now publishes sealing key {keys.public_key[:8]}…; "
                   f"this kiosk seals with {old[:8]}…"),
        "fix": FIX,
    }
    # WHEN the technician sets the new key THEN the check is OK again
    assert kiosk("--demo", "config", "set", "sync.backend_public_key",
                 keys.public_key).status == 0
    healthy = kiosk("--demo", "doctor", "--json")
    sealing = next(check for check in healthy.json() if check["name"] == "sealing key")
    assert (sealing["status"], sealing["detail"]) == ("ok", "set")
