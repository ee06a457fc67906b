"""What an applicant who answers wrong is told, and how often they may: the progress query and
the rating ask for a case number, an ID number and the query code, and every wrong answer is
counted per case number and per client address, so nobody finds an ID number or a code by
trying them all.

Every kind of miss — a case number unknown, an ID number or a query code that is not the
case's, a rating at a site that did not receive the case — answers the same
`CaseNumberUnknown`, so a stranger learns nothing of which part was wrong. Past the limit,
a case number or an address is refused with 429 (and Retry-After) whatever it sends, the right
answer included, until its oldest counted miss is older than the window: a lock that took the
right answer would tell a guesser the moment a guess was right. Anyone who knows a case number
can thus keep it locked, a window at a time; the applicant can still ask at the window.

The counts are kept in memory in the service process (a restart forgets them; several
processes of one service would each count on their own), bounded: a key keeps its last
`limit` misses only, a key quiet for a window is forgotten, and past `max_keys` keys the
longest quiet one goes first. They read the service's clock, never the system's.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from services.runtime.aggregate import DomainError
from services.runtime.settings import ServiceSettings

T = TypeVar("T")
Key = tuple[str, str]


class CaseNumberUnknown(DomainError):
    """The one answer to every miss (see the module)."""

    status = 404
    field = "case_number"

    def __init__(self) -> None:
        super().__init__("未找到与办件编号、证件号码和查询码相符的办件")


class TooManyMisses(DomainError):
    status = 429
    field = "request"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"办件编号、证件号码或查询码错误次数过多，请{minutes}分钟后再试")
        self.retry_after = retry_after


@dataclass(frozen=True)
class MissLimits:
    per_case: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    max_keys: int = 100_000

    @classmethod
    def of(cls, settings: ServiceSettings) -> MissLimits:
        return cls(settings.applicant_misses_per_case, settings.applicant_misses_per_address,
                   timedelta(seconds=settings.applicant_miss_window_seconds),
                   settings.applicant_miss_keys)


class MissLimiter:
    """Misses per subject (a case number; a staff account at sign-in) and per address within
    a sliding window. Used from the event loop only: a check and the count of the attempt it
    lets through happen without an await between them, so requests sent at once cannot all
    pass one check. `miss`: what a wrong answer raises; `refusal`: what is raised past a limit,
    given the seconds to wait."""

    def __init__(self, clock: Callable[[], datetime], limits: MissLimits,
                 miss: type[Exception] = CaseNumberUnknown,
                 refusal: Callable[[int], Exception] = TooManyMisses) -> None:
        self.clock, self.limits, self.miss, self.refusal = clock, limits, miss, refusal
        self._misses: OrderedDict[Key, deque[datetime]] = OrderedDict()  # by last miss

    def __len__(self) -> int:
        return len(self._misses)

    async def attempt(self, subject: str, address: str,
                      answer: Callable[[], Awaitable[T]]) -> T:
        """Run `answer` unless a limit is reached. It counts as a miss from its start, so that
        attempts sent together are counted together; a right answer is then forgiven."""
        now = self.clock()
        keys = self._keys(subject, address)
        wait = max(self._wait(key, limit, now) for key, limit in keys)
        if wait > 0:
            raise self.refusal(math.ceil(wait))
        for key, limit in keys:
            self._count(key, limit, now)
        self._expire(now)
        try:
            found = await answer()
        except self.miss:
            raise
        except BaseException:
            self._forgive(keys, now)  # not an answer at all: nothing to count
            raise
        self._forgive(keys, now)
        return found

    def _keys(self, subject: str, address: str) -> list[tuple[Key, int]]:
        return [(("subject", subject), self.limits.per_case),
                (("address", address), self.limits.per_address)]

    def _wait(self, key: Key, limit: int, now: datetime) -> float:
        times = self._misses.get(key)
        if times is None or len(times) < limit:
            return 0.0
        return (times[-limit] + self.limits.window - now).total_seconds()

    def _count(self, key: Key, limit: int, now: datetime) -> None:
        times = self._misses.pop(key, None) or deque(maxlen=limit)
        times.append(now)
        self._misses[key] = times  # to the end: the dict is ordered by last miss

    def _forgive(self, keys: list[tuple[Key, int]], at: datetime) -> None:
        for key, _ in keys:
            times = self._misses.get(key)
            if times is not None and at in times:
                times.remove(at)
                if not times:
                    del self._misses[key]

    def _expire(self, now: datetime) -> None:
        """Forget keys whose last miss left the window, and the quietest past `max_keys`: the
        first keys in order of last miss, so each call looks at a few."""
        oldest = now - self.limits.window
        while self._misses:
            key, times = next(iter(self._misses.items()))
            if len(self._misses) <= self.limits.max_keys and times[-1] > oldest:
                return
            del self._misses[key]
