"""Any kiosk asks for the applications made with one ID card, by the keyed hash of its
number (``POST /v1/kiosk/applications-by-card``), on SQLite and on PostgreSQL: the city
stores the hash when it opens the intake's sealed identity at ingest, and answers with that
card's applications only, without personal data."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from kiosk.card_lookup import CardLookupKey
from kiosk.idcard import CitizenCard
from kiosk.kinds import FeedbackCategory, FeedbackRequest, IntakeRequest, QueueTicketRequest
from office import schema
from office.app import CARD_LOOKUP_RATE, create_app
from office.store import Role
from sync import wire
from tests.sync.conftest import Backend, Kiosk
from tests.sync.helpers import MORNING, citizens
from tests.sync.test_backend_lookup import auth, received_at, send, set_statuses, wire_items

LOOKUP = wire.Endpoint.KIOSK_CARD_LOOKUP.value


def kiosk_key(api: TestClient, token: str) -> CardLookupKey:
    """The lookup key as a kiosk receives it at provisioning (GET /v1/kiosk/identity)."""
    identity = wire.KioskIdentity.model_validate(
        api.get(wire.Endpoint.KIOSK_IDENTITY.value, headers=auth(token)).json())
    assert identity.card_lookup_key_id is not None and identity.card_lookup_key is not None
    return CardLookupKey.from_hex(identity.card_lookup_key_id, identity.card_lookup_key)


def intake(kiosk: Kiosk, card: CitizenCard) -> None:
    kiosk.outbox.create(IntakeRequest("1.001193", (0,)), citizen=card, now=MORNING)


def ask(api: TestClient, token: str, key: CardLookupKey, card: CitizenCard) -> Any:
    answer = api.post(LOOKUP, headers=auth(token),
                      json={"key_id": key.key_id, "card_hash": key.card_hash(card.id_number)})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def office(backend: Backend) -> str:
    return backend.token("OFFICE", Role.BACK_OFFICE)


def test_a_card_finds_its_applications_at_any_kiosk_and_no_one_elses(
    api: TestClient, backend: Backend, office: str, kiosks: Any
) -> None:
    anh, binh, chi = citizens(3)
    k1, k2 = kiosks("K1"), kiosks("K2")
    # GIVEN Anh applied at K1 and again at K2, Bình at K2; plus a queue ticket and feedback
    intake(k1, anh)
    k1.outbox.create(QueueTicketRequest(service="A"), now=MORNING)
    intake(k2, binh)
    intake(k2, anh)
    k2.outbox.create(FeedbackRequest(FeedbackCategory.TRAFFIC, "Đèn hỏng", "0912000111"),
                     now=MORNING)
    k1_items, k2_items = wire_items(k1), wire_items(k2)
    send(api, backend.token("K1"), k1_items)
    send(api, backend.token("K2"), k2_items)
    anh_at_k1, binh_at_k2, anh_at_k2 = k1_items[0], k2_items[0], k2_items[1]
    set_statuses(api, office, {"submission_uuid": anh_at_k1["uuid"], "status": "in_progress"})
    stamps = received_at(backend)
    token = backend.token("K3")
    key = kiosk_key(api, token)

    # WHEN a third kiosk asks with Anh's card THEN it gets her two applications, newest first
    answer = ask(api, token, key, anh)
    status_stamp = answer["applications"][1]["updated_at"]
    assert status_stamp is not None
    assert answer == {"key_known": True, "applications": [
        {"receipt_code": anh_at_k2["receipt_code"], "procedure_code": "1.001193",
         "received_at": stamps[anh_at_k2["uuid"]], "status": None, "updated_at": None},
        {"receipt_code": anh_at_k1["receipt_code"], "procedure_code": "1.001193",
         "received_at": stamps[anh_at_k1["uuid"]], "status": "in_progress",
         "updated_at": status_stamp},
    ]}
    # AND with Bình's card only Bình's, with Chi's (who applied nowhere) nothing
    assert [item["receipt_code"] for item in ask(api, token, key, binh)["applications"]] == [
        binh_at_k2["receipt_code"]]
    assert ask(api, token, key, chi) == {"key_known": True, "applications": []}
    # AND no answer holds a name, a number or an address
    text = json.dumps(answer, ensure_ascii=False)
    for personal in (anh.full_name, anh.id_number, anh.address, "0912000111"):
        assert personal not in text


def test_only_submissions_with_an_identity_get_a_hash_and_it_is_the_kiosks_hash(
    api: TestClient, backend: Backend, kiosks: Any
) -> None:
    [anh] = citizens(1)
    k1 = kiosks("K1")
    intake(k1, anh)
    k1.outbox.create(QueueTicketRequest(service="A"), now=MORNING)
    k1.outbox.create(IntakeRequest("1.001193", (0,)), now=MORNING)  # no card read
    items = wire_items(k1)
    send(api, backend.token("K1"), items)
    key = kiosk_key(api, backend.token("K1"))
    with backend.store.engine.connect() as connection:
        stored = dict(connection.execute(
            sa.select(schema.submissions.c.uuid, schema.submissions.c.card_hash)).all())
    assert {str(uuid): card_hash for uuid, card_hash in stored.items()} == {
        items[0]["uuid"]: key.card_hash(anh.id_number),
        items[1]["uuid"]: None,
        items[2]["uuid"]: None,
    }


def test_a_hash_made_with_another_key_finds_nothing_and_says_so(
    api: TestClient, backend: Backend, kiosks: Any
) -> None:
    [anh] = citizens(1)
    k1 = kiosks("K1")
    intake(k1, anh)
    send(api, backend.token("K1"), wire_items(k1))
    token = backend.token("K1")
    city = kiosk_key(api, token)
    # another city's key, or a key from before the city's was changed
    other = CardLookupKey("c1-000000000000", bytes(range(32)))
    assert ask(api, token, other, anh) == {"key_known": False, "applications": []}
    # the right hash under a wrong key id is refused as well
    answer = api.post(LOOKUP, headers=auth(token), json={
        "key_id": "c1-000000000000", "card_hash": city.card_hash(anh.id_number)})
    assert answer.json() == {"key_known": False, "applications": []}


def test_only_kiosks_may_ask_and_the_body_must_be_a_hash(
    api: TestClient, backend: Backend
) -> None:
    body = {"key_id": "c1-000000000000", "card_hash": "0" * 64}
    assert api.post(LOOKUP, json=body).status_code == 401
    office = backend.token("OFFICE", Role.BACK_OFFICE)
    assert api.post(LOOKUP, json=body, headers=auth(office)).status_code == 403
    kiosk = auth(backend.token("K1"))
    # an ID number in place of the hash is refused, never looked up
    assert api.post(LOOKUP, headers=kiosk,
                    json={**body, "card_hash": "001099123456"}).status_code == 422


def test_each_kiosk_has_its_own_card_lookup_limit(backend: Backend) -> None:
    api = TestClient(create_app(backend.store, rate_limit="10000/second"))
    allowed = int(CARD_LOOKUP_RATE.split("/")[0])
    body = {"key_id": "c1-000000000000", "card_hash": "0" * 64}
    k1, k2 = auth(backend.token("K1")), auth(backend.token("K2"))
    codes = [api.post(LOOKUP, json=body, headers=k1).status_code for _ in range(allowed + 1)]
    assert codes == [200] * allowed + [429]
    refused = api.post(LOOKUP, json=body, headers=k1)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    # K2 is not held back by K1's look-ups
    assert api.post(LOOKUP, json=body, headers=k2).status_code == 200


def test_the_answer_is_the_latest_twenty_of_the_last_year(
    api: TestClient, backend: Backend, kiosks: Any
) -> None:
    [anh] = citizens(1)
    k1 = kiosks("K1")
    for _ in range(wire.MAX_CARD_APPLICATIONS + 2):
        intake(k1, anh)
    items = wire_items(k1)
    send(api, backend.token("K1"), items)
    # GIVEN the newest was received more than a year ago (put back by hand)
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=wire.CARD_LOOKUP_DAYS + 1))
    newest = items[-1]
    with backend.store.engine.begin() as connection:
        connection.execute(schema.submissions.update()
                           .where(schema.submissions.c.receipt_code == newest["receipt_code"])
                           .values(received_at=old.isoformat(timespec="milliseconds")))
    token = backend.token("K1")
    codes = [item["receipt_code"]
             for item in ask(api, token, kiosk_key(api, token), anh)["applications"]]
    # THEN the answer skips it and holds the twenty before it, newest first
    assert codes == [item["receipt_code"] for item in reversed(items[-21:-1])]


def test_backfill_gives_hashes_to_rows_stored_before_them(
    api: TestClient, backend: Backend, kiosks: Any
) -> None:
    anh, binh = citizens(2)
    k1 = kiosks("K1")
    intake(k1, anh)
    k1.outbox.create(QueueTicketRequest(service="A"), now=MORNING)
    intake(k1, binh)
    send(api, backend.token("K1"), wire_items(k1))
    # GIVEN rows as the upgrade leaves them: no hash at all
    with backend.store.engine.begin() as connection:
        connection.execute(schema.submissions.update().values(card_hash=None))
    token = backend.token("K1")
    key = kiosk_key(api, token)
    assert ask(api, token, key, anh)["applications"] == []
    # WHEN kiosk backend card-hashes runs THEN the two intakes get theirs, once
    assert backend.store.card_lookups.backfill(backend.store.submissions) == 2
    assert backend.store.card_lookups.backfill(backend.store.submissions) == 0
    assert len(ask(api, token, key, anh)["applications"]) == 1
    assert len(ask(api, token, key, binh)["applications"]) == 1


def test_the_key_survives_a_rotation_of_the_sealing_key(backend: Backend) -> None:
    before = backend.store.submissions.card_key
    backend.store.keys = backend.store.keys.rotated()
    assert backend.store.submissions.card_key == before


def test_the_desk_of_another_kiosk_lists_a_card_through_the_office_over_http(
    sqlite_backend: Backend, serve: Any, kiosks: Any, tmp_path: Any
) -> None:
    from dataclasses import replace

    from kiosk.card_applications import CardOutcome, setting_text
    from kiosk.config import load_config
    from kiosk.desk import ServiceDesk, open_desk_database
    from sync.client import BackendClient
    from sync.office import BackendOffice

    server = serve(sqlite_backend)
    anh, binh = citizens(2)
    # GIVEN K1 took Anh's application and delivered it with its agent
    k1 = kiosks("K1")
    intake(k1, anh)
    assert k1.agent(server.url, sqlite_backend.token("K1")).run_once().failure is None
    [made] = k1.outbox.list()
    # AND K2 holds the city's key, as provisioning writes it
    key = sqlite_backend.store.submissions.card_key
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path / "k2")})
    config = replace(config, values={**config.values, "sync.card_lookup_key": setting_text(
        key.key_id, key.secret.hex())})
    office = BackendOffice(BackendClient(server.url, sqlite_backend.token("K2"),
                                         connect_timeout=1.0, read_timeout=2.0))
    desk = ServiceDesk(open_desk_database(config), config, cards=office)
    try:
        # WHEN Anh's card is scanned at K2 THEN her application is listed, with its
        # procedure from K2's catalog; Bình's card lists nothing
        answer = desk.applications_by_card(anh)
        assert answer.outcome is CardOutcome.LISTED
        assert [(item.receipt_code, item.procedure_code, item.status)
                for item in answer.applications] == [(made.receipt_code, "1.001193", None)]
        assert desk.applications_by_card(binh).applications == ()
        assert desk.applications_by_card(binh).outcome is CardOutcome.NONE_FOUND
    finally:
        desk.close()
    # AND with the backend gone, the desk says the office is out of reach
    url = server.url
    server.stop()
    desk = ServiceDesk(open_desk_database(config), config, cards=BackendOffice(BackendClient(
        url, "x" * 43, connect_timeout=1.0, read_timeout=1.0)))
    try:
        assert desk.applications_by_card(anh).outcome is CardOutcome.UNREACHABLE
    finally:
        desk.close()


def test_backend_card_hashes_fills_in_what_the_upgrade_left_empty(
    kiosk: Any, kiosks: Any, tmp_path: Any
) -> None:
    from kiosk.sealing import SealedBoxSealer
    from kiosk.submissions import Outbox
    from office.database import open_engine
    from office.keys import load_keys
    from office.store import Store

    home = ["--home", str(tmp_path / "backend")]
    assert kiosk("backend", "keygen", *home).status == 0
    assert kiosk("backend", "add-kiosk", "K1", *home).status == 0
    engine = open_engine(str(tmp_path / "backend" / "backend.sqlite3"))
    store = Store(engine, load_keys(tmp_path / "backend" / "sealing.key"))
    try:
        # GIVEN an intake stored before the hashes existed (this backend's own key seals it)
        k1 = kiosks("K1")
        outbox = Outbox(k1.db, kiosk_id="K1", queue_prefix="1",
                        sealer=SealedBoxSealer(store.keys.public_key))
        [anh] = citizens(1)
        outbox.create(IntakeRequest("1.001193", (0,)), citizen=anh, now=MORNING)
        store.ingest(wire.SubmissionBatch.model_validate({"submissions": wire_items(k1)}))
        with engine.begin() as connection:
            connection.execute(schema.submissions.update().values(card_hash=None))
        # WHEN the operator runs the command THEN it says how many it filled, under which key
        done = kiosk("backend", "card-hashes", *home)
        key = store.submissions.card_key
        assert (done.status, done.out) == (
            0, f"1 submission(s) given their card look-up hash (key {key.key_id})\n")
        with engine.connect() as connection:
            assert connection.execute(sa.select(schema.submissions.c.card_hash)).scalar_one() \
                == key.card_hash(anh.id_number)
    finally:
        engine.dispose()
