"""User administration (city administrators) and changing one's own password (everyone).

Administrators add users, set their role and unit, lock and unlock them and reset their
passwords; a new or reset password is shown once, on the answer to the form, and never
again (it is stored only as its Argon2id hash). Administrators cannot change their own
role or lock themselves (so the city is never left without one by mistake). Every change is
written to the audit log. Every form is CSRF-checked and refused with a message beside the
field at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from office.store.audit import AuditAction
from office.store.user_admin import UserRow, UserState, new_password
from office.store.users import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME_PATTERN,
    UserError,
    UserRole,
)
from office.web.auth import ForbiddenError, Session
from office.web.context import PageNotFoundError, render, web_state
from office.web.pages import PREFIX, SignedIn, checked_form
from office.web.query_numbers import whole_number
from office.web.unit_picker import pick_unit
from office.web.units import unit_label

router = APIRouter(prefix=PREFIX, include_in_schema=False)

STATES = {UserState.ACTIVE: "Đang hoạt động", UserState.LOCKED: "Đã khóa",
          UserState.LOCKED_OUT: "Tạm khóa do sai mật khẩu"}
#: Shown-once passwords must not stay in any cache.
NO_STORE = {"Cache-Control": "no-store"}
PASSWORD_LENGTH = (f"Mật khẩu có từ {MIN_PASSWORD_LENGTH} đến {MAX_PASSWORD_LENGTH} ký tự; "
                   "một câu dài dễ nhớ là tốt nhất.")


def _administrator(session: Session) -> None:
    if not session.user.role.may_manage_users:
        raise ForbiddenError("Chỉ quản trị thành phố được quản lý người dùng.")


def role_and_unit(form: Mapping[str, str], errors: dict[str, str], units: Mapping[int, str]
                  ) -> tuple[UserRole | None, int | None]:
    """The role and unit (one of ``units``) in ``form``, the unit picker's text turned into
    its unit (office/web/unit_picker.py); a message beside each bad field."""
    form, picker = pick_unit(form, units)
    try:
        role: UserRole | None = UserRole(form.get("role", ""))
    except ValueError:
        errors["role"] = "Hãy chọn một vai trò."
        role = None
    text = form.get("unit", "").strip()
    unit = whole_number(text)
    unit = unit if unit in units else None
    if picker.searched:
        errors["unit"] = ("Không có đơn vị nào khớp." if picker.total == 0
                          else "Hãy chọn một đơn vị trong danh sách.")
        unit = None
    elif text and unit is None:
        errors["unit"] = "Không có đơn vị này."
    elif role is UserRole.COMMUNE_OFFICER and unit is None:
        errors["unit"] = "Cán bộ xã/phường cần có đơn vị."
    elif role is not None and role is not UserRole.COMMUNE_OFFICER and unit is not None:
        errors["unit"] = "Vai trò cấp thành phố không gắn với một đơn vị; hãy để trống."
    return role, unit


def _list_page(request: Request, session: Session, *, status: int = 200,
               errors: Mapping[str, str] | None = None, values: Mapping[str, str] | None = None,
               revealed: tuple[str, str] | None = None) -> Response:
    web = web_state(request)
    return render(request, "users.html", session, status=status,
                  headers=NO_STORE if revealed else None,
                  users=web.store.user_admin.list_users(), now=web.store.clock(),
                  user_states=STATES, errors=errors or {}, values=values or {},
                  picker=pick_unit(values or {}, web.store.served_units.names())[1],
                  revealed=revealed)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, session: SignedIn) -> Response:
    """Every user, and the form to add one."""
    _administrator(session)
    return _list_page(request, session)


@router.post("/users", response_class=HTMLResponse)
async def add_user(request: Request, session: SignedIn) -> Response:
    """Add a user with a new password, shown once."""
    form = await checked_form(request, session)
    _administrator(session)
    web = web_state(request)
    errors: dict[str, str] = {}
    username = form.get("username", "").strip().lower()
    if re.fullmatch(USERNAME_PATTERN, username) is None:
        errors["username"] = ("Tên đăng nhập có 3 đến 60 ký tự: chữ thường không dấu, số, "
                              "dấu chấm, gạch dưới hoặc gạch ngang.")
    elif web.store.user_admin.find(username) is not None:
        errors["username"] = "Tên đăng nhập này đã có."
    units = web.store.served_units.names()
    role, unit = role_and_unit(form, errors, units)
    if errors or role is None:
        return _list_page(request, session, status=422, errors=errors, values=form)
    password = new_password()
    try:
        web.store.users.add_user(username, role, unit, password)
    except UserError:  # taken meanwhile
        return _list_page(request, session, status=422, values=form,
                          errors={"username": "Tên đăng nhập này đã có."})
    web.store.audit.record(session.user.username, AuditAction.USER_ADDED,
                           detail=f"{username}: {_role_text(role, unit, units)}")
    return _list_page(request, session, revealed=(username, password))


def _role_text(role: UserRole, unit: int | None, units: Mapping[int, str]) -> str:
    return role.value + ("" if unit is None else f", {unit_label(units, unit)}")


def _target(request: Request, username: str) -> UserRow:
    found = web_state(request).store.user_admin.find(username)
    if found is None:
        raise PageNotFoundError
    return found


def _user_page(request: Request, session: Session, target: UserRow, *, status: int = 200,
               errors: Mapping[str, str] | None = None, values: Mapping[str, str] | None = None,
               revealed: str | None = None, saved: bool = False) -> Response:
    web = web_state(request)
    names = web.store.served_units.names()
    picker = (pick_unit(values, names)[1] if values
              else pick_unit({"unit": str(target.unit_code or "")}, names)[1])
    return render(request, "user.html", session, status=status, picker=picker,
                  headers=NO_STORE if revealed else None, target=target,
                  state=target.state(web.store.clock()), user_states=STATES,
                  errors=errors or {}, values=values or {}, revealed=revealed, saved=saved,
                  own=target.username == session.user.username)


@router.get("/users/{username}", response_class=HTMLResponse)
def user_page(request: Request, session: SignedIn, username: str) -> Response:
    """One user: role and unit, lock, password reset."""
    _administrator(session)
    return _user_page(request, session, _target(request, username),
                      saved=request.query_params.get("saved") == "1")


def _saved(username: str) -> Response:
    return RedirectResponse(f"{PREFIX}/users/{username}?saved=1", status_code=303)


@router.post("/users/{username}/role", response_class=HTMLResponse)
async def change_role(request: Request, session: SignedIn, username: str) -> Response:
    """Set a user's role and unit (their sessions end)."""
    form = await checked_form(request, session)
    _administrator(session)
    target = _target(request, username)
    web = web_state(request)
    errors: dict[str, str] = {}
    units = web.store.served_units.names()
    role, unit = role_and_unit(form, errors, units)
    if target.username == session.user.username:
        errors["role"] = "Không tự đổi vai trò của mình; hãy nhờ một quản trị khác."
    if errors or role is None:
        return _user_page(request, session, target, status=422, errors=errors, values=form)
    web.store.user_admin.change_role(username, role, unit)
    web.store.audit.record(session.user.username, AuditAction.USER_CHANGED,
                           detail=f"{username}: {_role_text(target.role, target.unit_code, units)} "
                           f"-> {_role_text(role, unit, units)}")
    return _saved(username)


@router.post("/users/{username}/lock", response_class=HTMLResponse)
async def lock(request: Request, session: SignedIn, username: str) -> Response:
    """Lock (``locked=1``) or unlock (``locked=0``) a user."""
    form = await checked_form(request, session)
    _administrator(session)
    target = _target(request, username)
    locked = form.get("locked")
    if locked not in {"0", "1"}:
        return _user_page(request, session, target, status=422,
                          errors={"locked": "Hãy chọn khóa hoặc mở khóa."})
    if locked == "1" and target.username == session.user.username:
        return _user_page(request, session, target, status=422,
                          errors={"locked": "Không tự khóa tài khoản của mình."})
    web = web_state(request)
    web.store.user_admin.set_locked(username, locked == "1")
    web.store.audit.record(session.user.username, AuditAction.USER_LOCKED if locked == "1"
                           else AuditAction.USER_UNLOCKED, detail=username)
    return _saved(username)


@router.post("/users/{username}/password", response_class=HTMLResponse)
async def reset_password(request: Request, session: SignedIn, username: str) -> Response:
    """Give a user a new password, shown once on this answer (their sessions end)."""
    await checked_form(request, session)
    _administrator(session)
    target = _target(request, username)
    if target.username == session.user.username:
        return _user_page(request, session, target, status=422, errors={
            "password": "Mật khẩu của mình thì đổi ở trang “Đổi mật khẩu”."})
    web = web_state(request)
    password = web.store.user_admin.reset_password(username)
    web.store.audit.record(session.user.username, AuditAction.PASSWORD_RESET, detail=username)
    return _user_page(request, session, _target(request, username), revealed=password)


# -- one's own password -------------------------------------------------------------------


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, session: SignedIn) -> Response:
    """The form to change one's own password."""
    return render(request, "account.html", session, errors={},
                  saved=request.query_params.get("saved") == "1")


@router.post("/account/password", response_class=HTMLResponse)
async def change_password(request: Request, session: SignedIn) -> Response:
    """Change one's own password (the current one first); other sessions end, this one
    goes on with a fresh cookie."""
    form = await checked_form(request, session)
    web = web_state(request)
    errors: dict[str, str] = {}
    new = form.get("new", "")
    if not MIN_PASSWORD_LENGTH <= len(new) <= MAX_PASSWORD_LENGTH:
        errors["new"] = PASSWORD_LENGTH
    elif form.get("repeat", "") != new:
        errors["repeat"] = "Hai lần nhập mật khẩu mới không khớp."
    if not errors and not web.store.users.password_matches(session.user.id,
                                                           form.get("current", "")):
        errors["current"] = "Mật khẩu hiện tại không đúng."
    if errors:
        return render(request, "account.html", session, status=422, errors=errors,
                      saved=False)
    user = web.store.user_admin.change_own_password(session.user, form["current"], new)
    web.store.audit.record(user.username, AuditAction.PASSWORD_CHANGED)
    response = RedirectResponse(f"{PREFIX}/account/password?saved=1", status_code=303)
    web.sessions.start(response, request, user)
    return response
