"""The worker threads that use one store, counted, so that closing the store can wait for them.

Cancelling an asyncio task does not stop the thread it is waiting on: a relay cancelled while
its thread reads the notification log would go on reading after `close()` took the connection
away, and SQLite then crashes the whole process. Every blocking call on a store goes through
its `StoreThreads`; `finish()` waits for the calls that started and refuses any later one (a
call cancelled before its thread picked it up never starts).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread

T = TypeVar("T")


class StoreClosed(RuntimeError):
    pass


class _Call:
    def __init__(self) -> None:
        self.started = self.abandoned = False


class StoreThreads:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._busy = 0
        self._closed = False

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` in an AnyIO worker thread (handlers may call back into the loop)."""
        call = _Call()
        with self._changed:
            if self._closed:
                raise StoreClosed("the store is closed")
            self._busy += 1

        def in_thread() -> T | None:
            with self._changed:
                if call.abandoned:
                    return None
                call.started = True
            try:
                return fn(*args)
            finally:
                self._one_less()

        try:
            return await anyio.to_thread.run_sync(in_thread)  # type: ignore[return-value]
        except BaseException:
            with self._changed:
                if not call.started:  # cancelled in the queue: its thread will skip it
                    call.abandoned = True
                    self._busy -= 1
                    self._changed.notify_all()
            raise

    def _one_less(self) -> None:
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()

    def finish(self) -> None:
        """Refuse new calls, then wait for those running to return."""
        with self._changed:
            self._closed = True
            self._changed.wait_for(lambda: self._busy == 0)
