"""Run a blocking iterator (a streamed LLM reply) in one worker thread and read it from the event loop.

One thread per stream, not one thread hop per piece: the worker hands each item to the loop with
``call_soon_threadsafe``, which costs far less than dispatching every ``next()`` to the thread pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import anyio.to_thread

T = TypeVar("T")


class Ended:
    """The value ``Pump.get`` returns once the iterator is exhausted."""


END = Ended()


class Pump(Generic[T]):
    """Items of ``make()`` produced in a worker thread; ``get`` re-raises the iterator's exception."""

    def __init__(self, make: Callable[[], Iterator[T]]) -> None:
        self._make = make
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._cancelled = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the worker thread (within anyio's thread limit)."""
        self._task = asyncio.ensure_future(anyio.to_thread.run_sync(self._run))

    def _put(self, kind: str, value: Any) -> None:
        self._loop.call_soon_threadsafe(self._queue.put_nowait, (kind, value))

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

    async def get(self) -> T | Ended:
        """The next item, END when done; raises what the iterator raised."""
        kind, value = await self._queue.get()
        if kind == "error":
            raise value
        return END if kind == "end" else value

    def cancel(self) -> None:
        """Ask the worker to stop after its current item."""
        self._cancelled = True
