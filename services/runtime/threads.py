"""The worker threads that use one store, counted, so that closing the store can wait for them.

Cancelling an asyncio task does not stop the thread it is waiting on: a relay cancelled while
its thread reads the notification log would go on reading after `close()` took the connection
away, and SQLite then crashes the whole process. Every blocking call on a store goes through
its `StoreThreads`; `finish()` waits for the calls whose thread has begun and refuses any
later one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread

T = TypeVar("T")


class StoreClosed(RuntimeError):
    pass


class StoreThreads:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._busy = 0
        self._closed = False

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` in an AnyIO worker thread (handlers may call back into the loop). Only a
        call its thread has begun counts: one still waiting for a thread never holds up
        `finish()` (which may be called on the loop that would hand it over), and refuses to
        begin once the store is closed."""
        with self._changed:
            if self._closed:
                raise StoreClosed("the store is closed")

        def in_thread() -> T:
            with self._changed:
                if self._closed:
                    raise StoreClosed("the store is closed")
                self._busy += 1
            try:
                return fn(*args)
            finally:
                self._one_less()

        return await anyio.to_thread.run_sync(in_thread)

    def _one_less(self) -> None:
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()

    def finish(self) -> None:
        """Refuse new calls, then wait for those running to return."""
        with self._changed:
            self._closed = True
            self._changed.wait_for(lambda: self._busy == 0)
