"""Token checks that miss the memory, gathered into one database read per batch.

After an outage or a restart thousands of kiosks arrive at once, each with a token this
worker has not seen yet. One thread-pool call per token would queue thousands of reads
ahead of the requests' own work; instead the misses that arrive while a read is under way
wait for the next one, which checks them all in one query
(:meth:`office.store.credentials.Credentials.authenticate_many`).
"""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool

from office.store.credentials import Credentials, Principal


class AuthBatcher:
    """Checks tokens missing from memory in batches (one event loop, one worker)."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self._pending: dict[str, asyncio.Future[Principal | None]] = {}
        self._reading = False

    async def authenticate(self, token: str) -> Principal | None:
        """The caller holding ``token`` (None: unknown or revoked), read with the other
        misses of the moment."""
        waiting = self._pending.get(token)
        if waiting is None:
            waiting = asyncio.get_running_loop().create_future()
            self._pending[token] = waiting
            if not self._reading:
                self._reading = True
                asyncio.get_running_loop().create_task(self._read())
        return await asyncio.shield(waiting)

    async def _read(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, {}
                try:
                    found = await run_in_threadpool(self.credentials.authenticate_many,
                                                    list(batch))
                except Exception as error:  # noqa: BLE001 - handed to every waiter
                    for future in batch.values():
                        if not future.done():
                            future.set_exception(error)
                    continue
                for token, future in batch.items():
                    if not future.done():
                        future.set_result(found.get(token))
        finally:
            self._reading = False
