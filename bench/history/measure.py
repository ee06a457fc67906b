"""Timing a request or a job and checking it answered."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from services.runtime.host import ServiceHost
from tests.support.staff import on_duty


async def timed(runs: int, call: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return percentiles(times)


def percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50": round(statistics.median(times), 2),
            "p99": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2)}


def client(host: ServiceHost) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                             base_url=f"http://{host.service}.{host.site}",
                             headers=on_duty(host.site))


def listed(http: httpx.AsyncClient, path: str, method: str = "GET", status: int = 200,
           **request: Any) -> Callable[[], Awaitable[Any]]:
    """A request that must answer `status` with something in it: an empty list or an error
    would time nothing worth knowing."""
    async def call() -> Any:
        response = await http.request(method, path, **request)
        assert response.status_code == status, f"{path}: {response.status_code} {response.text}"
        assert response.json(), f"{path}: empty"
        return response.json()
    return call


def job(host: ServiceHost, name: str) -> Callable[[], Awaitable[Any]]:
    """A periodic job as its scheduler calls it: under the service's writers' lock."""
    run = next(j for _, n, j in host.periodic if n == name)
    return lambda: host.command(run)

