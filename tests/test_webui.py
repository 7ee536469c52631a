"""Our web pages' shared base: htmx served by us (no CDN) and working in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import Page, expect

from tests.browser import OffsiteRequests
from tests.servers import ServerThread
from webui.assets import STATIC_DIR, mount_static, template_environment

PAGE = """{% extends "base.html" %}
{% block title %}Thử{% endblock %}
{% block main %}
<h1>Xin chào {{ name }}</h1>
<button hx-get="/fragment" hx-target="#answer">Hỏi</button>
<p id="answer">chưa có</p>
{% endblock %}
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    templates = template_environment([tmp_path])
    app = FastAPI()
    mount_static(app)

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        return templates.get_template("page.html").render(name="<b>Đặng Thị Ánh</b>")

    @app.get("/fragment", response_class=HTMLResponse)
    def fragment() -> str:
        return "<span>Đã trả lời lúc 09:30</span>"

    running = ServerThread(app).start()
    yield running
    running.stop()


def test_htmx_comes_from_our_server_and_swaps_a_fragment(
    server: ServerThread, page: Page, offsite: OffsiteRequests
) -> None:
    page.goto(server.url + "/")
    # The citizen's text is escaped, never markup; Vietnamese letters arrive intact
    expect(page.locator("h1")).to_have_text("Xin chào <b>Đặng Thị Ánh</b>")
    page.get_by_role("button", name="Hỏi").click()
    expect(page.locator("#answer")).to_have_text("Đã trả lời lúc 09:30")
    assert offsite.urls == []


def test_a_page_asking_for_a_cdn_is_caught(server: ServerThread, page: Page,
                                           offsite: OffsiteRequests) -> None:
    page.set_content('<script src="https://unpkg.com/htmx.org"></script>')
    assert offsite.urls == ["https://unpkg.com/htmx.org"]


def test_the_vendored_assets_are_the_ones_the_readme_lists() -> None:
    files = sorted(path.name for path in STATIC_DIR.iterdir())
    assert files == ["README.md", "base.css", "htmx-ext-sse.min.js", "htmx.min.js"]
    assert (STATIC_DIR / "htmx.min.js").read_text().startswith("var htmx=function()")
