"""Answers that wait for an async origin callable.

An origin callable may be ``async``: then the look-up cannot finish before the callable
answers, and the answer comes back as a :class:`Pending` for the glue to await (bounded by
``origin_timeout``).  A ``CancelledError`` raised by the callable itself is told apart from
the request's own cancellation, so that it refuses the origin instead of dropping the
connection.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Pending(Generic[T]):
    """An answer that waits for an async origin callable: ``await`` it for the answer.

    ``fallback`` is the answer to give when the callable does not answer in time (the
    glue bounds the wait by ``origin_timeout``): always a refusal."""

    __slots__ = ("coroutine", "fallback")

    def __init__(self, coroutine: Coroutine[Any, Any, T], fallback: T) -> None:
        self.coroutine = coroutine
        self.fallback = fallback

    def __await__(self) -> Generator[Any, None, T]:
        return self.coroutine.__await__()


async def await_callable(awaitable: Any) -> object:
    """Await an async origin callable's answer.  A ``CancelledError`` that is not the
    cancellation of the request's own task (the callable raised it, or awaited something
    that was cancelled) becomes :class:`CallableCancelled`: a refusal, not a dropped
    connection."""
    if sys.version_info >= (3, 11):
        # Python 3.11 counts a task's pending cancellations: none means the
        # CancelledError came from the callable.
        try:
            return await awaitable
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the request itself is being cancelled (or timed out)
            raise CallableCancelled from None
    return await await_in_own_task(awaitable)  # pragma: no cover - Python 3.10


async def await_in_own_task(awaitable: Any) -> object:
    """Python 3.10's way to tell the two cancellations apart: run the callable in a task
    of its own; if that task ends cancelled while this one was not, the cancellation was
    the callable's."""
    inner = asyncio.ensure_future(awaitable)
    try:
        return await asyncio.shield(inner)
    except asyncio.CancelledError:
        if inner.done() and inner.cancelled():
            raise CallableCancelled from None
        inner.cancel()  # this task is being cancelled: so is the callable
        raise


class CallableCancelled(Exception):
    """An async origin callable ended with a ``CancelledError`` of its own."""
