"""A function that fails the first time it is called, then is itself (a retry's test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def failing_once(real: Callable[P, R], error: BaseException) -> Callable[P, R]:
    """``real``, except that its first call raises ``error``."""
    calls: list[int] = []

    def once(*args: P.args, **kwargs: P.kwargs) -> R:
        calls.append(1)
        if len(calls) == 1:
            raise error
        return real(*args, **kwargs)

    return once
