"""``kiosk backend ...`` and ``kiosk sync ...`` through the command line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from office.app import create_app
from office.database import open_engine
from office.keys import load_keys
from office.store import Store
from tests.conftest import Result
from tests.servers import ServerThread

Run = Callable[..., Result]
CARD = "001099012345||Nguyễn Văn An|15031999|Nam|Hà Nội|20042021"


def test_backend_enrolment_prints_tokens_once_and_keeps_only_their_hash(
    kiosk: Run, tmp_path: Path
) -> None:
    home = ["--home", str(tmp_path / "backend")]
    # GIVEN a new backend: no key yet
    assert kiosk("backend", "public-key", *home).status == 2
    made = kiosk("backend", "keygen", *home)
    assert made.status == 0, made.err
    public = kiosk("backend", "public-key", *home).out.strip()
    assert f"kiosk config set sync.backend_public_key {public}" in made.out
    assert (tmp_path / "backend" / "sealing.key").stat().st_mode & 0o777 == 0o600
    assert kiosk("backend", "keygen", *home).status == 2  # never replaced by accident
    # WHEN a kiosk and a back-office client are added
    added = kiosk("backend", "add-kiosk", "HN-4-K1", *home)
    token = added.out.splitlines()[0]
    assert added.status == 0 and len(token) == 43
    assert f"kiosk config set sync.token {token}" in added.out
    office = kiosk("backend", "add-client", "ketnoi", *home).out.splitlines()[0]
    # THEN the database holds neither token
    stored = (tmp_path / "backend" / "backend.sqlite3").read_bytes()
    assert token.encode() not in stored and office.encode() not in stored
    # AND names are unique across roles, and checked
    assert kiosk("backend", "add-client", "HN-4-K1", *home).status == 2
    assert kiosk("backend", "add-kiosk", "bad name!", *home).status == 2
    # AND revoking works once
    assert kiosk("backend", "revoke", "HN-4-K1", *home).out == "revoked 1 token(s) of HN-4-K1\n"
    assert kiosk("backend", "revoke", "HN-4-K1", *home).status == 2
    fleet = kiosk("backend", "fleet", "--json", *home).json()
    assert fleet == {"kiosks": [{"kiosk_id": "HN-4-K1", "enrolled": False,
                                 "last_heartbeat_at": None, "heartbeat": None}]}


def test_sync_once_delivers_and_status_and_pull_show_it(kiosk: Run, tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "backend")]
    kiosk("backend", "keygen", *home)
    token = kiosk("backend", "add-kiosk", "DEMO-K1", *home).out.splitlines()[0]
    public = kiosk("backend", "public-key", *home).out.strip()
    # GIVEN a kiosk with no token: sync refuses to start, saying why
    assert kiosk("--demo", "config", "set", "sync.token", "").status == 0
    refused = kiosk("--demo", "sync", "once")
    assert (refused.status, refused.err) == (
        2, "kiosk: cannot sync: sync.token is not set (kiosk backend add-kiosk prints one)\n")
    # AND its backend running on 127.0.0.1
    engine = open_engine(str(tmp_path / "backend" / "backend.sqlite3"))
    store = Store(engine, load_keys(tmp_path / "backend" / "sealing.key"))
    server = ServerThread(create_app(store)).start()
    try:
        for key, value in (("sync.token", token), ("sync.backend_public_key", public),
                           ("sync.backend_url", server.url)):
            assert kiosk("--demo", "config", "set", key, value).status == 0
        intake = kiosk("--demo", "submissions", "create", "--kind", "application_intake",
                       "--procedure", "1.001193", "--citizen-qr", CARD, "--json").json()
        kiosk("--demo", "submissions", "create", "--kind", "rating", "--level", "satisfied")
        before = kiosk("--demo", "sync", "status", "--json").json()
        assert (before["pending"], before["sent"], before["last_success_at"]) == (2, 0, None)
        # WHEN one round runs
        once = kiosk("--demo", "sync", "once")
        # THEN both are delivered and the status says so
        assert (once.status, once.out.splitlines()[0]) == (0, "delivered 2, refused 0, 0 pending")
    finally:
        server.stop()
        engine.dispose()
    after = kiosk("--demo", "sync", "status", "--json").json()
    assert (after["pending"], after["sent"], after["failed"], after["failures"]) == (0, 2, 0, [])
    assert after["last_success_at"] is not None and after["token_set"] is True
    human = kiosk("--demo", "sync", "status").out
    assert human.startswith("outbox: 0 pending, 2 sent, 0 failed\n")
    # AND the back office sees them from the command line, the identity opened
    page = kiosk("backend", "pull", "--after", "0", "--json", *home).json()
    assert page["items"][0]["submission"]["uuid"] == intake["uuid"]
    assert page["items"][0]["citizen"]["full_name"] == "Nguyễn Văn An"
    assert (page["next_cursor"], page["has_more"]) == ("2", False)
    rest = kiosk("backend", "pull", "--after", "2", *home)
    assert rest.out == "next cursor: 2\n"
    assert kiosk("backend", "pull", "--after", "x", *home).status == 2


def test_sync_status_lists_failures_with_their_reasons(kiosk: Run) -> None:
    kiosk("--demo", "submissions", "create", "--kind", "rating", "--level", "satisfied")
    made = kiosk("--demo", "submissions", "list", "--json").json()[0]
    from kiosk.command import Context
    from motcua.cli.submissions import outbox_for

    context = Context(demo=True)
    try:
        outbox_for(context).mark_failed(made["uuid"], "422 rejected: no such procedure")
    finally:
        context.close()
    status: Any = kiosk("--demo", "sync", "status", "--json").json()
    assert status["failures"] == [{
        "uuid": made["uuid"], "receipt_code": made["receipt_code_display"],
        "kind": "rating", "attempts": 1, "reason": "422 rejected: no such procedure"}]
    human = kiosk("--demo", "sync", "status").out
    assert f"failed {made['receipt_code_display']}  rating" in human
    assert kiosk("--demo", "sync", "retry-failed").out == "1 failed submission(s) queued again\n"
    assert kiosk("--demo", "sync", "status", "--json").json()["pending"] == 1


def test_sync_run_is_a_service_that_drains_tells_systemd_and_stops_on_sigterm(
    kiosk: Run, tmp_path: Path
) -> None:
    # GIVEN an enrolled demo kiosk with 30 submissions and its backend on 127.0.0.1
    home = ["--home", str(tmp_path / "backend")]
    kiosk("backend", "keygen", *home)
    token = kiosk("backend", "add-kiosk", "DEMO-K1", *home).out.splitlines()[0]
    engine = open_engine(str(tmp_path / "backend" / "backend.sqlite3"))
    store = Store(engine, load_keys(tmp_path / "backend" / "sealing.key"))
    server = ServerThread(create_app(store)).start()
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(30)
    try:
        kiosk("--demo", "config", "set", "sync.token", token)
        kiosk("--demo", "config", "set", "sync.backend_url", server.url)
        for _ in range(30):
            kiosk("--demo", "submissions", "create", "--kind", "rating", "--level", "satisfied")
        # WHEN `kiosk sync run` runs as its own process under a (fake) systemd
        process = subprocess.Popen(
            [sys.executable, "-m", "motcua", "--demo", "sync", "run"],
            env={**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "data"),
                 "NOTIFY_SOCKET": str(tmp_path / "notify.sock"), "WATCHDOG_USEC": "200000"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        messages = []
        try:
            # THEN it says it is ready, drains, and keeps pinging the watchdog while idle
            while messages.count("WATCHDOG=1") < 3:
                messages.append(notify.recv(4096).decode())
            deadline = time.monotonic() + 30
            while store.counts()["submissions"] < 30 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert store.counts()["submissions"] == 30
            # AND SIGTERM stops it cleanly
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=30)
        finally:
            process.kill()
        assert process.returncode == 0, err
        assert messages[0] == "READY=1\nSTATUS=syncing"
        assert "delivered 30" in err and "stopping on signal 15" in err
    finally:
        notify.close()
        server.stop()
        engine.dispose()


def test_provision_enrols_the_kiosk_and_pulls_the_catalog(kiosk: Run, tmp_path: Path) -> None:
    from tests.conftest import SMALL_CATALOG, catalog_bytes

    home = ["--home", str(tmp_path / "backend")]
    kiosk("backend", "keygen", *home)
    token = kiosk("backend", "add-kiosk", "HN-00004-K2", *home).out.splitlines()[0]
    public = kiosk("backend", "public-key", *home).out.strip()
    engine = open_engine(str(tmp_path / "backend" / "backend.sqlite3"))
    store = Store(engine, load_keys(tmp_path / "backend" / "sealing.key"))
    from kiosk.catalog import parse_catalog_bytes
    from office.store import CatalogKind, Principal, Role

    raw = catalog_bytes(SMALL_CATALOG)
    store.publish(CatalogKind.CATALOG, parse_catalog_bytes(raw).version, raw,
                  Principal("office", Role.BACK_OFFICE))
    server = ServerThread(create_app(store)).start()
    url = server.url
    try:
        # GIVEN a kiosk that knows nothing; WHEN a bad token is given THEN nothing is written
        refused = kiosk("provision", "--backend", url, "--token", "x" * 43)
        assert refused.status == 2 and "refused or did not answer" in refused.err
        assert not (tmp_path / "data" / "technician.toml").exists()
        # WHEN the right token is given
        done = kiosk("provision", "--backend", url, "--token", token)
    finally:
        server.stop()
        engine.dispose()
    # THEN identity, key and backend are set, and the catalog arrived
    assert done.status == 0, done.err + done.out
    assert done.out.startswith(f"kiosk HN-00004-K2 enrolled with {url}")
    card_key = store.submissions.card_key
    for key, value in (("kiosk.id", "HN-00004-K2"), ("sync.backend_public_key", public),
                       ("sync.backend_url", url), ("sync.token", token),
                       ("sync.card_lookup_key", f"{card_key.key_id}:{card_key.secret.hex()}")):
        assert kiosk("config", "get", key).out == value + "\n"
    hits = kiosk("catalog", "search", "khai sinh", "--json").json()
    assert hits[0]["code"] == "1.001193"
    # AND it says what it pulled, and that the server had no directory to give
    version = parse_catalog_bytes(raw).version
    assert done.out.splitlines()[1:] == [
        "first sync done: 0 submission(s) sent",
        f"catalog version {version} installed",
        "no directory from the server: it has published none yet; the kiosk shows its "
        "built-in directory meanwhile",
    ]


def test_provision_at_a_server_with_nothing_published_says_so(
    kiosk: Run, tmp_path: Path
) -> None:
    home = ["--home", str(tmp_path / "backend")]
    kiosk("backend", "keygen", *home)
    token = kiosk("backend", "add-kiosk", "HN-00004-K3", *home).out.splitlines()[0]
    engine = open_engine(str(tmp_path / "backend" / "backend.sqlite3"))
    store = Store(engine, load_keys(tmp_path / "backend" / "sealing.key"))
    server = ServerThread(create_app(store)).start()
    try:
        done = kiosk("provision", "--backend", server.url, "--token", token)
    finally:
        server.stop()
        engine.dispose()
    assert done.status == 0, done.err + done.out
    assert done.out.splitlines()[1:] == [
        "first sync done: 0 submission(s) sent",
        "no catalog: the server has published none yet (on the server: kiosk backend "
        "publish-catalog); the sync agent pulls it once it is published",
        "no directory from the server: it has published none yet; the kiosk shows its "
        "built-in directory meanwhile",
    ]
    assert "pulled" not in done.out.replace("pulls", "")


def test_doctor_is_clean_for_a_demo_kiosk_whose_backend_answers(
    kiosk: Run, sqlite_backend: Any, serve: Any
) -> None:
    from office.keys import DEMO_PRIVATE_KEY, SealingKeys
    from office.store import Role

    # GIVEN the demo kiosk enrolled with its published token at a running backend that
    # seals with the demo key pair (as 'kiosk --demo backend serve' does)
    token = "demo-kiosk-token-not-a-secret"
    sqlite_backend.store.keys = SealingKeys.from_base64(DEMO_PRIVATE_KEY)
    sqlite_backend.store.add_credential("DEMO-K1", Role.KIOSK, token=token)
    server = serve(sqlite_backend)
    kiosk("--demo", "config", "set", "sync.backend_url", server.url)
    # WHEN it has never synced THEN doctor warns but finds no fault
    first = kiosk("--demo", "doctor", "--json")
    by_name = {check["name"]: check for check in first.json()}
    assert by_name["city backend"]["status"] == "ok", by_name["city backend"]
    assert by_name["last sync"]["status"] == "warning"
    assert first.status == 0
    # WHEN one sync round ran THEN every check is OK, and a revoked token is a fault
    assert kiosk("--demo", "sync", "once").status == 0
    healthy = kiosk("--demo", "doctor")
    assert healthy.status == 0, healthy.out
    assert [line for line in healthy.out.splitlines() if line.startswith(("WARN", "FAULT"))] == []
    sqlite_backend.store.revoke("DEMO-K1")
    revoked = kiosk("--demo", "doctor", "--json")
    assert revoked.status == 1
    backend = next(check for check in revoked.json() if check["name"] == "city backend")
    assert backend["status"] == "fault" and "refuses the token" in backend["detail"]


def test_admin_commands_use_the_database_the_server_s_settings_name(
    kiosk: Run, tmp_path: Path, monkeypatch: Any
) -> None:
    # GIVEN the city server's settings naming its database (backend.env)
    database = tmp_path / "named.sqlite3"
    monkeypatch.setenv("MOTCUA_BACKEND_DB", str(database))
    home = ["--home", str(tmp_path / "backend")]
    kiosk("backend", "keygen", *home)
    # WHEN a kiosk is added without --db THEN it is in that database, not beside the key
    assert kiosk("backend", "add-kiosk", "HN-00004-K9", *home).status == 0
    assert database.exists()
    assert not (tmp_path / "backend" / "backend.sqlite3").exists()
