"""A real browser for the web pages' tests: Debian's Chromium driven by Playwright.

Playwright cannot download its own browsers here (no internet), so it drives the system's
``/usr/bin/chromium`` (``scripts/setup`` installs the ``chromium`` package). The flags keep
Chromium from reaching for the network on its own (updates, sync, QUIC), which a closed LAN
refuses over and over.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Screen sizes the pages are looked at in (name -> width, height).
VIEWPORTS: dict[str, tuple[int, int]] = {
    "tv": (1920, 1080),
    "pc": (1366, 768),
    "tablet": (800, 1280),
    "phone": (390, 844),
}


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless Chromium from Debian."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


class OffsiteRequests:
    """Records every request a page makes to anywhere but 127.0.0.1 and aborts it.

    Our pages load nothing from outside (no CDN): a test asserts this list stays empty.
    """

    def __init__(self) -> None:
        self.urls: list[str] = []

    def route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "about:")):
            route.continue_()
        else:
            self.urls.append(url)
            route.abort()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the test session."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def offsite() -> OffsiteRequests:
    """The requests the test's pages tried to make off this machine."""
    return OffsiteRequests()


@pytest.fixture
def page(chromium: Browser, offsite: OffsiteRequests) -> Iterator[Page]:
    """A fresh page (its own cookies) at PC size, Vietnamese, offsite requests refused."""
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    context.route("**/*", offsite.route)
    page = context.new_page()
    yield page
    context.close()
