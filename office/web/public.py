"""The citizen's public status page: what the office did with a slip's code, on a phone.

No sign-in and no personal data: the kind, the procedure, the status, and a feedback's
written answer, found by the slip's receipt code (7 random symbols of 29: about 34 bits,
the same code any kiosk's look-up takes) or an intake's official dossier code. Look-ups
are rate-limited per client address, so guessing codes is slow.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kiosk import receipt_code
from office.store.cases import DOSSIER_CODE_PATTERN
from office.web.context import render, web_state
from office.web.exports import local_time
from office.web.labels import APPLICATION_STATUSES

PUBLIC_PATH = "/tra-cuu"
router = APIRouter(include_in_schema=False)


@router.get(PUBLIC_PATH, response_class=HTMLResponse)
def look_up(request: Request, ma: str = "") -> Response:
    """The form, and what the office knows of the code typed (``?ma=``)."""
    typed = ma.strip()[:80]
    if not typed:
        return render(request, "public.html", None, typed="", found=None, message=None)
    web = web_state(request)
    client = request.client.host if request.client is not None else "unknown"
    wait = web.public_limiter.retry_after("public:" + client)
    if wait is not None:
        return render(request, "public.html", None, status=429, typed=typed, found=None,
                      message="Bạn tra cứu quá nhiều lần. Hãy thử lại sau một phút.",
                      headers={"Retry-After": str(wait)})
    code = receipt_code.normalise(typed)
    if code is None:
        if re.fullmatch(DOSSIER_CODE_PATTERN, typed) is None:
            return render(request, "public.html", None, status=422, typed=typed, found=None,
                          message="Mã không đúng. Mã biên nhận có 8 ký tự, ví dụ "
                          "ABCD-EF23.")
        linked = web.store.cases.by_dossier_code(typed)
        code = None if linked is None else linked[1]
    lookup = None if code is None else web.store.look_up_application(code)
    if lookup is None or not lookup.applications:
        return render(request, "public.html", None, typed=typed, found=[],
                      message="Văn phòng chưa có hồ sơ nào với mã này. Hồ sơ vừa nộp có "
                      "thể cần ít phút để tới nơi.")
    answers = web.store.cases.answers(lookup.receipt_code)
    found = [{
        "application": item,
        "status": (APPLICATION_STATUSES.get(item.status.value) if item.status is not None
                   else "Đã tiếp nhận, chưa có kết quả"),
        "answer": answers.get(item.submission_uuid) or item.note,
        "received": local_time(item.received_at),
        "updated": None if item.updated_at is None else local_time(item.updated_at),
    } for item in lookup.applications]
    return render(request, "public.html", None, typed=receipt_code.display(lookup.receipt_code),
                  found=found, message=None)
