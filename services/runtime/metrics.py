"""`/metrics` of a service, in the Prometheus text format: its consumers, its relay, its HTTP
requests, its cases by state and overdue, and (where `site_wide`) the site's dead letters and
file store.

One registry per ServiceHost, never the library's global one: tests run several services of
several sites in one process. Counters the consumers and the relay already keep are read at
scrape time; the figures that need NATS or the store are gathered then too, each a single
request or an indexed read whose cost does not grow with history: the consumer's info from the
server, a stream's state, a running total by status, a COUNT over the rows of open cases.
Labels name services, consumers, route templates and states, never a case or a person.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import structlog
from fastapi import FastAPI
from fastapi.responses import Response
from nats.js.errors import NotFoundError
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.subjects import dead_letter_stream
from services.runtime.access import ops_route
from services.runtime.files import bucket
from services.runtime.projections import Table
from services.runtime.workdays import CHINA

if TYPE_CHECKING:
    from services.runtime.host import ServiceHost

log = structlog.get_logger()
SCRAPE_SECONDS = 2.0  # what one figure may take: a blocked store or server leaves it out
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"  # what every Prometheus reads
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Overdue:
    """Open cases of one kind past their date: rows of `table` whose `column` (an indexed ISO
    date, set only while the case is open) is before the site's today; `open_when_null`, a
    column that is NULL while the case is open, when the date stays after."""

    kind: str
    table: Table
    column: str
    open_when_null: str | None = None


@dataclass
class ReadSide:
    """What a service's read side counts: cases by status from the running totals of `table`
    (a `Totals` named `by_status`), and overdue cases of each kind."""

    by_status: Table | None = None
    overdue: tuple[Overdue, ...] = ()


@dataclass
class Figures:
    """What one scrape gathered before rendering."""

    lag: dict[str, int] = field(default_factory=dict)
    backlog: int | None = None
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=dict)
    dead_letters: int | None = None
    file_bytes: int | None = None


class ServiceMetrics(Collector):
    def __init__(self, host: ServiceHost) -> None:
        self.host = host
        self.labels = {"service": host.service, "site": host.site}
        self.read_side = ReadSide()
        self.site_wide = False  # the site's dead letters and file store: one service says them
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = Counter("tongban_http_requests", "HTTP requests by route template and "
                                "status", ["service", "site", "method", "route", "status"],
                                registry=self.registry)
        self.request_seconds = Histogram(
            "tongban_http_request_seconds", "HTTP request latency by route template",
            ["service", "site", "method", "route"], buckets=LATENCY_BUCKETS,
            registry=self.registry)
        self.publish_seconds = Histogram(
            "tongban_relay_publish_seconds", "from an event's publish to its PubAck",
            ["service", "site"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.figures = Figures()
        self.registry.register(self)

    def published(self, seconds: float) -> None:
        self.publish_seconds.labels(**self.labels).observe(seconds)

    def requested(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(**self.labels, method=method, route=route,
                             status=str(status)).inc()
        self.request_seconds.labels(**self.labels, method=method, route=route).observe(seconds)

    async def gather(self) -> None:
        """The figures that need NATS or the store, each bounded in time: one that cannot be
        had (an outage, a blocked store) is left out of this scrape, not waited for."""
        host, figures = self.host, Figures()
        today = host.clock().astimezone(CHINA).date()
        relay = host.relay
        lags, backlog, counts = await asyncio.gather(  # side by side: a slow one costs 2 s once
            asyncio.gather(*(_bounded(c.lag(), f"lag of {c.name}") for c in host.consumers)),
            _bounded(host.query(relay.backlog), "relay backlog") if relay else _none(),
            _bounded(host.query(lambda: self._count_cases(today)), "case counts"))
        figures.lag = {c.name: lag for c, lag in zip(host.consumers, lags, strict=True)
                       if lag is not None}
        figures.backlog = backlog
        if counts is not None:
            figures.by_status, figures.overdue = counts
        if self.site_wide and host.nc is not None:
            figures.dead_letters = await _bounded(
                self._stream_state(dead_letter_stream(host.site), "messages"), "dead letters")
            figures.file_bytes = await _bounded(
                self._stream_state(f"OBJ_{bucket(host.site)}", "bytes"), "file store size")
        self.figures = figures

    def _count_cases(self, today: date) -> tuple[dict[str, int], dict[str, int]]:
        store, read_side = self.host.store, self.read_side
        by_status: dict[str, int] = {}
        if read_side.by_status is not None:
            [totals] = [t for t in read_side.by_status.totals if t.name == "by_status"]
            for row in store.totals(read_side.by_status, totals):
                by_status[row["status"] or "none"] = int(row["rows"])
        side = store.read_side
        mark = side.dialect.mark
        overdue = {}
        with side.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            for spec in read_side.overdue:
                open_only = f" AND {spec.open_when_null} IS NULL" if spec.open_when_null else ""
                cursor.execute(f"SELECT COUNT(*) AS n FROM {spec.table.qualified(side.prefix)} "
                               f"WHERE {spec.column} < {mark}{open_only}", [today.isoformat()])
                overdue[spec.kind] = int(dict(cursor.fetchone())["n"])
        return by_status, overdue

    async def _stream_state(self, stream: str, figure: str) -> int:
        try:
            info = await self.host.js.stream_info(stream)
        except NotFoundError:
            return 0  # not made yet: nothing in it
        return int(getattr(info.state, figure) or 0)

    def collect(self) -> Iterator[Metric]:
        names, values = list(self.labels), list(self.labels.values())
        figures, consumers, relay = self.figures, self.host.consumers, self.host.relay
        lag = GaugeMetricFamily("tongban_consumer_lag", "messages of the consumer's stream not "
                                "yet processed", labels=[*names, "consumer", "stream"])
        stalled = GaugeMetricFamily("tongban_consumer_stalled", "1 while the consumer waits "
                                    "for an outage or holds a message too long",
                                    labels=[*names, "consumer"])
        counters = {kind: CounterMetricFamily(f"tongban_consumer_{kind}", f"messages {what}",
                                              labels=[*names, "consumer"])
                    for kind, what in [("processed", "processed"),
                                       ("duplicates", "dropped as already processed"),
                                       ("dead_lettered", "sent to the dead letters")]}
        limit = self.host.settings.consumer_stall_seconds
        for consumer in consumers:
            if consumer.name in figures.lag:
                lag.add_metric([*values, consumer.name, consumer.stream],
                               figures.lag[consumer.name])
            held = consumer.stall or consumer.held_too_long(limit)
            stalled.add_metric([*values, consumer.name], int(held is not None))
            for kind, family in counters.items():
                family.add_metric([*values, consumer.name], getattr(consumer, kind))
        yield from (lag, stalled, *counters.values())
        if relay is not None:
            if figures.backlog is not None:
                yield _gauge("tongban_relay_backlog", "events stored, not yet published",
                             names, [(values, figures.backlog)])
            published = CounterMetricFamily("tongban_relay_published", "events published",
                                            labels=names)
            published.add_metric(values, relay.published)
            yield published
        yield _gauge("tongban_cases", "cases by state, from the read side's running totals",
                     [*names, "state"],
                     [([*values, s], n) for s, n in sorted(figures.by_status.items())])
        yield _gauge("tongban_cases_overdue", "open cases past their date, by kind",
                     [*names, "kind"],
                     [([*values, k], n) for k, n in sorted(figures.overdue.items())])
        if figures.dead_letters is not None:
            yield _gauge("tongban_dead_letters", "messages in the site's dead-letter stream",
                         names, [(values, figures.dead_letters)])
        if figures.file_bytes is not None:
            yield _gauge("tongban_file_store_bytes", "bytes in the site's file store",
                         names, [(values, figures.file_bytes)])


def _gauge(name: str, documentation: str, labels: list[str],
           samples: list[tuple[list[str], int]]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for values, value in samples:
        family.add_metric(values, value)
    return family


async def _none() -> None:
    return None


async def _bounded(work: Any, what: str) -> Any:
    try:
        return await asyncio.wait_for(work, SCRAPE_SECONDS)
    except Exception as error:  # noqa: BLE001 - an outage: this figure is left out
        log.info("metric_unavailable", figure=what, error=type(error).__name__)
        return None


class RequestMetrics:
    """ASGI middleware: each HTTP request counted by its route's path template (never the path
    itself, which holds case ids and numbers) and status, with its latency."""

    def __init__(self, app: ASGIApp, metrics: Callable[[], ServiceMetrics | None]) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        metrics = self.metrics()
        if scope["type"] != "http" or metrics is None:
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            metrics.requested(scope["method"], route_template(scope), status,
                              time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The template of the route that answered (`/cases/{case_id}`), or `unmatched`."""
    route = scope.get("route")
    if route is not None and hasattr(route, "path"):
        return str(route.path)
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", ()):
        if candidate.matches(scope)[0] is Match.FULL and hasattr(candidate, "path"):
            return str(candidate.path)
    return "unmatched"


def add_metrics_route(api: FastAPI, metrics: ServiceMetrics) -> None:
    """`/metrics`, an operator's route like `/healthz` (Prometheus scrapes it without a token;
    it says counts, never a case or a person), and the request counting around every route."""
    api.add_middleware(RequestMetrics, metrics=lambda: metrics)

    @api.get("/metrics", tags=["ops"], dependencies=[ops_route], response_class=Response,
             responses={200: {"description": "the Prometheus text format",
                              "content": {"text/plain": {"schema": {"type": "string"}}}}})
    async def prometheus_metrics() -> Response:
        await metrics.gather()
        return Response(generate_latest(metrics.registry), media_type=TEXT_FORMAT)
