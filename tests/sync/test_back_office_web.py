"""The back office's pages over HTTP, on SQLite and PostgreSQL: sign-in, lock-out, CSRF,
unit scope, the inbox and its exports, handling feedback and intakes, the audit log, the
public status page, and the API tokens' scopes."""

from __future__ import annotations

import csv
import io
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from office.app import create_app
from office.ratelimit import RateLimiter
from office.store import Role, Scope
from office.store.audit import AuditAction
from office.store.users import MAX_FAILED_SIGN_INS
from sync import wire
from tests.sync.back_office import (
    BA_DINH,
    HOAN_KIEM,
    PASSWORD,
    Seeded,
    csrf_of,
    seed,
    sign_in,
    signed_in,
)
from tests.sync.conftest import Backend
from tests.sync.helpers import MORNING


@pytest.fixture
def seeded(backend: Backend, kiosks: Any) -> Seeded:
    return seed(backend, kiosks)


@pytest.fixture
def web(backend: Backend) -> Callable[[], TestClient]:
    """A new browser-like client (its own cookies) for each call, on one app."""
    app = create_app(backend.store, rate_limit="10000/second", session_secret="test-secret")

    def client() -> TestClient:
        return TestClient(app, base_url="http://127.0.0.1")

    return client


# -- signing in ---------------------------------------------------------------------------


def test_pages_need_a_session_and_a_right_password_gives_one(
    web: Callable[[], TestClient], seeded: Seeded
) -> None:
    client = web()
    assert client.get("/bo/inbox", follow_redirects=False).headers["location"] == "/bo/sign-in"
    wrong = sign_in(client, "admin", "not the password")
    assert wrong.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in wrong.text
    assert sign_in(client, "admin").headers["location"] == "/bo/inbox"
    assert "Hộp thư" in client.get("/bo/inbox").text
    # A forged cookie is no session
    other = web()
    other.cookies.set("motcua_bo", client.cookies["motcua_bo"][:-2] + "xx")
    assert other.get("/bo/inbox", follow_redirects=False).status_code == 303


def test_ten_wrong_passwords_lock_the_account_and_are_logged(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = web()
    statuses = []
    with caplog.at_level(logging.INFO, logger="office.web"):
        for _ in range(MAX_FAILED_SIGN_INS):
            statuses.append(sign_in(client, "canbo.badinh", "doan-sai-mat-khau").status_code)
    assert statuses == [401] * (MAX_FAILED_SIGN_INS - 1) + [403]
    # THEN even the right password is refused while locked
    locked = sign_in(client, "canbo.badinh")
    assert locked.status_code == 403
    assert "Tài khoản tạm khóa đến" in locked.text
    # AND the lock is in the log and the audit log
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("back office: account canbo.badinh locked until ")
    actions = [(e.actor, e.action) for e in backend.store.audit.entries()]
    assert actions[:2] == [("canbo.badinh", AuditAction.SIGN_IN_FAILED),
                           ("canbo.badinh", AuditAction.LOCKED)]
    assert actions.count(("canbo.badinh", AuditAction.SIGN_IN_FAILED)) == MAX_FAILED_SIGN_INS
    # AND another account is not affected
    assert sign_in(web(), "canbo.hoankiem").status_code == 303


def test_a_form_without_its_csrf_token_is_refused(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend
) -> None:
    # The sign-in form: no token, or a token without its cookie
    client = web()
    client.get("/bo/sign-in")
    refused = client.post("/bo/sign-in", data={"username": "admin", "password": PASSWORD})
    assert refused.status_code == 403
    assert "CSRF" in refused.text
    stranger = web()
    token = csrf_of(client.get("/bo/sign-in").text)
    assert stranger.post("/bo/sign-in", data={"csrf": token, "username": "admin",
                                              "password": PASSWORD}).status_code == 403
    # A signed-in form: no token, a wrong one, then the right one
    csrf = signed_in(client, "admin")
    url = f"/bo/cases/{seeded.feedback[BA_DINH]}/state"
    answer = {"state": "answered", "answer": "Đã thu gom."}
    assert client.post(url, data=answer).status_code == 403
    assert client.post(url, data={**answer, "csrf": "x" * 32}).status_code == 403
    case = backend.store.cases.case(uuid.UUID(seeded.feedback[BA_DINH]))
    assert case is not None and case.answer is None
    assert client.post(url, data={**answer, "csrf": csrf},
                       follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session_everywhere(
    web: Callable[[], TestClient], seeded: Seeded
) -> None:
    first, second = web(), web()
    csrf = signed_in(first, "admin")
    signed_in(second, "admin")
    assert first.post("/bo/sign-out", data={"csrf": csrf},
                      follow_redirects=False).status_code == 303
    assert first.get("/bo/inbox", follow_redirects=False).status_code == 303
    assert second.get("/bo/inbox", follow_redirects=False).status_code == 303


# -- unit scope ---------------------------------------------------------------------------


def test_a_commune_officer_sees_only_their_unit_and_cannot_open_another(
    web: Callable[[], TestClient], seeded: Seeded
) -> None:
    client = web()
    csrf = signed_in(client, "canbo.badinh")
    page = client.get("/bo/inbox").text
    own = set(re.findall(r"/bo/cases/([0-9a-f-]{36})", page))
    assert own == {seeded.feedback[BA_DINH], seeded.intake[BA_DINH], seeded.rating[BA_DINH]}
    # Another unit's list is refused, its cases are not found, its forms change nothing
    assert client.get(f"/bo/inbox?unit={HOAN_KIEM}").status_code == 403
    assert client.get(f"/bo/inbox.csv?unit={HOAN_KIEM}").status_code == 403
    for other in (seeded.feedback[HOAN_KIEM], seeded.intake[HOAN_KIEM]):
        assert client.get(f"/bo/cases/{other}").status_code == 404
        assert client.get(f"/bo/cases/{other}/personal").status_code == 404
    answered = client.post(f"/bo/cases/{seeded.feedback[HOAN_KIEM]}/state",
                           data={"csrf": csrf, "state": "answered", "answer": "x"})
    assert answered.status_code == 404
    linked = client.post(f"/bo/cases/{seeded.intake[HOAN_KIEM]}/dossier",
                         data={"csrf": csrf, "dossier_code": "H26.1-2"})
    assert linked.status_code == 404
    # The export holds their unit's rows only
    rows = list(csv.reader(io.StringIO(client.get("/bo/inbox.csv").text.lstrip("\ufeff"))))
    assert {row[1] for row in rows[1:]} == {"Phường Ba Đình"}


def test_an_auditor_reads_everything_but_changes_nothing_and_sees_no_identity(
    web: Callable[[], TestClient], seeded: Seeded
) -> None:
    client = web()
    csrf = signed_in(client, "kiemtra")
    page = client.get(f"/bo/cases/{seeded.intake[HOAN_KIEM]}").text
    assert "Xem thông tin cá nhân" not in page
    assert "<form method=\"post\" action=\"/bo/cases/" not in page
    assert client.get(f"/bo/cases/{seeded.intake[HOAN_KIEM]}/personal").status_code == 403
    assert client.get("/bo/inbox.csv?personal=1").status_code == 403
    assert client.post(f"/bo/cases/{seeded.feedback[BA_DINH]}/state",
                       data={"csrf": csrf, "state": "closed"}).status_code == 403
    assert client.get("/bo/audit").status_code == 200
    # The audit log is the auditors' only
    admin = web()
    signed_in(admin, "admin")
    assert admin.get("/bo/audit").status_code == 403


# -- the inbox ----------------------------------------------------------------------------


def test_the_inbox_filters_by_kind_state_date_and_procedure(
    web: Callable[[], TestClient], seeded: Seeded
) -> None:
    client = web()
    signed_in(client, "admin")

    def listed(query: str) -> set[str]:
        page = client.get("/bo/inbox?" + query)
        assert page.status_code == 200, page.text
        return set(re.findall(r"/bo/cases/([0-9a-f-]{36})", page.text))

    assert listed("kind=feedback") == set(seeded.feedback.values())
    assert listed(f"kind=feedback&unit={HOAN_KIEM}") == {seeded.feedback[HOAN_KIEM]}
    assert listed("procedure=1.001193") == set(seeded.intake.values())
    assert listed("state=received") == {*seeded.feedback.values(), *seeded.intake.values()}
    day = MORNING.date().isoformat()
    assert len(listed(f"from={day}&to={day}")) == 6
    assert listed("to=2020-01-01") == set()
    # Bad values: a message beside each field, nothing else refused
    bad = client.get("/bo/inbox?from=07/12/2026&procedure=abc&unit=99999")
    assert bad.status_code == 422
    assert 'id="from-error">Ngày viết theo dạng năm-tháng-ngày' in bad.text
    assert 'id="procedure-error">Mã thủ tục có dạng 1.001193.' in bad.text
    assert 'id="unit-error">Không có đơn vị này.' in bad.text


def test_exports_carry_personal_columns_only_when_asked_and_are_audited(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend
) -> None:
    client = web()
    signed_in(client, "canbo.hoankiem")
    plain = client.get("/bo/inbox.csv?kind=application_intake")
    assert plain.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(plain.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and "Họ tên" not in rows[0]
    personal = client.get("/bo/inbox.csv?kind=application_intake&personal=1")
    rows = list(csv.reader(io.StringIO(personal.content.decode("utf-8-sig"))))
    name = dict(zip(rows[0], rows[1], strict=True))["Họ tên"]
    assert name == "Nguyễn Văn Thắng"
    book = load_workbook(io.BytesIO(client.get("/bo/inbox.xlsx").content))
    sheet = book.active
    assert sheet is not None and sheet.max_row == 4  # the header and Hoàn Kiếm's three
    entries = backend.store.audit.entries()
    assert [(e.action, len(e.submission_uuids)) for e in entries] == [
        (AuditAction.EXPORT, 0), (AuditAction.EXPORT_PERSONAL, 1), (AuditAction.EXPORT, 0)]
    assert entries[1].submission_uuids == [seeded.intake[HOAN_KIEM]]


# -- handling -----------------------------------------------------------------------------


def test_an_answered_feedback_reaches_the_kiosk_look_up_and_the_phone_page(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend
) -> None:
    client = web()
    csrf = signed_in(client, "canbo.badinh")
    feedback = seeded.feedback[BA_DINH]
    base = f"/bo/cases/{feedback}"
    # Triage: assign to the unit's officer, a category and a due date
    triaged = client.post(base + "/triage", data={
        "csrf": csrf, "assignee": "canbo.badinh", "category": "environment_sanitation",
        "due_date": "2026-12-10"}, follow_redirects=False)
    assert triaged.status_code == 303
    # Another unit's officer is no assignee; a bad date has its message beside the field
    refused = client.post(base + "/triage", data={"csrf": csrf, "assignee": "canbo.hoankiem"})
    assert refused.status_code == 422 and 'id="assignee-error"' in refused.text
    bad_date = client.post(base + "/triage", data={"csrf": csrf, "due_date": "10/12"})
    assert bad_date.status_code == 422 and 'id="due_date-error"' in bad_date.text
    # "Answered" without an answer is refused beside the answer field
    empty = client.post(base + "/state", data={"csrf": csrf, "state": "answered"})
    assert empty.status_code == 422 and 'id="answer-error"' in empty.text
    answer = "Ngày 8/12 tổ vệ sinh môi trường đã thu gom rác tại ngõ 5."
    assert client.post(base + "/state", data={"csrf": csrf, "state": "answered",
                                              "answer": answer},
                       follow_redirects=False).status_code == 303
    # THEN any kiosk's look-up shows it, and the kiosk's status feed carries it
    code = seeded.receipt[feedback]
    found = backend.store.look_up_application(code).applications
    assert [(item.status, item.note) for item in found] == [
        (wire.ApplicationStatus.COMPLETED, answer)]
    feed = backend.store.status_feed("K-BD", 0, 100)
    assert [(item.receipt_code, item.status.value) for item in feed.items] == [
        (code, "completed")]
    # AND the phone page shows it by the slip's code, without personal data
    phone = web().get(f"/tra-cuu?ma={code[:4]}-{code[4:].lower()}")
    assert phone.status_code == 200
    assert answer in phone.text and "Phản ánh kiến nghị" in phone.text
    assert "0912000111" not in phone.text
    # AND the inbox lists it as answered and assigned
    page = client.get("/bo/inbox?state=answered").text
    assert feedback in page and "hạn 2026-12-10" in page


def test_an_intake_linked_to_its_dossier_code_is_found_by_that_code(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend
) -> None:
    client = web()
    csrf = signed_in(client, "admin")
    intake, other = seeded.intake[HOAN_KIEM], seeded.intake[BA_DINH]
    dossier = "000.00.09.H26-261207/0001"
    bad = client.post(f"/bo/cases/{intake}/dossier", data={"csrf": csrf,
                                                           "dossier_code": "mã có dấu"})
    assert bad.status_code == 422 and 'id="dossier_code-error"' in bad.text
    assert client.post(f"/bo/cases/{intake}/dossier", data={
        "csrf": csrf, "dossier_code": dossier}, follow_redirects=False).status_code == 303
    taken = client.post(f"/bo/cases/{other}/dossier", data={"csrf": csrf,
                                                            "dossier_code": dossier})
    assert taken.status_code == 422 and "đã gắn với một hồ sơ khác" in taken.text
    assert client.post(f"/bo/cases/{intake}/status", data={
        "csrf": csrf, "status": "ready_for_pickup", "note": "Quầy 3"},
        follow_redirects=False).status_code == 303
    assert backend.store.cases.by_dossier_code(dossier) == (uuid.UUID(intake),
                                                            seeded.receipt[intake])
    phone = web().get("/tra-cuu", params={"ma": dossier})
    assert "Đã có kết quả, mời đến nhận" in phone.text and "Quầy 3" in phone.text
    # Any kiosk asks the office by the dossier code and gets the intake's receipt code
    kiosk = {"Authorization": f"Bearer {backend.token('K-ANY')}"}
    found = client.get(wire.Endpoint.KIOSK_DOSSIER_LOOKUP.value, params={"code": dossier},
                       headers=kiosk).json()
    assert found["receipt_code"] == seeded.receipt[intake]
    assert [(a["status"], a["note"]) for a in found["applications"]] == [
        ("ready_for_pickup", "Quầy 3")]
    nothing = client.get(wire.Endpoint.KIOSK_DOSSIER_LOOKUP.value, params={"code": "H26-1"},
                         headers=kiosk).json()
    assert nothing == {"dossier_code": "H26-1", "receipt_code": None, "applications": []}
    assert client.get(wire.Endpoint.KIOSK_DOSSIER_LOOKUP.value, params={"code": "a b"},
                      headers=kiosk).status_code == 422


def test_viewing_an_identity_is_audited_and_the_auditor_sees_who(
    web: Callable[[], TestClient], seeded: Seeded
) -> None:
    officer = web()
    signed_in(officer, "canbo.hoankiem")
    shown = officer.get(f"/bo/cases/{seeded.intake[HOAN_KIEM]}/personal")
    assert "Nguyễn Văn Thắng" in shown.text
    auditor = web()
    signed_in(auditor, "kiemtra")
    log = auditor.get("/bo/audit").text
    assert "canbo.hoankiem" in log and "Xem thông tin cá nhân" in log
    assert f"/bo/cases/{seeded.intake[HOAN_KIEM]}" in log


def test_the_phone_page_is_rate_limited_and_refuses_junk(
    backend: Backend, seeded: Seeded
) -> None:
    app = create_app(backend.store, rate_limit="10000/second", session_secret="s")
    app.state.web.public_limiter = RateLimiter("3/minute")
    client = TestClient(app, base_url="http://127.0.0.1")
    # Neither a receipt code nor a dossier code
    junk = client.get("/tra-cuu", params={"ma": "<script>"})
    assert junk.status_code == 422 and "<script>" not in junk.text
    # A dossier code nobody linked, a receipt code nobody has
    for typed in ("ABCD-EFGH", "2222-2222"):
        unknown = client.get("/tra-cuu", params={"ma": typed})
        assert unknown.status_code == 200 and "chưa có hồ sơ nào" in unknown.text
    limited = client.get("/tra-cuu", params={"ma": seeded.receipt[seeded.feedback[BA_DINH]]})
    assert limited.status_code == 429 and limited.headers["retry-after"]


# -- API tokens ---------------------------------------------------------------------------


def test_a_scoped_token_does_only_what_it_was_made_for(backend: Backend) -> None:
    api = TestClient(create_app(backend.store, rate_limit="10000/second"))
    puller = backend.store.add_credential("puller", Role.BACK_OFFICE, scopes={Scope.PULL})
    legacy = backend.token("office", Role.BACK_OFFICE)
    headers = {"Authorization": f"Bearer {puller}"}
    assert api.get(wire.Endpoint.SUBMISSIONS.value, headers=headers).status_code == 200
    assert api.get(wire.Endpoint.FLEET.value, headers=headers).status_code == 403
    refused = api.post(wire.Endpoint.APPLICATION_STATUSES.value, headers=headers, json={
        "updates": [{"submission_uuid": "00000000-0000-4000-8000-000000000000",
                     "status": "completed"}]})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this token lacks the 'status-write' scope"
    assert api.put("/v1/queue/4", headers=headers, json={"services": []}).status_code == 403
    # A token made without scopes keeps every one (as before scopes)
    assert api.get(wire.Endpoint.FLEET.value,
                   headers={"Authorization": f"Bearer {legacy}"}).status_code == 200
