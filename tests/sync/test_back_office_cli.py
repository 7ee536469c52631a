"""``kiosk backend add-user | set-kiosk-unit | add-client --scope``: the back office's
people, kiosks' units and scoped tokens from the command line."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from office.cli import session_secret
from office.database import open_engine
from office.keys import SealingKeys
from office.store import Scope, Store
from office.store.users import SignInOutcome
from tests.conftest import Result

Run = Callable[..., Result]


def _store(home: Path) -> Store:
    return Store(open_engine(str(home / "backend.sqlite3")), SealingKeys.generate())


def test_add_user_makes_each_role_and_checks_its_unit(
    kiosk: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = ["--home", str(tmp_path / "backend")]
    assert kiosk("backend", "keygen", *home).status == 0
    # A made-up password is printed once
    added = kiosk("backend", "add-user", "admin", "--role", "city_admin", *home)
    assert added.status == 0, added.err
    assert added.out.splitlines()[0] == "user admin added: city_admin"
    password = added.out.splitlines()[1].removeprefix("password (shown once): ")
    # A typed one is read from standard input and never printed
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-rat-dai-2026\n"))
    officer = kiosk("backend", "add-user", "canbo.badinh", "--role", "commune_officer",
                    "--unit", "4", "--password-stdin", *home)
    assert officer.out == "user canbo.badinh added: commune_officer, unit 4\n"
    # Refused: an officer without a unit, an unknown unit, a taken name, a short password
    assert kiosk("backend", "add-user", "x.y", "--role", "commune_officer", *home).status == 2
    assert kiosk("backend", "add-user", "x.y", "--role", "commune_officer", "--unit", "5",
                 *home).err.startswith("kiosk: unknown unit code 5")
    assert kiosk("backend", "add-user", "admin", "--role", "auditor", *home).status == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert kiosk("backend", "add-user", "kiemtra", "--role", "auditor", "--password-stdin",
                 *home).status == 2
    store = _store(tmp_path / "backend")
    assert store.users.sign_in("admin", password).outcome is SignInOutcome.SIGNED_IN
    signed = store.users.sign_in("canbo.badinh", "mat-khau-rat-dai-2026")
    assert signed.user is not None and signed.user.unit_code == 4
    # The password is stored as an Argon2id hash only
    # (the database file and its write-ahead log, where the newest pages may still be)
    database = tmp_path / "backend" / "backend.sqlite3"
    stored = b"".join(path.read_bytes() for path in (database, database.with_name(
        database.name + "-wal")) if path.exists())
    assert b"mat-khau-rat-dai-2026" not in stored and b"$argon2id$" in stored


def test_kiosks_are_filed_under_a_unit_and_tokens_get_scopes(kiosk: Run, tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "backend")]
    assert kiosk("backend", "keygen", *home).status == 0
    assert kiosk("backend", "add-kiosk", "K-BD", "--unit", "4", *home).status == 0
    assert kiosk("backend", "add-kiosk", "K-X", "--unit", "5", *home).status == 2
    moved = kiosk("backend", "set-kiosk-unit", "K-BD", "70", *home)
    assert moved.out == ("kiosk K-BD files under unit 70 from now on (0 earlier "
                         "submission(s) filed there too)\n")
    scoped = kiosk("backend", "add-client", "ketnoi", "--scope", "pull", "--scope", "fleet",
                   *home)
    assert scoped.out.splitlines()[-1] == "# it may: fleet, pull"
    everything = kiosk("backend", "add-client", "cu", *home)
    assert "# it may: every scope" in everything.out
    store = _store(tmp_path / "backend")
    assert store.units.all() == {"K-BD": 70}
    caller = store.authenticate(scoped.out.splitlines()[0])
    assert caller is not None and caller.scopes == {Scope.PULL, Scope.FLEET}
    assert kiosk("backend", "add-client", "z", "--scope", "all", *home).status == 2


def test_the_session_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    first = session_secret(tmp_path)
    assert session_secret(tmp_path) == first and len(first) == 43
    assert (tmp_path / "session.key").stat().st_mode & 0o777 == 0o600
