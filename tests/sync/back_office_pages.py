"""What the back office's real-browser tests share: the seeded server, the screenshot folder
and signing in (imported by each test module, so pytest finds the fixtures there)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from office.app import create_app
from tests.servers import ServerThread
from tests.sync.back_office import PASSWORD, Seeded, seed
from tests.sync.conftest import Backend


@pytest.fixture
def seeded(backend: Backend, kiosks: Any) -> Seeded:
    """Two units' kiosks, their submissions and the back office's people."""
    return seed(backend, kiosks)


@pytest.fixture
def server(backend: Backend, seeded: Seeded) -> Iterator[ServerThread]:
    """The seeded backend's API and pages on loopback."""
    running = ServerThread(create_app(backend.store, rate_limit="10000/second",
                                      session_secret="browser-test")).start()
    yield running
    running.stop()


@pytest.fixture
def shots(tmp_path: Path, backend: Backend) -> Path:
    """Where screenshots go: ``$BACK_OFFICE_SCREENSHOTS/<database>`` when set."""
    folder = Path(os.environ.get("BACK_OFFICE_SCREENSHOTS") or tmp_path) / backend.kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    """Fill in and send the sign-in form (it may be refused)."""
    page.goto(url + "/bo/sign-in")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def signed_in(page: Page, url: str, username: str) -> None:
    """Sign in and wait for the inbox, the first page after it."""
    sign_in(page, url, username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hộp thư")
