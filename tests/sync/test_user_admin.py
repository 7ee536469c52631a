"""User administration over HTTP on SQLite and PostgreSQL: city administrators add users,
change roles, lock, unlock and reset passwords (shown once), every change audited; anyone
changes their own password; bad values are refused beside their field; CSRF holds."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from office.app import create_app
from office.store.audit import AuditAction
from office.store.users import UserRole
from tests.sync.back_office import BA_DINH, HOAN_KIEM, PASSWORD, csrf_of, sign_in, signed_in
from tests.sync.conftest import Backend


@pytest.fixture
def web(backend: Backend) -> Callable[[], TestClient]:
    users = backend.store.users
    users.add_user("admin", UserRole.CITY_ADMIN, None, PASSWORD)
    users.add_user("canbo.badinh", UserRole.COMMUNE_OFFICER, BA_DINH, PASSWORD)
    users.add_user("kiemtra", UserRole.AUDITOR, None, PASSWORD)
    app = create_app(backend.store, rate_limit="10000/second", session_secret="test")
    return lambda: TestClient(app, base_url="http://127.0.0.1")


def admin(web: Callable[[], TestClient]) -> tuple[TestClient, str]:
    client = web()
    return client, signed_in(client, "admin")


def shown_password(page: str) -> str:
    found = re.search(r'<code class="code" id="new-password">([^<]+)</code>', page)
    assert found is not None, "no password shown"
    return found.group(1)


def actions(backend: Backend) -> list[tuple[str, str, str]]:
    """The audit log's changes to users, oldest first (sign-in failures left out)."""
    return [(entry.actor, entry.action.value, entry.detail)
            for entry in reversed(backend.store.audit.entries())
            if entry.action is not AuditAction.SIGN_IN_FAILED]


def test_an_administrator_adds_a_user_whose_password_is_shown_once(
        web: Callable[[], TestClient], backend: Backend) -> None:
    client, csrf = admin(web)
    answer = client.post("/bo/users", data={"csrf": csrf, "username": "canbo.hoankiem",
                                            "role": "commune_officer", "unit": HOAN_KIEM})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    password = shown_password(answer.text)
    assert len(password) == 16
    assert password not in client.get("/bo/users").text
    assert password not in client.get("/bo/users/canbo.hoankiem").text
    assert sign_in(web(), "canbo.hoankiem", password).status_code == 303
    assert actions(backend) == [("admin", "user_added",
                                 "canbo.hoankiem: commune_officer, Phường Hoàn Kiếm")]


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"username": "Ab", "role": "auditor"}, "username", "Tên đăng nhập có 3 đến 60 ký tự"),
    ({"username": "canbo.badinh", "role": "auditor"}, "username", "Tên đăng nhập này đã có."),
    ({"username": "moi.nguoi", "role": "king"}, "role", "Hãy chọn một vai trò."),
    ({"username": "moi.nguoi", "role": "commune_officer"}, "unit",
     "Cán bộ xã/phường cần có đơn vị."),
    ({"username": "moi.nguoi", "role": "city_admin", "unit": str(BA_DINH)}, "unit",
     "Vai trò cấp thành phố không gắn với một đơn vị"),
    ({"username": "moi.nguoi", "role": "commune_officer", "unit": "99999"}, "unit",
     "Không có đơn vị này."),
])
def test_bad_values_are_refused_beside_their_field(
        web: Callable[[], TestClient], backend: Backend, form: dict[str, str], field: str,
        message: str) -> None:
    client, csrf = admin(web)
    answer = client.post("/bo/users", data={"csrf": csrf, **form})
    assert answer.status_code == 422
    assert f'<span class="error" id="{field}-error" role="alert">{message}' in answer.text
    assert f'aria-describedby="{field}-error"' in answer.text
    assert len(backend.store.user_admin.list_users()) == 3
    assert actions(backend) == []


def test_without_the_csrf_token_nothing_changes(
        web: Callable[[], TestClient], backend: Backend) -> None:
    client, _csrf = admin(web)
    for path, form in (("/bo/users", {"username": "x.y.z", "role": "auditor"}),
                       ("/bo/users/kiemtra/role", {"role": "city_admin"}),
                       ("/bo/users/kiemtra/lock", {"locked": "1"}),
                       ("/bo/users/kiemtra/password", {}),
                       ("/bo/account/password", {"current": PASSWORD, "new": "x" * 12,
                                                 "repeat": "x" * 12})):
        assert client.post(path, data=form).status_code == 403, path
        assert client.post(path, data={**form, "csrf": "forged"}).status_code == 403, path
    assert [row.username for row in backend.store.user_admin.list_users()] == [
        "admin", "canbo.badinh", "kiemtra"]
    assert sign_in(web(), "kiemtra").status_code == 303
    assert actions(backend) == []


def test_only_city_administrators_manage_users(web: Callable[[], TestClient]) -> None:
    for username in ("canbo.badinh", "kiemtra"):
        client = web()
        csrf = signed_in(client, username)
        assert client.get("/bo/users").status_code == 403
        assert client.get("/bo/users/admin").status_code == 403
        assert client.post("/bo/users/admin/lock", data={"csrf": csrf, "locked": "1"}
                           ).status_code == 403
        assert client.post("/bo/users/admin/password", data={"csrf": csrf}).status_code == 403
        assert 'href="/bo/users"' not in client.get("/bo/inbox").text
    client, _csrf = admin(web)
    assert client.get("/bo/users/nobody").status_code == 404


def test_a_new_role_ends_the_users_sessions_and_is_audited(
        web: Callable[[], TestClient], backend: Backend) -> None:
    officer = web()
    signed_in(officer, "canbo.badinh")
    client, csrf = admin(web)
    answer = client.post("/bo/users/canbo.badinh/role", data={
        "csrf": csrf, "role": "commune_officer", "unit": str(HOAN_KIEM)},
        follow_redirects=False)
    assert answer.headers["location"] == "/bo/users/canbo.badinh?saved=1"
    assert officer.get("/bo/inbox", follow_redirects=False).status_code == 303
    signed_in(officer, "canbo.badinh")
    assert "Hộp thư · Phường Hoàn Kiếm" in officer.get("/bo/inbox").text
    # Their own role: refused beside the field
    own = client.post("/bo/users/admin/role", data={"csrf": csrf, "role": "auditor"})
    assert own.status_code == 422 and 'id="role-error"' in own.text
    assert actions(backend) == [("admin", "user_changed", "canbo.badinh: commune_officer, "
                                 "Phường Ba Đình -> commune_officer, Phường Hoàn Kiếm")]


def test_lock_and_unlock(web: Callable[[], TestClient], backend: Backend) -> None:
    officer = web()
    signed_in(officer, "canbo.badinh")
    client, csrf = admin(web)
    client.post("/bo/users/canbo.badinh/lock", data={"csrf": csrf, "locked": "1"})
    assert "Đã khóa" in client.get("/bo/users/canbo.badinh").text
    assert officer.get("/bo/inbox", follow_redirects=False).status_code == 303
    assert sign_in(web(), "canbo.badinh").status_code == 401
    client.post("/bo/users/canbo.badinh/lock", data={"csrf": csrf, "locked": "0"})
    assert sign_in(web(), "canbo.badinh").status_code == 303
    bad = client.post("/bo/users/canbo.badinh/lock", data={"csrf": csrf, "locked": "maybe"})
    assert bad.status_code == 422 and "Hãy chọn khóa hoặc mở khóa." in bad.text
    mine = client.post("/bo/users/admin/lock", data={"csrf": csrf, "locked": "1"})
    assert mine.status_code == 422 and "Không tự khóa tài khoản của mình." in mine.text
    assert [action for _actor, action, _detail in actions(backend)] == [
        "user_locked", "user_unlocked"]


def test_a_reset_password_is_shown_once_and_replaces_the_old(
        web: Callable[[], TestClient], backend: Backend) -> None:
    client, csrf = admin(web)
    answer = client.post("/bo/users/kiemtra/password", data={"csrf": csrf})
    assert answer.headers["cache-control"] == "no-store"
    password = shown_password(answer.text)
    assert sign_in(web(), "kiemtra").status_code == 401
    assert sign_in(web(), "kiemtra", password).status_code == 303
    assert password not in client.get("/bo/users/kiemtra").text
    own = client.post("/bo/users/admin/password", data={"csrf": csrf})
    assert own.status_code == 422 and 'id="password-error"' in own.text
    assert (AuditAction.PASSWORD_RESET.value, "kiemtra") in [
        (action, detail) for _actor, action, detail in actions(backend)]


def test_anyone_changes_their_own_password(
        web: Callable[[], TestClient], backend: Backend) -> None:
    elsewhere = web()
    signed_in(elsewhere, "canbo.badinh")
    client = web()
    csrf = signed_in(client, "canbo.badinh")
    new = "một câu dài dễ nhớ 2026"
    for form, field in (({"current": "wrong password", "new": new, "repeat": new}, "current"),
                        ({"current": PASSWORD, "new": "short", "repeat": "short"}, "new"),
                        ({"current": PASSWORD, "new": new, "repeat": new + "!"}, "repeat")):
        answer = client.post("/bo/account/password", data={"csrf": csrf, **form})
        assert answer.status_code == 422 and f'id="{field}-error"' in answer.text, field
    done = client.post("/bo/account/password", data={
        "csrf": csrf, "current": PASSWORD, "new": new, "repeat": new}, follow_redirects=False)
    assert done.headers["location"] == "/bo/account/password?saved=1"
    # This browser goes on (a fresh cookie); the other session ended
    assert "Đã đổi mật khẩu." in client.get("/bo/account/password?saved=1").text
    assert csrf_of(client.get("/bo/inbox").text)
    assert elsewhere.get("/bo/inbox", follow_redirects=False).status_code == 303
    assert sign_in(web(), "canbo.badinh").status_code == 401
    assert sign_in(web(), "canbo.badinh", new).status_code == 303
    assert actions(backend) == [("canbo.badinh", "password_changed", "")]
