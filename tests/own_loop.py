"""Running a coroutine from a synchronous test, whatever ran before it.

Playwright's synchronous API (the browser tests) leaves an event loop running in the main
thread, and ``asyncio.run`` then refuses to start: each coroutine gets a loop of its own in
a thread of its own (as ``tests/sync/test_auth_batch.py`` does).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)`` in a thread of its own; its result or its exception."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
