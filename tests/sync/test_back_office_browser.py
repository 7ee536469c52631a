"""The back office in a real browser (Debian's Chromium), on SQLite and PostgreSQL: an
officer signs in, filters, exports, answers a feedback, and the kiosk's look-up and the
phone page show the answer; another unit's case stays closed; CSRF and lock-out hold.

Screenshots of each page at PC and phone size go to ``$BACK_OFFICE_SCREENSHOTS`` when
set (to look at them), else to the test's temporary directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from sync.client import BackendClient
from sync.office import BackendOffice
from tests.browser import VIEWPORTS, OffsiteRequests
from tests.servers import ServerThread
from tests.sync.back_office import BA_DINH, HOAN_KIEM, Seeded
from tests.sync.back_office_pages import sign_in
from tests.sync.conftest import Backend

pytestmark = pytest.mark.slow


def test_an_officer_answers_a_feedback_and_the_citizen_sees_it_at_a_kiosk_and_a_phone(
    server: ServerThread, page: Page, chromium: Browser, seeded: Seeded, backend: Backend,
    offsite: OffsiteRequests, shots: Path,
) -> None:
    page.goto(server.url + "/bo/inbox")
    expect(page).to_have_url(server.url + "/bo/sign-in")
    page.screenshot(path=shots / "sign-in-pc.png")
    sign_in(page, server.url, "canbo.badinh")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hộp thư · Phường Ba Đình")
    page.screenshot(path=shots / "inbox-pc.png", full_page=True)
    # Filter: feedback only
    page.get_by_label("Loại").select_option("feedback")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    # Export the filtered list
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(exported) == 2 and "Rác để tràn ra vỉa hè ở ngõ 5" in exported[1]
    # Open it, see the contact (audited), triage and answer
    code = seeded.receipt[seeded.feedback[BA_DINH]]
    page.get_by_role("link", name=f"{code[:4]}-{code[4:]}").click()
    page.get_by_role("button", name="Xem thông tin cá nhân (được ghi nhật ký)").click()
    expect(page.locator("#personal")).to_contain_text("0912000111")
    page.get_by_label("Giao cho").select_option("canbo.badinh")
    page.get_by_label("Hạn xử lý").fill("2026-12-10")
    page.get_by_role("button", name="Lưu phân công").click()
    expect(page.get_by_role("status")).to_contain_text("Đã lưu.")
    # "Answered" with no answer: the message is beside the field
    page.get_by_label("Trạng thái").select_option("answered")
    page.get_by_role("button", name="Lưu trạng thái").click()
    expect(page.locator("#answer-error")).to_have_text(
        "Hãy viết câu trả lời trước khi chuyển sang “đã trả lời”.")
    page.screenshot(path=shots / "case-error-pc.png", full_page=True)
    answer = "Ngày 8/12 tổ vệ sinh môi trường phường đã thu gom rác tại ngõ 5."
    page.get_by_label("Trạng thái").select_option("answered")
    page.locator("#answer").fill(answer)
    page.get_by_role("button", name="Lưu trạng thái").click()
    expect(page.locator(".answer")).to_have_text(answer)
    page.screenshot(path=shots / "case-pc.png", full_page=True)
    # THEN the kiosk's look-up (any kiosk, over the API) shows the answer
    token = backend.token("K-OTHER")
    office = BackendOffice(BackendClient(server.url, token, connect_timeout=2,
                                         read_timeout=4))
    try:
        records = office.look_up(code)
    finally:
        office.close()
    assert [(r.status.value if r.status else None, r.note) for r in records] == [
        ("completed", answer)]
    # AND the phone page by the slip's code
    width, height = VIEWPORTS["phone"]
    phone_context = chromium.new_context(viewport={"width": width, "height": height},
                                         locale="vi-VN")
    phone_context.route("**/*", offsite.route)
    phone = phone_context.new_page()
    phone.goto(server.url + "/tra-cuu")
    phone.get_by_label("Mã biên nhận hoặc mã hồ sơ").fill(f"{code[:4]}-{code[4:]}".lower())
    phone.get_by_role("button", name="Tra cứu").click()
    expect(phone.locator(".answer")).to_have_text(answer)
    expect(phone.locator(".state-line strong")).to_have_text("Đã hoàn thành")
    phone.screenshot(path=shots / "public-phone.png", full_page=True)
    # The back office at phone size too
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    phone.screenshot(path=shots / "case-phone.png", full_page=True)
    phone.goto(server.url + "/bo/inbox")
    phone.screenshot(path=shots / "inbox-phone.png", full_page=True)
    phone_context.close()
    assert offsite.urls == []


def test_another_units_case_stays_closed_and_a_form_without_csrf_is_refused(
    server: ServerThread, page: Page, seeded: Seeded, backend: Backend, shots: Path,
) -> None:
    sign_in(page, server.url, "canbo.badinh")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hộp thư")
    other = page.goto(f"{server.url}/bo/cases/{seeded.feedback[HOAN_KIEM]}")
    assert other is not None and other.status == 404
    expect(page.get_by_role("alert")).to_have_text("Không tìm thấy trang hoặc hồ sơ này.")
    listed = page.goto(f"{server.url}/bo/inbox?unit={HOAN_KIEM}")
    assert listed is not None and listed.status == 403
    page.screenshot(path=shots / "forbidden-pc.png")
    # A form whose CSRF token was removed is refused and changes nothing
    page.goto(f"{server.url}/bo/cases/{seeded.feedback[BA_DINH]}")
    page.locator("form[action$='/state'] input[name=csrf]").evaluate("e => e.remove()")
    page.get_by_label("Trạng thái").select_option("closed")
    page.get_by_role("button", name="Lưu trạng thái").click()
    expect(page.get_by_role("alert")).to_contain_text("CSRF")
    assert backend.store.look_up_application(
        seeded.receipt[seeded.feedback[BA_DINH]]).applications[0].status is None


def test_ten_wrong_passwords_lock_the_account_and_the_auditor_sees_it(
    server: ServerThread, page: Page, chromium: Browser, seeded: Seeded, shots: Path,
) -> None:
    for _ in range(10):
        sign_in(page, server.url, "canbo.hoankiem", "khong-dung-mat-khau")
    expect(page.get_by_role("alert")).to_contain_text("Tài khoản tạm khóa đến")
    sign_in(page, server.url, "canbo.hoankiem")
    expect(page.get_by_role("alert")).to_contain_text("Tài khoản tạm khóa đến")
    page.screenshot(path=shots / "locked-pc.png")
    auditor = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    audit_page = auditor.new_page()
    sign_in(audit_page, server.url, "kiemtra")
    audit_page.get_by_role("link", name="Nhật ký truy cập").click()
    expect(audit_page.locator("tr.audit-locked")).to_have_count(1)
    expect(audit_page.locator("tr.audit-sign_in_failed")).to_have_count(10)
    audit_page.screenshot(path=shots / "audit-pc.png", full_page=True)
    auditor.close()
