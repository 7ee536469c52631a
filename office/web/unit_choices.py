"""``/bo/units/choices``: the units matching what is typed in a unit picker, as the picker's
radio buttons (htmx swaps them in; office/web/unit_picker.py has the rules)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from office.web.context import render, web_state
from office.web.pages import PREFIX, SignedIn
from office.web.unit_picker import NONE_LABELS, QUERY_FIELD, picker_choices

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/units/choices", response_class=HTMLResponse)
def unit_choices(request: Request, session: SignedIn) -> Response:
    """The choices for ``unit_q`` among the units the user sees, keeping the one chosen
    (``unit``); ``picker`` is the picker's kind (its first choice)."""
    params = request.query_params
    kind = params.get("picker", "filter")
    if kind not in NONE_LABELS:
        kind = "filter"
    names = web_state(request).store.served_units.names()
    if not session.user.role.all_units:
        names = {code: name for code, name in names.items() if session.user.sees_unit(code)}
    picker = picker_choices(params.get(QUERY_FIELD, ""), params.get("unit", ""), names)
    return render(request, "_unit_choices.html", session, picker=picker, kind=kind)
