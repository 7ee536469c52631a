"""The satisfaction page: ratings and waits by unit, service, counter, officer and day, as
charts and tables, the units ranked, and the same figures as CSV.

Scope, checked here on the server: a commune officer sees their own unit's figures only
(asking for another unit is refused, 403) and no ranking, since ranking needs every unit's
figures; the city-wide roles (city administrators and auditors; the figures hold no
personal data) see every unit, may narrow to one, and see every known unit ranked (Hà
Nội's 126 and any the operator loaded).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kiosk.clock import HANOI
from office.store.satisfaction import (
    MAX_RANGE_DAYS,
    Figures,
    RankedUnit,
    SatisfactionReport,
    rank_units,
)
from office.web import exports
from office.web.auth import Session
from office.web.charts import Bar, bar_chart
from office.web.context import render, web_state
from office.web.labels import RATINGS
from office.web.pages import PREFIX, SignedIn
from office.web.unit_picker import UnitPicker, pick_unit
from office.web.units import chosen_unit, unit_label

router = APIRouter(prefix=PREFIX, include_in_schema=False)
#: The range shown when none is asked for: the last 30 days, today included.
DEFAULT_DAYS = 30
NO_SERVICE = "Không gắn dịch vụ (đánh giá tại kiosk)"
NO_COUNTER = "Không nêu quầy"
NO_OFFICER = "Không rõ cán bộ (đánh giá tại kiosk)"


@dataclass(frozen=True)
class Wanted:
    """What the page was asked for: the range and the units (None: every unit)."""

    date_from: dt.date
    date_to: dt.date
    unit: int | None
    scope: set[int] | None


def parse(params: Mapping[str, str], session: Session,
          today: dt.date, units: Mapping[int, str]) -> tuple[Wanted, dict[str, str]]:
    """The range and unit asked for, and a message per bad field (the defaults stand in).

    A commune officer is held to their unit; asking for another is ForbiddenError.
    """
    errors: dict[str, str] = {}
    user = session.user
    dates = {"from": today - dt.timedelta(days=DEFAULT_DAYS - 1), "to": today}
    for name in ("from", "to"):
        text = params.get(name, "").strip()
        if text:
            try:
                dates[name] = dt.date.fromisoformat(text)
            except ValueError:
                errors[name] = "Ngày viết theo dạng năm-tháng-ngày, ví dụ 2026-12-07."
    if not errors:
        if dates["from"] > dates["to"]:
            errors["to"] = "Ngày kết thúc trước ngày bắt đầu."
        elif (dates["to"] - dates["from"]).days + 1 > MAX_RANGE_DAYS:
            errors["from"] = f"Mỗi lần xem tối đa {MAX_RANGE_DAYS} ngày."
    if errors:
        dates = {"from": today - dt.timedelta(days=DEFAULT_DAYS - 1), "to": today}
    unit = chosen_unit(params.get("unit", ""), session, errors, names=units,
                       refusal="Bạn chỉ xem được số liệu của đơn vị mình.")
    if not user.role.all_units:
        unit = user.unit_code
        scope: set[int] | None = {unit} if unit is not None else set()
    else:
        scope = None if unit is None else {unit}
    return Wanted(dates["from"], dates["to"], unit, scope), errors


def decimal(value: float) -> str:
    """A figure as Vietnamese write it: a decimal comma ("57,1"), no trailing zero."""
    return f"{value:g}".replace(".", ",")


def _percent(value: float) -> str:
    return f"{decimal(value)}%"


def _minutes(value: float) -> str:
    return f"{decimal(value)} ph"


def day_charts(report: SatisfactionReport) -> tuple[str, str]:
    """The daily satisfied share and mean wait, as two SVG charts (the daily table, id
    ``by-day``, describes both)."""
    days = list(report.by_day.items())
    share = [Bar(day.strftime("%d/%m/%Y"), day.strftime("%d/%m"), figures.satisfied_percent)
             for day, figures in days]
    wait = [Bar(day.strftime("%d/%m/%Y"), day.strftime("%d/%m"), figures.mean_wait_minutes)
            for day, figures in days]
    rated = sum(1 for bar in share if bar.value is not None)
    waited = sum(1 for bar in wait if bar.value is not None)
    return (
        bar_chart("chart-share", "Tỷ lệ hài lòng theo ngày",
                  f"Cột: phần trăm đánh giá hài lòng hoặc rất hài lòng mỗi ngày; {rated} trên "
                  f"{len(days)} ngày có đánh giá. Số liệu ở bảng theo ngày.",
                  share, top=100.0, shown=_percent, described_by="by-day"),
        bar_chart("chart-wait", "Thời gian chờ trung bình theo ngày",
                  f"Cột: số phút trung bình từ lúc lấy số đến lúc được gọi; {waited} trên "
                  f"{len(days)} ngày có số liệu. Số liệu ở bảng theo ngày.",
                  wait, shown=_minutes, described_by="by-day"),
    )


def groups(report: SatisfactionReport
           ) -> list[tuple[str, str, str, list[tuple[str, Figures]]]]:
    """The tables by service, counter and officer: (id, heading, first column's name,
    rows), known keys first."""
    def rows(table: Mapping[str | None, Figures], unknown: str,
             name: str = "{}") -> list[tuple[str, Figures]]:
        known = sorted((key, figures) for key, figures in table.items() if key is not None)
        shown = [(name.format(key), figures) for key, figures in known]
        if None in table:
            shown.append((unknown, table[None]))
        return shown

    return [("by-service", "Theo dịch vụ (hàng đợi)", "Dịch vụ",
             rows(report.by_service, NO_SERVICE, "Dịch vụ {}")),
            ("by-counter", "Theo quầy", "Quầy", rows(report.by_counter, NO_COUNTER)),
            ("by-officer", "Theo cán bộ", "Cán bộ", rows(report.by_officer, NO_OFFICER))]


#: Units without ratings listed in the page's ranking up to this many (Hà Nội's 126 all
#: are: a ward whose tablets send nothing is worth seeing). With a province's or the
#: country's list they are counted instead (3,195 rows of "no ratings" made the page
#: 1.1 MB); the CSV lists every unit.
UNRATED_LISTED_UP_TO = 200


@dataclass(frozen=True)
class RankingShown:
    """The ranking as the page shows it: every unit, or the ranked ones and a count."""

    rows: list[RankedUnit]
    unrated_not_listed: int


def ranking_shown(ranking: list[RankedUnit] | None) -> RankingShown | None:
    """``ranking`` bounded for the page (:data:`UNRATED_LISTED_UP_TO`)."""
    if ranking is None:
        return None
    unrated = sum(1 for item in ranking if item.rank is None)
    if unrated <= UNRATED_LISTED_UP_TO:
        return RankingShown(ranking, 0)
    return RankingShown([item for item in ranking if item.rank is not None],
                        unrated)


def ranking_for(session: Session, wanted: Wanted, report: SatisfactionReport,
                units: Mapping[int, str]) -> list[RankedUnit] | None:
    """Every known unit ranked (Hà Nội's 126 and the loaded ones), for the city-wide roles
    looking at every unit; None for a commune officer (and for one unit asked for: ranked
    alone it would mean nothing)."""
    if not session.user.role.all_units or wanted.unit is not None:
        return None
    return rank_units(report.by_unit, units)


def _cells(figures: Figures) -> list[str]:
    def number(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    return ([str(figures.ratings)] + [str(figures.levels[level]) for level in RATINGS]
            + [number(figures.satisfied_percent), str(figures.waits),
               number(figures.mean_wait_minutes), number(figures.median_wait_minutes)])


CSV_HEADER = ["Nhóm", "Mục", "Số đánh giá", *RATINGS.values(), "Tỷ lệ hài lòng (%)",
              "Số lượt chờ", "Chờ trung bình (phút)", "Chờ trung vị (phút)", "Xếp hạng"]


def csv_lines(report: SatisfactionReport, ranking: list[RankedUnit] | None,
              unit_scope: set[int] | None, units: Mapping[int, str]) -> list[list[str]]:
    """The page's figures as CSV rows: the total, each day, each grouping, and the units
    (ranked for the city-wide roles; empty cells where there is no figure, never 0)."""
    lines = [CSV_HEADER, ["Tổng", "", *_cells(report.total), ""]]
    lines += [["Ngày", day.isoformat(), *_cells(figures), ""]
              for day, figures in report.by_day.items()]
    for _id, heading, _column, rows in groups(report):
        lines += [[heading, name, *_cells(figures), ""] for name, figures in rows]
    if ranking is not None:
        lines += [["Đơn vị", unit_label(units, item.unit_code), *_cells(item.figures),
                   "" if item.rank is None else str(item.rank)] for item in ranking]
    else:
        lines += [["Đơn vị", unit_label(units, code),
                   *_cells(report.by_unit.get(code, Figures())), ""]
                  for code in sorted(unit_scope or ())]
    return lines


def _report(request: Request, session: Session
            ) -> tuple[Wanted, dict[str, str], SatisfactionReport, UnitPicker]:
    today = dt.datetime.now(HANOI).date()
    store = web_state(request).store
    names = store.served_units.names()
    params, picker = pick_unit(request.query_params, names)
    wanted, errors = parse(params, session, today, names)
    report = store.satisfaction.report(wanted.scope, wanted.date_from, wanted.date_to)
    return wanted, errors, report, picker


def _units(request: Request) -> Mapping[int, str]:
    return web_state(request).store.served_units.names()


@router.get("/satisfaction", response_class=HTMLResponse)
def satisfaction(request: Request, session: SignedIn) -> Response:
    """The figures of the range asked for, in the user's scope."""
    wanted, errors, report, picker = _report(request, session)
    share_chart, wait_chart = day_charts(report)
    query = {"from": wanted.date_from.isoformat(), "to": wanted.date_to.isoformat()}
    if wanted.unit is not None and session.user.role.all_units:
        query["unit"] = str(wanted.unit)
    return render(request, "satisfaction.html", session, status=422 if errors else 200,
                  wanted=wanted, errors=errors, report=report, params=dict(
                      request.query_params), query=query, share_chart=share_chart,
                  wait_chart=wait_chart, groups=groups(report), picker=picker,
                  ranking=ranking_shown(ranking_for(session, wanted, report,
                                                    _units(request))),
                  rating_labels=RATINGS,
                  decimal=decimal)


@router.get("/satisfaction.csv")
def satisfaction_csv(request: Request, session: SignedIn) -> Response:
    """The same figures as CSV (UTF-8 with a byte order mark, for Excel)."""
    wanted, errors, report, _picker = _report(request, session)
    if errors:
        return render(request, "error.html", session, status=422,
                      message="Bộ lọc không hợp lệ: " + "; ".join(errors.values()))
    units = _units(request)
    ranking = ranking_for(session, wanted, report, units)
    lines = csv_lines(report, ranking, wanted.scope, units)
    name = f"hai-long-{wanted.date_from.isoformat()}-{wanted.date_to.isoformat()}.csv"
    return Response(exports.to_csv(lines), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
