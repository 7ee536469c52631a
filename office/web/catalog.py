"""The catalog and service-points pages: what kiosks pull, published from the browser.

/bo/catalog (city administrators only) uploads the catalog or Hà Nội's overlay; the file
goes through office.publishing, the very step `kiosk backend publish-catalog/overlay`
takes: checked whole by the kiosk's own reader, every bad record listed, nothing published
from a bad file. /bo/service-points publishes one unit's address, hotline, opening hours
and map link (city administrators for any unit, a commune officer for their own); each
field is checked by the kiosk's own rule and a refusal is shown beside its field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from office.publishing import (
    NAMES,
    SERVICE_POINT_KEYS,
    FileRefusedError,
    publish_file,
    publish_service_point,
    published_directory,
    service_point_problems,
)
from office.store import CatalogKind, Principal, Role, Store
from office.store.users import UserRole
from office.web.auth import CSRF_FIELD, ForbiddenError, Session, check_csrf
from office.web.context import render, web_state
from office.web.pages import PREFIX, SignedIn
from office.web.query_numbers import whole_number
from office.web.unit_picker import UnitPicker, pick_unit
from sync import wire

log = logging.getLogger("office.web")

router = APIRouter(prefix=PREFIX, include_in_schema=False)
#: The kinds this page publishes from a file, in the order shown.
FILE_KINDS = (CatalogKind.CATALOG, CatalogKind.OVERLAY)
#: Where each kind's file is posted (the server lets these bodies be catalog-sized).
UPLOAD_PATHS = tuple(f"{PREFIX}/catalog/{kind.value}" for kind in FILE_KINDS)
#: Vietnamese names of what is published, for headings and messages.
TITLES = {CatalogKind.CATALOG: "Danh mục thủ tục", CatalogKind.OVERLAY: "Quy định riêng của Hà Nội"}
#: Labels of the service-point fields, in form order.
SERVICE_POINT_LABELS = {"address": "Địa chỉ", "hotline": "Đường dây nóng",
                        "opening_hours": "Giờ làm việc", "map_link": "Đường dẫn bản đồ"}
assert tuple(SERVICE_POINT_LABELS) == SERVICE_POINT_KEYS


def _city_admin(session: Session) -> None:
    if session.user.role is not UserRole.CITY_ADMIN:
        raise ForbiddenError("Chỉ quản trị viên thành phố được đăng danh mục thủ tục.")


def _principal(session: Session) -> Principal:
    # Recorded as the publishing client: the signed-in person's name.
    return Principal(session.user.username, Role.BACK_OFFICE)


# -- the catalog and the overlay ----------------------------------------------------------


def _catalog_page(request: Request, session: Session, *, status: int = 200,
                  refused: CatalogKind | None = None, error: FileRefusedError | None = None,
                  file_name: str = "") -> Response:
    store: Store = web_state(request).store
    served = {kind: store.published(kind) for kind in FILE_KINDS}
    # After a publication (?published=catalog): which one, and the version served now.
    just = next((kind for kind in FILE_KINDS
                 if kind.value == request.query_params.get("published")), None)
    just_served = served.get(just) if just is not None else None
    return render(request, "catalog.html", session, status=status, kinds=FILE_KINDS,
                  titles=TITLES, served=served, refused=refused, error=error,
                  file_name=file_name, max_bytes=wire.MAX_CATALOG_BYTES,
                  published=None if just is None or just_served is None else TITLES[just],
                  served_version=None if just_served is None else just_served.version)


@router.get("/catalog", response_class=HTMLResponse)
def catalog(request: Request, session: SignedIn) -> Response:
    """The versions served now, and a form to upload each kind."""
    _city_admin(session)
    return _catalog_page(request, session)


@router.post("/catalog/{kind_name}", response_class=HTMLResponse)
async def upload(request: Request, session: SignedIn, kind_name: str) -> Response:
    """Check the uploaded file whole and publish it; every bad record listed otherwise."""
    _city_admin(session)
    async with request.form(max_part_size=wire.MAX_CATALOG_BYTES + 1) as form:
        sent = form.get(CSRF_FIELD)
        check_csrf(session, sent if isinstance(sent, str) else None)
        try:
            kind = CatalogKind(kind_name)
        except ValueError:
            kind = None
        if kind not in FILE_KINDS:
            return _catalog_page(request, session, status=404)
        upload = form.get("file")
        if not isinstance(upload, StarletteUpload | UploadFile) or not upload.filename:
            return _catalog_page(request, session, status=422, refused=kind,
                                 error=FileRefusedError("chưa chọn tệp"))
        raw = await upload.read(wire.MAX_CATALOG_BYTES + 1)
        name = upload.filename
    store = web_state(request).store
    try:
        result = publish_file(store, kind, raw, _principal(session))
    except FileRefusedError as error:
        return _catalog_page(request, session, status=422, refused=kind, error=error,
                             file_name=name)
    log.info("back office: %s %s (file %s)", session.user.username, result.message(), name)
    return RedirectResponse(f"{PREFIX}/catalog?published={kind.value}", status_code=303)


# -- service points -------------------------------------------------------------------------


def _may_publish(session: Session, unit_code: int) -> bool:
    user = session.user
    return user.role.may_handle and user.sees_unit(unit_code)


def _seen_units(request: Request, session: Session) -> Mapping[int, str]:
    names = web_state(request).store.served_units.names()
    if session.user.role.all_units:
        return names  # the same mapping each time: the unit picker's search is kept for it
    return {code: name for code, name in names.items() if session.user.sees_unit(code)}


def _service_points_page(request: Request, session: Session, unit_code: int | None, *,
                         status: int = 200, values: dict[str, str] | None = None,
                         errors: dict[str, str] | None = None,
                         picker: UnitPicker | None = None) -> Response:
    store = web_state(request).store
    directory = published_directory(store)
    units = _seen_units(request, session)
    if picker is None or picker.code != unit_code:
        picker = pick_unit({"unit": str(unit_code or "")}, units)[1]
    current = directory.details.get(unit_code, {}) if unit_code is not None else {}
    shown = values if values is not None else {k: current.get(k) or "" for k in SERVICE_POINT_KEYS}
    return render(request, "service_points.html", session, status=status, units=units,
                  unit_code=unit_code, picker=picker, directory=directory, values=shown,
                  errors=errors or {}, labels=SERVICE_POINT_LABELS,
                  may_publish=unit_code is not None and _may_publish(session, unit_code),
                  saved=request.query_params.get("saved") == "1")


def _unit(request: Request, session: Session, text: str) -> int | None:
    if not text:
        return None
    code = whole_number(text)
    if code is None or not web_state(request).store.served_units.knows(code):
        raise ForbiddenError("Không có đơn vị này.")
    if not session.user.sees_unit(int(text)):
        raise ForbiddenError("Bạn chỉ xem được điểm phục vụ của đơn vị mình.")
    return int(text)


@router.get("/service-points", response_class=HTMLResponse)
def service_points(request: Request, session: SignedIn) -> Response:
    """Every published service point in the user's scope; ``unit`` opens its form."""
    params, _picker = pick_unit(request.query_params, _seen_units(request, session))
    unit_code = _unit(request, session, params.get("unit", "").strip())
    if unit_code is None and session.user.unit_code is not None:
        unit_code = session.user.unit_code
    return _service_points_page(request, session, unit_code, picker=_picker)


@router.post("/service-points/{unit_code}", response_class=HTMLResponse)
async def publish_point(request: Request, session: SignedIn, unit_code: int) -> Response:
    """Publish one unit's details; each bad field is shown beside it, nothing published."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    check_csrf(session, sent if isinstance(sent, str) else None)
    _unit(request, session, str(unit_code))
    if not _may_publish(session, unit_code):
        raise ForbiddenError("Vai trò của bạn chỉ được xem.")
    values = {key: str(form.get(key) or "")[:1000] for key in SERVICE_POINT_KEYS}
    errors = service_point_problems(values)
    if not errors:
        try:
            result = publish_service_point(web_state(request).store, unit_code, values,
                                           _principal(session))
        except FileRefusedError as error:
            errors = {"form": "Có người vừa đăng trước; hãy tải lại trang và thử lại. "
                              f"({error.message})"}
        else:
            log.info("back office: %s published unit %d's service point (%s version %d)",
                     session.user.username, unit_code, NAMES[result.kind], result.version)
            return RedirectResponse(f"{PREFIX}/service-points?unit={unit_code}&saved=1",
                                    status_code=303)
    return _service_points_page(request, session, unit_code, status=422, values=values,
                                errors=errors)
