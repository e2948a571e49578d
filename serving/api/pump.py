"""Run a blocking iterator (a streamed LLM reply) in one worker thread and read it from the event loop.

One thread per stream, not one thread hop per piece. The worker appends items to a deque and wakes the
loop only when the reader is waiting: every wake-up is a write to the loop's self-pipe and a hand-over
of the GIL, which under load costs milliseconds, so a burst of pieces costs one wake-up, not one each.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import anyio.to_thread

T = TypeVar("T")


class Ended:
    """The value ``Pump.get`` returns once the iterator is exhausted."""


END = Ended()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Pump(Generic[T]):
    """Items of ``make()`` produced in a worker thread; ``get`` re-raises the iterator's exception."""

    def __init__(self, make: Callable[[], Iterator[T]]) -> None:
        self._make = make
        self._items: deque[tuple[str, Any]] = deque()
        self._lock = threading.Lock()
        self._waiter: asyncio.Future[None] | None = None
        self._loop = asyncio.get_running_loop()
        self._cancelled = False
        self._task: asyncio.Future[None] | None = None

    def start(self) -> None:
        """Start the worker thread (within anyio's thread limit)."""
        self._task = asyncio.ensure_future(anyio.to_thread.run_sync(self._run))

    def _put(self, kind: str, value: Any) -> None:
        with self._lock:
            self._items.append((kind, value))
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            self._loop.call_soon_threadsafe(_wake, waiter)

    def _run(self) -> None:
        try:
            for item in self._make():
                if self._cancelled:  # the client went away: stop generating
                    return
                self._put("item", item)
        except BaseException as exc:  # handed to the reader, which decides what the client sees
            self._put("error", exc)
        else:
            self._put("end", None)

    def _unpack(self, kind: str, value: Any) -> T | Ended:
        if kind == "error":
            raise value
        return END if kind == "end" else value

    async def get(self) -> T | Ended:
        """The next item, END when done; raises what the iterator raised."""
        while True:
            with self._lock:
                if self._items:
                    return self._unpack(*self._items.popleft())
                waiter = self._waiter = self._loop.create_future()
            await waiter

    def poll(self) -> T | Ended | None:
        """The next item if one is ready, else None (never waits); raises what the iterator raised."""
        with self._lock:
            if not self._items:
                return None
            kind, value = self._items.popleft()
        return self._unpack(kind, value)

    def cancel(self) -> None:
        """Ask the worker to stop after its current item."""
        self._cancelled = True
