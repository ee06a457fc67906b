"""The query code on a receipt and the limit on wrong answers, on their own: a code is the same
every time and at every service of the site, a guesser is stopped per case number and per
address, and what is remembered of misses stays bounded."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import pytest

from services.directory import load_directory
from services.runtime.misses import CaseNumberUnknown, MissLimiter, MissLimits, TooManyMisses
from services.runtime.query_codes import QueryCodes
from services.runtime.settings import for_service
from tests.support.clock import FakeClock

CASE_ID = UUID("5f0c3a52-8d1e-4c7b-9a2f-3e6d1b0c4a77")
CASE_NUMBER = "370671202611260000012"
LIMITS = MissLimits(per_case=5, per_address=20, window=timedelta(minutes=15), max_keys=100)


def codes(service: str, site: str = "370671") -> QueryCodes:
    return QueryCodes.of(for_service(service, site=site), load_directory())  # type: ignore[arg-type]


def test_the_window_and_delivery_of_one_site_give_a_case_the_same_eight_digits() -> None:
    code = codes("intake").code(CASE_ID)
    assert len(code) == 8 and code.isdigit()
    assert codes("intake").code(CASE_ID) == code  # printed again: the same code
    assert codes("delivery").matches(CASE_ID, code)
    assert codes("delivery").matches(CASE_ID, f"{code[:4]} {code[4:]}")
    assert codes("delivery").matches(CASE_ID, code.translate(str.maketrans(
        "0123456789", "０１２３４５６７８９")))  # typed in full width


def test_another_site_or_another_case_has_another_code() -> None:
    code = codes("intake").code(CASE_ID)
    assert not codes("delivery", "370202").matches(CASE_ID, code)
    assert codes("intake").code(UUID(int=CASE_ID.int + 1)) != code
    assert not codes("intake").matches(CASE_ID, "")


async def miss() -> None:
    raise CaseNumberUnknown()


async def hit() -> str:
    return "王强"


async def tries(limiter: MissLimiter, answer: object, times: int, number: str = CASE_NUMBER,
                address: str = "203.0.113.7") -> list[str]:
    seen = []
    for _ in range(times):
        try:
            await limiter.attempt(number, address, answer)  # type: ignore[arg-type]
            seen.append("found")
        except CaseNumberUnknown:
            seen.append("miss")
        except TooManyMisses as refused:
            seen.append(f"wait {refused.retry_after}")
    return seen


async def test_the_sixth_miss_on_a_case_number_waits_for_the_first_to_leave_the_window() -> None:
    clock = FakeClock()
    limiter = MissLimiter(clock, LIMITS)
    assert await tries(limiter, miss, 5) == ["miss"] * 5
    clock.now += timedelta(minutes=5)
    assert await tries(limiter, hit, 1) == ["wait 600"]  # locked: even the right answer
    clock.now += timedelta(minutes=10)
    assert await tries(limiter, hit, 2) == ["found", "found"]  # right answers are not counted


async def test_one_address_is_stopped_after_twenty_misses_over_many_case_numbers() -> None:
    limiter = MissLimiter(FakeClock(), LIMITS)
    seen = [s for n in range(25) for s in await tries(limiter, miss, 1, f"37067120261126{n:07d}")]
    assert seen == ["miss"] * 20 + ["wait 900"] * 5
    assert await tries(limiter, miss, 1, address="198.51.100.20") == ["miss"]


async def test_misses_sent_at_once_are_counted_before_any_is_answered() -> None:
    limiter = MissLimiter(FakeClock(), LIMITS)

    async def slow_miss() -> None:
        await asyncio.sleep(0.01)
        raise CaseNumberUnknown()

    results = await asyncio.gather(*(limiter.attempt(CASE_NUMBER, "203.0.113.7", slow_miss)
                                     for _ in range(50)), return_exceptions=True)
    assert sum(isinstance(r, CaseNumberUnknown) for r in results) == 5
    assert sum(isinstance(r, TooManyMisses) for r in results) == 45


async def test_what_is_remembered_stays_bounded_and_expires() -> None:
    clock = FakeClock()
    limiter = MissLimiter(clock, LIMITS)
    for n in range(300):
        await tries(limiter, miss, 1, f"37067120261126{n:07d}", f"10.0.{n // 10}.{n % 10}")
    assert len(limiter) <= LIMITS.max_keys
    clock.now += timedelta(minutes=16)
    await tries(limiter, hit, 1)
    assert len(limiter) == 0


async def test_a_refusal_other_than_a_miss_is_not_counted() -> None:
    limiter = MissLimiter(FakeClock(), LIMITS)

    async def broken() -> None:
        raise RuntimeError("store closed")

    for _ in range(10):
        with pytest.raises(RuntimeError):
            await limiter.attempt(CASE_NUMBER, "203.0.113.7", broken)
    assert await tries(limiter, hit, 1) == ["found"]
