"""Each worker's PostgreSQL pool size P (``MOTCUA_BACKEND_DB_POOL``, ``kiosk backend serve
--db-pool``) reaches both its pools: the engine's (P kept, P more at a peak) and the lean
ingest's async connections (at most P at once), which name themselves per worker and pool
in ``pg_stat_activity``."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from office import asgi
from office.async_postgres import AsyncPostgres
from office.database import (
    MAX_POOL_SIZE,
    POOL_SIZE,
    POOL_VARIABLE,
    DatabaseError,
    create_database_engine,
    pool_size,
)
from office.keys import create_keys
from tests.conftest import Result
from tests.own_loop import run_async
from tests.postgres_cluster import PostgresServer


def test_the_pool_size_is_ten_unless_the_environment_says_otherwise() -> None:
    assert POOL_SIZE == 10
    assert pool_size({}) == 10
    assert pool_size({POOL_VARIABLE: " "}) == 10
    assert pool_size({POOL_VARIABLE: "4"}) == 4
    assert pool_size({POOL_VARIABLE: str(MAX_POOL_SIZE)}) == MAX_POOL_SIZE


@pytest.mark.parametrize("text", ["0", "-3", "4.5", "ten", "²", str(MAX_POOL_SIZE + 1)])
def test_a_pool_size_that_is_not_1_to_100_is_refused_with_the_variable_named(
        text: str) -> None:
    with pytest.raises(DatabaseError, match=f"{POOL_VARIABLE}='{text}': a pool size from 1"):
        pool_size({POOL_VARIABLE: text})


def test_a_worker_started_with_the_variable_has_both_pools_of_that_size(
    postgres: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a worker's environment with P = 3 (as serve --db-pool 3 --workers N leaves it)
    create_keys(tmp_path / "sealing.key")
    monkeypatch.setenv(asgi.DATABASE_VARIABLE, postgres.new_database())
    monkeypatch.setenv(asgi.KEY_VARIABLE, str(tmp_path / "sealing.key"))
    monkeypatch.setenv(POOL_VARIABLE, "3")
    # WHEN the worker builds its app
    engine = asgi.app_from_environment().state.store.engine
    try:
        # THEN its engine keeps 3 connections and may open 3 more; the lean path's async
        # connections beside it number at most 3
        assert (engine.pool.size(), engine.pool._max_overflow) == (3, 3)
        assert AsyncPostgres.beside(engine).size == 3
    finally:
        engine.dispose()


def test_the_async_connections_never_exceed_the_pool_and_say_whose_they_are(
    postgres: PostgresServer
) -> None:
    # GIVEN a worker's engine with P = 2 and its async connections beside it
    url = postgres.new_database()
    engine = create_database_engine(url, pool=2)
    lean = AsyncPostgres.beside(engine)

    async def statements() -> list[list[Any]]:
        # WHEN 6 statements are sent at once
        answers = await asyncio.gather(*(lean.column("SELECT %(n)s::int", {"n": n})
                                         for n in range(6)))
        with engine.connect() as connection:
            names = sorted(connection.exec_driver_sql(
                "SELECT application_name FROM pg_stat_activity WHERE datname = "
                "current_database() AND application_name LIKE 'motcua-backend %%'").scalars())
        await lean.close()
        return [*answers, names]

    try:
        *answers, names = run_async(statements())
    finally:
        engine.dispose()
    # THEN each is answered, over 2 async connections named with this process and "lean",
    # beside the engine's one (named "pool") that asked
    assert answers == [[n] for n in range(6)]
    pid = os.getpid()
    assert names == [f"motcua-backend {pid} lean"] * 2 + [f"motcua-backend {pid} pool"]


def test_an_application_name_in_the_url_is_kept(postgres: PostgresServer) -> None:
    url = postgres.new_database() + "?application_name=city-office"
    engine = create_database_engine(url)

    async def name() -> list[Any]:
        lean = AsyncPostgres.beside(engine)
        answer = await lean.column("SELECT current_setting('application_name')", {})
        await lean.close()
        return answer

    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql(
                "SELECT current_setting('application_name')").scalar() == "city-office"
        assert run_async(name()) == ["city-office"]
    finally:
        engine.dispose()


def test_serve_db_pool_reaches_the_served_apps_pool_and_every_workers_environment(
    postgres: PostgresServer, kiosk: Callable[..., Result], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN uvicorn replaced by a recorder of the app it is given (and the root logger's
    # handlers, which serve sets up, put back afterwards)
    served: list[FastAPI] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    monkeypatch.setattr(logging.getLogger(), "handlers", list(logging.getLogger().handlers))
    monkeypatch.delenv(POOL_VARIABLE, raising=False)
    url = postgres.new_database()
    create_keys(tmp_path / "home" / "sealing.key")
    # WHEN the backend is served with --db-pool 4
    result = kiosk("backend", "serve", "--home", str(tmp_path / "home"), "--db", url,
                   "--db-pool", "4")
    # THEN the app's engine keeps 4 (and workers started from the environment would too)
    assert result.status == 0, result.err
    engine = served[0].state.store.engine
    try:
        assert engine.pool.size() == 4
        assert os.environ[POOL_VARIABLE] == "4"
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", ["0", str(MAX_POOL_SIZE + 1)])
def test_serve_refuses_a_pool_size_out_of_range(
    value: str, kiosk: Callable[..., Result], tmp_path: Path
) -> None:
    result = kiosk("backend", "serve", "--home", str(tmp_path / "home"), "--db-pool", value)
    assert result.status == 2
    assert f"--db-pool: 1 to {MAX_POOL_SIZE}" in result.err


def test_a_bad_pool_size_in_the_environment_stops_serve_before_it_listens(
    postgres: PostgresServer, kiosk: Callable[..., Result], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda *_, **__: pytest.fail("served"))
    monkeypatch.setenv(POOL_VARIABLE, "lots")
    result = kiosk("backend", "serve", "--home", str(tmp_path / "home"), "--db",
                   postgres.new_database())
    assert result.status == 2
    assert f"{POOL_VARIABLE}='lots': a pool size from 1 to {MAX_POOL_SIZE}" in result.err

