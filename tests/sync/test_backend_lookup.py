"""Any kiosk asks the office what it knows of a receipt code, on SQLite and on PostgreSQL
(``GET /v1/kiosk/applications/{code}``): a citizen can check at any kiosk of the service
point, not only the one that printed the code, and the answer holds no personal data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from office.store import Role
from sync import wire
from sync.agent import to_wire
from tests.sync.conftest import Backend, Kiosk
from tests.sync.helpers import citizens, fill

BATCH = wire.Endpoint.SUBMISSIONS_BATCH.value
STATUSES = wire.Endpoint.APPLICATION_STATUSES.value
#: A code in canonical form that no test stores.
UNKNOWN_CODE = "23456789"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def path(receipt_code: str) -> str:
    return wire.Endpoint.KIOSK_APPLICATION_LOOKUP.value.format(receipt_code=receipt_code)


def wire_items(kiosk: Kiosk) -> list[dict[str, Any]]:
    """The kiosk's pending submissions as it sends them (JSON)."""
    return [to_wire(delivery).model_dump(mode="json")
            for delivery in kiosk.outbox.pending_deliveries(500)]


def send(api: TestClient, token: str, items: list[dict[str, Any]]) -> None:
    answer = api.post(BATCH, json={"submissions": items}, headers=auth(token))
    assert answer.status_code == 200, answer.text
    assert {r["outcome"] for r in answer.json()["results"]} == {"accepted"}


def set_statuses(api: TestClient, office: str, *updates: dict[str, Any]) -> None:
    answer = api.post(STATUSES, json={"updates": list(updates)}, headers=auth(office))
    assert answer.status_code == 200, answer.text
    assert {r["outcome"] for r in answer.json()["results"]} == {"accepted"}


def received_at(backend: Backend) -> dict[str, str]:
    """When the backend received each submission, by UUID (the back office's pull)."""
    return {str(item.submission.uuid): item.received_at
            for item in backend.store.pull(0, 1000).items}


@pytest.fixture
def office(backend: Backend) -> str:
    return backend.token("OFFICE", Role.BACK_OFFICE)


@pytest.fixture
def k1_intake(api: TestClient, backend: Backend, kiosks: Any) -> dict[str, Any]:
    """An application intake (with an ID card) that kiosk K1 took and delivered."""
    kiosk = kiosks("K1")
    fill(kiosk.outbox, 1)
    [item] = wire_items(kiosk)
    send(api, backend.token("K1"), [item])
    return item


def test_another_kiosk_sees_the_application_and_then_its_latest_status(
    api: TestClient, backend: Backend, office: str, k1_intake: dict[str, Any]
) -> None:
    code, uuid = k1_intake["receipt_code"], k1_intake["uuid"]
    k2 = auth(backend.token("K2"))
    # WHEN kiosk K2, which never saw it, asks about the code K1 printed
    answer = api.get(path(code), headers=k2)
    # THEN it learns the kind, the procedure and when the office received it; no status yet
    expected = {"submission_uuid": uuid, "kind": "application_intake",
                "procedure_code": "1.001193", "received_at": received_at(backend)[uuid],
                "status": None, "note": None, "updated_at": None}
    assert (answer.status_code, answer.json()) == (
        200, {"receipt_code": code, "applications": [expected]})

    # GIVEN the back office then sets a status
    set_statuses(api, office, {"submission_uuid": uuid, "status": "in_progress"})
    # WHEN K2 asks again THEN it sees that status, stamped as K1's own feed stamps it
    feed = api.get(wire.Endpoint.KIOSK_APPLICATION_STATUSES.value,
                   headers=auth(backend.token("K1"))).json()["items"]
    assert [(event["status"], event["note"]) for event in feed] == [("in_progress", None)]
    first = {**expected, "status": "in_progress", "updated_at": feed[0]["updated_at"]}
    assert api.get(path(code), headers=k2).json() == {"receipt_code": code,
                                                      "applications": [first]}

    # GIVEN two more in one batch: the second one set is the latest
    set_statuses(api, office, {"submission_uuid": uuid, "status": "needs_documents"},
                 {"submission_uuid": uuid, "status": "ready_for_pickup", "note": "Quầy 2"})
    feed = api.get(wire.Endpoint.KIOSK_APPLICATION_STATUSES.value,
                   headers=auth(backend.token("K1"))).json()["items"]
    # WHEN K2 asks again THEN it sees only the latest status and its note
    latest = {**expected, "status": "ready_for_pickup", "note": "Quầy 2",
              "updated_at": feed[-1]["updated_at"]}
    assert api.get(path(code), headers=k2).json() == {"receipt_code": code,
                                                      "applications": [latest]}
    # AND the kiosk that took it gets the same answer
    assert api.get(path(code), headers=auth(backend.token("K1"))).json() == {
        "receipt_code": code, "applications": [latest]}


def test_the_answer_holds_none_of_the_citizens_personal_data(
    api: TestClient, backend: Backend, office: str, kiosks: Any
) -> None:
    # GIVEN an intake with an ID card and a feedback with a phone number, delivered by K1
    kiosk = kiosks("K1")
    fill(kiosk.outbox, 2)
    intake, feedback = wire_items(kiosk)
    send(api, backend.token("K1"), [intake, feedback])
    set_statuses(api, office, {"submission_uuid": intake["uuid"], "status": "received"})
    card = citizens(1)[0]
    masked = intake["citizen_masked"]
    personal = [card.full_name, card.id_number, card.address, masked, "15031999",
                "1999-03-15", feedback["details"]["text"], "0912000111"]
    # AND the backend does hold them: the back office's pull opens the identity
    pulled = backend.store.pull(0, 10).items
    assert pulled[0].citizen is not None
    assert pulled[0].citizen["id_number"] == card.id_number
    assert masked is not None and pulled[0].submission.citizen_masked == masked
    assert feedback["details"]["contact"] == "0912000111"
    k2 = auth(backend.token("K2"))
    for item in (intake, feedback):
        # WHEN K2 asks about each code
        answer = api.get(path(item["receipt_code"]), headers=k2)
        assert answer.status_code == 200
        # THEN the answer has only the public fields
        [found] = answer.json()["applications"]
        assert set(found) == {"submission_uuid", "kind", "procedure_code", "received_at",
                              "status", "note", "updated_at"}
        # AND none of the personal strings, written out or escaped
        escaped = json.dumps(answer.json(), ensure_ascii=True)
        for text in personal:
            assert text not in answer.text, (item["kind"], text)
            assert text not in escaped, (item["kind"], text)
        for key in ("citizen", "details", "sealed", "masked"):
            assert key not in answer.text, (item["kind"], key)


def test_every_application_with_a_code_is_answered_newest_first(
    api: TestClient, backend: Backend, office: str, kiosks: Any
) -> None:
    # GIVEN K1 and K2 each delivered an application, and K2's happens to have K1's code
    k1, k2 = kiosks("K1", prefix="1"), kiosks("K2", prefix="2")
    fill(k1.outbox, 1)
    fill(k2.outbox, 1)
    [first] = wire_items(k1)
    [second] = wire_items(k2)
    second["receipt_code"] = code = first["receipt_code"]
    send(api, backend.token("K1"), [first])
    send(api, backend.token("K2"), [second])
    # AND only K1's has a status
    set_statuses(api, office, {"submission_uuid": first["uuid"], "status": "completed",
                               "note": "Đã trả kết quả"})
    updated_at = api.get(wire.Endpoint.KIOSK_APPLICATION_STATUSES.value,
                         headers=auth(backend.token("K1"))).json()["items"][0]["updated_at"]
    # WHEN a third kiosk asks about the code
    answer = api.get(path(code), headers=auth(backend.token("K3")))
    # THEN both are answered, the one received last first, each with its own status
    received = received_at(backend)
    assert (answer.status_code, answer.json()) == (200, {"receipt_code": code, "applications": [
        {"submission_uuid": second["uuid"], "kind": "application_intake",
         "procedure_code": "1.001193", "received_at": received[second["uuid"]],
         "status": None, "note": None, "updated_at": None},
        {"submission_uuid": first["uuid"], "kind": "application_intake",
         "procedure_code": "1.001193", "received_at": received[first["uuid"]],
         "status": "completed", "note": "Đã trả kết quả", "updated_at": updated_at},
    ]})


def test_a_code_nobody_delivered_is_an_empty_answer_not_a_404(
    api: TestClient, backend: Backend, k1_intake: dict[str, Any]
) -> None:
    # GIVEN the office knows one application, with another code
    assert k1_intake["receipt_code"] != UNKNOWN_CODE
    # WHEN a kiosk asks about a well-formed code nobody delivered
    answer = api.get(path(UNKNOWN_CODE), headers=auth(backend.token("K2")))
    # THEN 200: the office knows nothing of it (yet)
    assert (answer.status_code, answer.json()) == (
        200, {"receipt_code": UNKNOWN_CODE, "applications": []})


@pytest.mark.parametrize(("name", "code"), [
    ("lowercase", "abcdefgh"),
    ("mixed case", "ABCDEFGh"),
    ("seven symbols", "2345678"),
    ("nine symbols", "234567892"),
    ("the printed form with its dash", "ABCD-EFGH"),
    ("a space", "ABCD%20EFGH"),
    ("the letter I", "ABCDEFGI"),
    ("the letter L", "ABCDEFGL"),
    ("the letter O", "ABCDEFGO"),
    ("the letter U", "ABCDEFGU"),
    ("the letter Z", "ABCDEFGZ"),
    ("the digit 0", "ABCDEFG0"),
    ("the digit 1", "ABCDEFG1"),
    ("a trailing newline", "ABCDEFGH%0A"),
    ("a letter with a diacritic", "ABCDEFGĐ"),
])
def test_a_malformed_code_is_a_422(
    api: TestClient, backend: Backend, name: str, code: str
) -> None:
    # WHEN a kiosk asks about something that is not a code in canonical form THEN 422
    answer = api.get(path(code), headers=auth(backend.token("K2")))
    assert answer.status_code == 422, (name, answer.text)
    assert [error["loc"] for error in answer.json()["detail"]] == [["path", "receipt_code"]]


def test_only_kiosk_tokens_may_ask(
    api: TestClient, backend: Backend, office: str, k1_intake: dict[str, Any]
) -> None:
    code = path(k1_intake["receipt_code"])
    # WHEN a back-office token asks THEN 403 (it has the pull feed)
    refused = api.get(code, headers=auth(office))
    assert (refused.status_code, refused.json()) == (
        403, {"detail": "this endpoint is for kiosk tokens"})
    # WHEN no token, or an unknown one, asks THEN 401
    none = api.get(code)
    assert (none.status_code, none.json()) == (401, {"detail": "a bearer token is required"})
    unknown = api.get(code, headers=auth("x" * 43))
    assert (unknown.status_code, unknown.json()) == (401, {"detail": "unknown or revoked token"})
    # AND a revoked kiosk token is refused too
    revoked = backend.token("GONE")
    backend.store.revoke("GONE")
    assert api.get(code, headers=auth(revoked)).status_code == 401
