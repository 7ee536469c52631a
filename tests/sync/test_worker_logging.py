"""A worker of ``kiosk backend serve --workers N`` logs request lines only when the server
was started with them: ``--no-access-log`` reaches every worker (uvicorn configures each
worker's logging before the app factory runs, and the factory keeps that choice)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from office import asgi
from office.keys import create_keys
from office.logs import ACCESS_LOGGER


@pytest.fixture
def worker_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    create_keys(tmp_path / "sealing.key")
    monkeypatch.setenv(asgi.DATABASE_VARIABLE, str(tmp_path / "backend.sqlite3"))
    monkeypatch.setenv(asgi.KEY_VARIABLE, str(tmp_path / "sealing.key"))
    root = logging.getLogger()
    handlers = list(root.handlers)
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    access = logging.getLogger(ACCESS_LOGGER)
    access.handlers.clear()
    access.propagate = True


@pytest.mark.parametrize("access_log", [False, True])
def test_a_worker_keeps_the_servers_access_log_choice(
    worker_environment: None, access_log: bool,
) -> None:
    # What uvicorn does in each worker process before it calls the factory.
    uvicorn.Config("office.asgi:app_from_environment", factory=True, log_config=None,
                   access_log=access_log).configure_logging()
    app = asgi.app_from_environment()
    app.state.store.engine.dispose()
    # uvicorn's per-connection test of whether to write request lines at all.
    assert logging.getLogger(ACCESS_LOGGER).hasHandlers() is access_log
