"""The back office's pages: sign-in, the inbox and its exports, cases, the audit log.

Every page checks the signed-in user's role and unit here, on the server: a commune
officer asking for another unit's list gets 403 and for another unit's case 404 (its
existence is not revealed). Every POST checks the session's CSRF token first.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.application_status import ApplicationStatus
from kiosk.kinds import SubmissionKind
from office.store.audit import AuditAction
from office.store.cases import (
    Case,
    CaseError,
    FeedbackState,
    InboxFilter,
)
from office.store.users import SignInOutcome
from office.web import exports
from office.web.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    ForbiddenError,
    Session,
    SignInRequiredError,
    check_csrf,
    end_session,
)
from office.web.context import PageNotFoundError, WebState, render, web_state
from office.web.labels import APPLICATION_STATUSES, CATEGORIES, FEEDBACK_STATES, KINDS, STATES
from office.web.query_numbers import whole_number
from office.web.unit_picker import pick_unit
from office.web.units import chosen_unit

log = logging.getLogger("office.web")

PREFIX = "/bo"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
PROCEDURE_PATTERN = r"^[0-9]\.[0-9]{6}$"


def signed_in(request: Request) -> Session:
    """The request's session; SignInRequiredError (a redirect to the form) without one."""
    web = web_state(request)
    session = web.sessions.current(request, web.store)
    if session is None:
        raise SignInRequiredError
    return session


SignedIn = Annotated[Session, Depends(signed_in)]


async def checked_form(request: Request, session: Session) -> dict[str, str]:
    """The POSTed form's fields, after checking its CSRF token (ForbiddenError otherwise)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    check_csrf(session, sent if isinstance(sent, str) else None)
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


# -- signing in and out ------------------------------------------------------------------


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request) -> Response:
    """The sign-in form."""
    return _sign_in_page(request, web_state(request))


def _sign_in_page(request: Request, web: WebState, *, message: str | None = None,
                  username: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "sign_in.html", None, status=status, message=message,
                      username=username, sign_in_token=token)
    web.sessions.set_sign_in_token(request, response, token)
    return response


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    """Check the name and password; lock after repeated failures (logged and audited)."""
    web = web_state(request)
    wait = web.sign_in_limiter.retry_after("sign-in:" + _client(request))
    if wait is not None:
        return render(request, "error.html", None, status=429,
                      message="Quá nhiều lần đăng nhập. Hãy thử lại sau ít phút.",
                      headers={"Retry-After": str(wait)})
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not web.sessions.check_sign_in_token(request, token if isinstance(token, str) else None):
        raise ForbiddenError("Biểu mẫu đăng nhập đã hết hạn hoặc không hợp lệ (CSRF). "
                        "Hãy tải lại trang.")
    username = str(form.get("username") or "").strip().lower()[:60]
    password = str(form.get("password") or "")[:1000]
    result = web.store.users.sign_in(username, password)
    if result.outcome is SignInOutcome.SIGNED_IN and result.user is not None:
        log.info("back office: %s signed in from %s", result.user.username, _client(request))
        response = RedirectResponse(f"{PREFIX}/inbox", status_code=303)
        web.sessions.start(response, request, result.user)
        return response
    actor = username if result.known else "(tên không có)"
    if result.outcome is SignInOutcome.LOCKED:
        until_utc = result.locked_until or ""
        if result.just_locked:
            log.warning("back office: account %s locked until %s after repeated wrong "
                        "passwords (last from %s)", username, result.locked_until,
                        _client(request))
            web.store.audit.record(actor, AuditAction.LOCKED,
                                   detail=f"khóa đến {exports.local_time(until_utc)} sau "
                                   f"nhiều lần sai mật khẩu, từ {_client(request)}")
        else:
            web.store.audit.record(actor, AuditAction.SIGN_IN_FAILED,
                                   detail=f"tài khoản đang khóa, từ {_client(request)}")
        until = exports.local_time(until_utc)[-5:]
        return _sign_in_page(request, web, username=username, status=403,
                             message=f"Tài khoản tạm khóa đến {until} do nhập sai mật khẩu "
                             "nhiều lần.")
    log.info("back office: wrong sign-in for %s from %s", actor, _client(request))
    web.store.audit.record(actor, AuditAction.SIGN_IN_FAILED,
                           detail=f"sai tên hoặc mật khẩu, từ {_client(request)}")
    return _sign_in_page(request, web, username=username, status=401,
                         message="Sai tên đăng nhập hoặc mật khẩu.")


@router.post("/sign-out")
async def sign_out(request: Request, session: SignedIn) -> Response:
    """End every session of this user (the cookie of any other browser dies too)."""
    await checked_form(request, session)
    web_state(request).store.users.end_sessions(session.user.id)
    response = RedirectResponse(f"{PREFIX}/sign-in", status_code=303)
    end_session(response)
    return response


@router.get("/")
def home(session: SignedIn) -> Response:
    """The inbox is the home page."""
    return RedirectResponse(f"{PREFIX}/inbox", status_code=303)


# -- the inbox ----------------------------------------------------------------------------


def parse_filter(params: Mapping[str, str], session: Session, units: Mapping[int, str]
                 ) -> tuple[InboxFilter, int, dict[str, str]]:
    """The inbox filter in ``params``, the page number, and a message per bad field.

    A commune officer asking for another unit is refused (ForbiddenError): the page is theirs.
    """
    errors: dict[str, str] = {}
    unit = chosen_unit(params.get("unit", ""), session, errors, names=units,
                       refusal="Bạn chỉ xem được hồ sơ của đơn vị mình.")
    kind = None
    text = params.get("kind", "")
    if text:
        if text in KINDS:
            kind = SubmissionKind(text)
        else:
            errors["kind"] = "Không có loại này."
    dates: dict[str, dt.date | None] = {}
    for name in ("from", "to"):
        text = params.get(name, "").strip()
        dates[name] = None
        if text:
            try:
                dates[name] = dt.date.fromisoformat(text)
            except ValueError:
                errors[name] = "Ngày viết theo dạng năm-tháng-ngày, ví dụ 2026-12-07."
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors["to"] = "Ngày kết thúc trước ngày bắt đầu."
    state = params.get("state", "") or None
    if state is not None and state not in STATES:
        errors["state"] = "Không có trạng thái này."
        state = None
    procedure = params.get("procedure", "").strip() or None
    if procedure is not None and re.fullmatch(PROCEDURE_PATTERN, procedure) is None:
        errors["procedure"] = "Mã thủ tục có dạng 1.001193."
        procedure = None
    page_text = params.get("page", "1")
    number = whole_number(page_text)
    page = number if number is not None and 0 < number < 100_000 else 1
    wanted = InboxFilter(unit_code=unit, kind=kind, date_from=dates["from"],
                         date_to=dates["to"], state=state, procedure_code=procedure)
    return wanted, page, errors


def _scope(session: Session) -> set[int] | None:
    user = session.user
    if user.role.all_units:
        return None
    return {user.unit_code} if user.unit_code is not None else set()


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, session: SignedIn) -> Response:
    """Submissions in the user's scope, filtered, newest first, a page at a time."""
    store = web_state(request).store
    names = store.served_units.names()
    params, picker = pick_unit(request.query_params, names)
    wanted, page, errors = parse_filter(params, session, names)
    result = store.cases.inbox(_scope(session), wanted, page)
    query = {key: value for key, value in params.items() if key != "page" and value}
    return render(request, "inbox.html", session, status=422 if errors else 200,
                  result=result, params=params, errors=errors, query=query, picker=picker,
                  summary=exports.summary, local_time=exports.local_time)


@router.get("/inbox.csv")
@router.get("/inbox.xlsx")
def export(request: Request, session: SignedIn) -> Response:
    """The filtered list as CSV or XLSX; ``personal=1`` adds identities (audited)."""
    web = web_state(request)
    names = web.store.served_units.names()
    params, _picker = pick_unit(request.query_params, names)
    wanted, _page, errors = parse_filter(params, session, names)
    if errors:
        return render(request, "error.html", session, status=422,
                      message="Bộ lọc không hợp lệ: " + "; ".join(errors.values()))
    personal = params.get("personal") == "1"
    if personal and not session.user.role.may_see_personal:
        raise ForbiddenError("Vai trò của bạn không được xem dữ liệu cá nhân.")
    rows = web.store.cases.export_rows(_scope(session), wanted)
    opener = _opener(web) if personal else None
    lines = exports.table(rows, opener, web.store.served_units.names())
    web.store.audit.record(
        session.user.username,
        AuditAction.EXPORT_PERSONAL if personal else AuditAction.EXPORT,
        [row.submission_uuid for row in rows] if personal else (),
        detail=f"{len(rows)} dòng, bộ lọc: {_filter_text(params)}")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    if request.url.path.endswith(".xlsx"):
        return Response(exports.to_xlsx(lines), media_type="application/vnd.openxmlformats-"
                        "officedocument.spreadsheetml.sheet", headers={
                            "Content-Disposition": f'attachment; filename="hop-thu-{stamp}.xlsx"'})
    return Response(exports.to_csv(lines), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="hop-thu-{stamp}.csv"'})


def _filter_text(params: Mapping[str, str]) -> str:
    shown = {key: value for key, value in params.items()
             if key in {"unit", "kind", "from", "to", "state", "procedure"} and value}
    return ", ".join(f"{key}={value}" for key, value in sorted(shown.items())) or "không"


def _opener(web: WebState) -> exports.Opener:
    def open_identity(submission: Any) -> dict[str, object] | None:
        if submission.citizen_sealed is None:
            return None
        return dict(web.store.keys.open(submission.citizen_sealed))

    return open_identity


# -- cases --------------------------------------------------------------------------------


def case_for(request: Request, session: Session, submission_uuid: str) -> Case:
    """The case, if it exists and is in the user's unit; PageNotFoundError otherwise (another
    unit's case is not found, so its existence is not revealed)."""
    try:
        key = uuid.UUID(submission_uuid)
    except ValueError:
        raise PageNotFoundError from None
    case = web_state(request).store.cases.case(key)
    if case is None or not session.user.sees_unit(case.row.unit_code):
        raise PageNotFoundError
    return case


def _case_page(request: Request, session: Session, case: Case, *,
               errors: Mapping[str, str] | None = None, status: int = 200,
               values: Mapping[str, str] | None = None) -> Response:
    web = web_state(request)
    details: dict[str, Any] = dict(case.row.submission.details)
    return render(
        request, "case.html", session, status=status, case=case, row=case.row,
        details=details, errors=errors or {}, values=values or {},
        handlers=web.store.users.handlers(case.row.unit_code),
        has_personal=(case.row.submission.citizen_sealed is not None
                      or bool(details.get("contact"))),
        saved=request.query_params.get("saved") == "1",
        local_time=exports.local_time, feedback_states=FEEDBACK_STATES,
        application_statuses=APPLICATION_STATUSES, categories=CATEGORIES)


@router.get("/cases/{submission_uuid}", response_class=HTMLResponse)
def case_page(request: Request, session: SignedIn, submission_uuid: str) -> Response:
    """One submission: what it says, its history, and the forms to handle it."""
    return _case_page(request, session, case_for(request, session, submission_uuid))


@router.get("/cases/{submission_uuid}/personal", response_class=HTMLResponse)
def personal(request: Request, session: SignedIn, submission_uuid: str) -> Response:
    """The applicant's identity and contact (an htmx fragment); each view is audited."""
    case = case_for(request, session, submission_uuid)
    if not session.user.role.may_see_personal:
        raise ForbiddenError("Vai trò của bạn không được xem dữ liệu cá nhân.")
    web = web_state(request)
    identity = _opener(web)(case.row.submission) or {}
    details: dict[str, Any] = dict(case.row.submission.details)
    web.store.audit.record(session.user.username, AuditAction.VIEW_PERSONAL,
                           [case.row.submission_uuid], detail="xem trên trang hồ sơ")
    return render(request, "personal.html", session, identity=identity,
                  fields=exports.IDENTITY_FIELDS, labels=exports.PERSONAL_HEADER,
                  contact=details.get("contact"))


def _handler(session: Session) -> None:
    if not session.user.role.may_handle:
        raise ForbiddenError("Vai trò của bạn chỉ được xem.")


def _saved(case: Case) -> Response:
    return RedirectResponse(f"{PREFIX}/cases/{case.row.submission_uuid}?saved=1",
                            status_code=303)


def _apply(request: Request, session: Session, case: Case, form: Mapping[str, str],
           action: Callable[[], object]) -> Response:
    """Run a case action: saved, or the case page again with the refusal beside its field."""
    try:
        action()
    except CaseError as error:
        return _case_page(request, session, case, status=422, values=form,
                          errors={error.field_name: str(error)})
    return _saved(case)


@router.post("/cases/{submission_uuid}/triage", response_class=HTMLResponse)
async def triage(request: Request, session: SignedIn, submission_uuid: str) -> Response:
    """Assign a feedback, set its category and due date."""
    form = await checked_form(request, session)
    _handler(session)
    case = case_for(request, session, submission_uuid)
    web = web_state(request)
    due: dt.date | None = None
    try:
        if form.get("due_date"):
            due = dt.date.fromisoformat(form["due_date"])
    except ValueError:
        return _case_page(request, session, case, status=422, values=form,
                          errors={"due_date": "Ngày viết theo dạng năm-tháng-ngày."})
    return _apply(request, session, case, form, lambda: web.store.cases.triage(
        case, session.user.username, assignee=form.get("assignee") or None,
        category=form.get("category") or None, due_date=due,
        handlers=web.store.users.handlers(case.row.unit_code)))


@router.post("/cases/{submission_uuid}/state", response_class=HTMLResponse)
async def feedback_state(request: Request, session: SignedIn,
                         submission_uuid: str) -> Response:
    """Move a feedback to a state, with the written answer; the kiosk hears of it."""
    form = await checked_form(request, session)
    _handler(session)
    case = case_for(request, session, submission_uuid)
    try:
        state = FeedbackState(form.get("state", ""))
    except ValueError:
        return _case_page(request, session, case, status=422, values=form,
                          errors={"state": "Hãy chọn một trạng thái."})
    return _apply(request, session, case, form, lambda: web_state(request).store.cases
                  .set_feedback_state(case, session.user.username, state, form.get("answer")))


@router.post("/cases/{submission_uuid}/status", response_class=HTMLResponse)
async def application_status(request: Request, session: SignedIn,
                             submission_uuid: str) -> Response:
    """Publish an application's status with an optional note."""
    form = await checked_form(request, session)
    _handler(session)
    case = case_for(request, session, submission_uuid)
    try:
        status = ApplicationStatus(form.get("status", ""))
    except ValueError:
        return _case_page(request, session, case, status=422, values=form,
                          errors={"status": "Hãy chọn một trạng thái."})
    return _apply(request, session, case, form, lambda: web_state(request).store.cases
                  .set_application_status(case, session.user.username, status,
                                          form.get("note")))


@router.post("/cases/{submission_uuid}/dossier", response_class=HTMLResponse)
async def dossier(request: Request, session: SignedIn, submission_uuid: str) -> Response:
    """Link an intake to its official dossier code (mã hồ sơ)."""
    form = await checked_form(request, session)
    _handler(session)
    case = case_for(request, session, submission_uuid)
    return _apply(request, session, case, form, lambda: web_state(request).store.cases
                  .link_dossier(case, session.user.username, form.get("dossier_code", "")))


# -- the audit log ------------------------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, session: SignedIn) -> Response:
    """The audit log, newest first (auditors only)."""
    if not session.user.role.may_read_audit:
        raise ForbiddenError("Chỉ kiểm tra viên được xem nhật ký truy cập.")
    before_text = request.query_params.get("before", "")
    before = whole_number(before_text)
    entries = web_state(request).store.audit.entries(before)
    return render(request, "audit.html", session, entries=entries,
                  local_time=exports.local_time)
