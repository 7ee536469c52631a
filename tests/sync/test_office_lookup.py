"""A kiosk asks the office about a code another kiosk printed: the adapter over a real
backend on 127.0.0.1, and what it says when the backend is gone."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kiosk.application_status import ApplicationStatus, OfficeUnreachableError
from kiosk.config import load_config
from kiosk.desk import LookupOutcome, OfficeCheck, ServiceDesk, open_desk_database
from office.store import Principal, Role
from sync import wire
from sync.client import BackendClient
from sync.office import BackendOffice
from tests.sync.conftest import Backend
from tests.sync.helpers import fill


def client(url: str, token: str) -> BackendClient:
    return BackendClient(url, token, connect_timeout=1.0, read_timeout=2.0)


def delivered_by_k1(backend: Backend, url: str, kiosks: Any) -> tuple[str, str]:
    """One application taken at kiosk K1 and delivered: its UUID and receipt code."""
    k1 = kiosks("K1")
    [made] = fill(k1.outbox, 1)
    assert k1.agent(url, backend.token("K1")).run_once().failure is None
    return made, k1.outbox.get(made).receipt_code


def test_a_code_from_kiosk_one_is_answered_at_kiosk_two(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    server = serve(sqlite_backend)
    # GIVEN K1 delivered an application, and the office set a status on it
    made, code = delivered_by_k1(sqlite_backend, server.url, kiosks)
    office_desk = Principal("OFFICE", Role.BACK_OFFICE)
    sqlite_backend.store.update_statuses(office_desk, wire.StatusUpdateBatch.model_validate(
        {"updates": [{"submission_uuid": made, "status": "needs_documents",
                      "note": "Thiếu bản sao giấy khai sinh"}]}))
    # WHEN K2, which never saw it, asks the office through its adapter
    office = BackendOffice(client(server.url, sqlite_backend.token("K2")))
    try:
        [found] = office.look_up(code)
    finally:
        office.close()
    # THEN it hears the status and the note, and nothing of the citizen
    assert (found.submission_uuid, found.receipt_code, found.status, found.note) == (
        made, code, ApplicationStatus.NEEDS_DOCUMENTS, "Thiếu bản sao giấy khai sinh")
    assert found.updated_at is not None


def test_the_desk_of_kiosk_two_shows_the_status_through_the_office(
    sqlite_backend: Backend, serve: Any, kiosks: Any, tmp_path: Any
) -> None:
    server = serve(sqlite_backend)
    _made, code = delivered_by_k1(sqlite_backend, server.url, kiosks)
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path / "k2")})
    office = BackendOffice(client(server.url, sqlite_backend.token("K2")))
    desk = ServiceDesk(open_desk_database(config), config, office=office)
    try:
        answer = desk.look_up(code)
    finally:
        desk.close()
    # Received by the office, no status yet: said as such at the other kiosk
    assert (answer.outcome, answer.office, answer.latest) == (
        LookupOutcome.NO_STATUS_YET, OfficeCheck.ANSWERED, None)


def test_a_backend_that_is_gone_is_unreachable_not_unknown(
    sqlite_backend: Backend, serve: Any
) -> None:
    server = serve(sqlite_backend)
    token = sqlite_backend.token("K2")
    url = server.url
    server.stop()
    office = BackendOffice(client(url, token))
    with pytest.raises(OfficeUnreachableError):
        office.look_up("23456789")


def test_a_revoked_token_cannot_ask(sqlite_backend: Backend, serve: Any) -> None:
    server = serve(sqlite_backend)
    token = sqlite_backend.token("K2")
    sqlite_backend.store.revoke("K2")
    office = BackendOffice(client(server.url, token))
    with pytest.raises(OfficeUnreachableError, match="401"):
        office.look_up("23456789")


def test_an_unenrolled_kiosk_has_no_office(tmp_path: Any) -> None:
    config = load_config(demo=False, environ={"KIOSK_DATA_DIR": str(tmp_path)})
    assert BackendOffice.from_config(config) is None


def test_kiosk_two_finds_an_intake_by_the_dossier_code_the_back_office_linked(
    sqlite_backend: Backend, serve: Any, kiosks: Any, tmp_path: Any
) -> None:
    from office.store.users import UserRole

    server = serve(sqlite_backend)
    made, code = delivered_by_k1(sqlite_backend, server.url, kiosks)
    store = sqlite_backend.store
    case = store.cases.case(uuid.UUID(made))
    assert case is not None
    officer = store.users.add_user("canbo", UserRole.CITY_ADMIN, None, "mat-khau-dai-2026")
    store.cases.link_dossier(case, officer.username, "000.00.09.H26-261207/0001")
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path / "k2")})
    office = BackendOffice(client(server.url, sqlite_backend.token("K2")))
    counter = ServiceDesk(open_desk_database(config), config, office=office)
    try:
        answer = counter.look_up("000.00.09.H26-261207/0001")
        unknown = counter.look_up("000.00.09.H26-261207/0002")
    finally:
        counter.close()
    assert (answer.outcome, answer.code, answer.office) == (
        LookupOutcome.NO_STATUS_YET, code, OfficeCheck.ANSWERED)
    assert (unknown.outcome, unknown.code) == (LookupOutcome.UNKNOWN_CODE, None)
