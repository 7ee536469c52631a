"""Tokens missing from a worker's memory are checked together, one read per batch."""

from __future__ import annotations

import asyncio

from office.auth_batch import AuthBatcher
from office.store.credentials import Credentials, Role
from tests.own_loop import run_async
from tests.sync.conftest import Backend


def test_a_burst_of_unseen_tokens_is_checked_in_one_or_two_reads(backend: Backend) -> None:
    # GIVEN 50 kiosks this worker has never seen, and a token nobody holds
    tokens = {f"K{n:02d}": backend.token(f"K{n:02d}") for n in range(50)}
    credentials = Credentials(backend.store.engine)
    reads: list[int] = []
    read = credentials.authenticate_many

    def counted(batch: list[str]) -> object:
        reads.append(len(batch))
        return read(batch)

    credentials.authenticate_many = counted  # type: ignore[assignment, method-assign]
    batcher = AuthBatcher(credentials)

    async def burst() -> list[object]:
        return await asyncio.gather(*(batcher.authenticate(token) for token in
                                      [*tokens.values(), "not-a-token", tokens["K00"]]))

    # WHEN they all arrive at once (K00 twice)
    found = run_async(burst())
    # THEN each got its own kiosk, the stranger nothing, in one read of all 51 tokens
    assert [getattr(principal, "client_id", None) for principal in found] == [
        *tokens, None, "K00"]
    assert all(getattr(p, "role", Role.KIOSK) is Role.KIOSK for p in found)
    assert reads == [51]
    # AND afterwards they are in memory: no read at all
    assert credentials.cached(tokens["K07"]) is not None
