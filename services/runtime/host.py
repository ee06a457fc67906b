"""One service at one site, running: its store, its relay, its consumers and its HTTP API.

Nothing connects at construction; `start()` connects to NATS, ensures the site's streams and
starts the relay and the consumers; `stop()` undoes it. Commands and consumers share one lock
per store, so a case is never loaded and saved by two writers at once.
"""

from __future__ import annotations

import asyncio
import base64
import signal
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import nats.errors
import structlog
import uvicorn
from nats.aio.client import Client
from nats.js import JetStreamContext

from contracts.base import DomainEvent
from contracts.subjects import admitted_stream, admitted_subjects, own_stream, own_subjects
from services.directory import load_directory
from services.runtime.access import Gate
from services.runtime.bearer import IssuerKeys
from services.runtime.blind_index import Projections
from services.runtime.consumer import Handler, RetryPolicy, TrackedConsumer
from services.runtime.dead_letters import DeadLetters
from services.runtime.http import service_api
from services.runtime.keys import KeyRing, Verifier, site_sealer
from services.runtime.metrics import ServiceMetrics, add_metrics_route
from services.runtime.nats_client import connect
from services.runtime.personal.desk import KeyClient, KeyDesk
from services.runtime.relay import OutboxRelay
from services.runtime.settings import ServiceSettings
from services.runtime.store import CaseStore
from services.runtime.streams import domain, ensure_site_streams
from services.runtime.tracing import SpanProcessor, TracedRequests, Tracing

T = TypeVar("T")
Clock = Callable[[], datetime]
log = structlog.get_logger()


def utc_now() -> datetime:
    return datetime.now(UTC)


def clock_for(settings: ServiceSettings) -> Clock:
    """The system clock; or the time written in `settings.clock_file` when one is set; or the
    system clock shifted by `settings.clock_shift_seconds`."""
    path = settings.clock_file
    if path is not None:
        return lambda: datetime.fromisoformat(path.read_text().strip())
    if settings.clock_shift_seconds:
        shift = timedelta(seconds=settings.clock_shift_seconds)
        return lambda: utc_now() + shift
    return utc_now


@dataclass(frozen=True)
class Subscription:
    name: str
    stream: str
    subject: str | Sequence[str]  # several: the server sends only what they match
    handler: Handler
    whole_chains: bool = True  # False: it reads some events of each chain, so not its links


class ServiceHost:
    def __init__(self, service: str, settings: ServiceSettings, clock: Clock,
                 projections: Projections = (), span_processors: Sequence[SpanProcessor] = ()
                 ) -> None:
        self.service, self.settings, self.site, self.clock = service, settings, settings.site, clock
        # its own provider: several hosts share a process in the tests; more processors may be
        # added (`tracing.add_span_processor`) until it starts
        self.tracing = Tracing(service, settings.site, settings.otlp_endpoint, span_processors)
        self.store = CaseStore(service, settings, projections)
        self.directory = load_directory(settings.catalogue_dir)  # sites, keys and matters
        self.sites = tuple(self.directory.sites)
        ring = KeyRing.of(self.directory)
        seed = settings.signing_key_seed
        self.sealer = site_sealer(settings.site, ring, settings.signing_key_id,
                                  base64.b64decode(seed.get_secret_value()) if seed else None)
        self.verifier = Verifier(ring)
        self.key_client = KeyClient(settings.site, ring)
        self.key_desk: KeyDesk | None = None
        keys = IssuerKeys(settings.auth_issuer) if settings.auth_issuer else None
        self.api = service_api(f"tongban {service} {settings.site}", self.readiness,
                               settings.body_max_bytes,
                               Gate(settings.site, keys, clock, settings.auth_leeway_seconds))
        self.api.add_middleware(TracedRequests, tracing=self.tracing)
        self.metrics = ServiceMetrics(self)
        add_metrics_route(self.api, self.metrics)
        self.subscriptions: list[Subscription] = []
        self.periodic: list[tuple[float, str, Callable[[], object]]] = []
        self.consumers: list[TrackedConsumer] = []
        self.relay: OutboxRelay | None = None
        self.nc: Client | None = None
        self._lock = asyncio.Lock()
        self._stopped = False
        self._tasks: list[asyncio.Task[None]] = []
        self.closers: list[Callable[[], object]] = []  # closed with the store, at stop

    def subscribe(self, name: str, stream: str, subject: str | Sequence[str],
                  handler: Handler) -> None:
        """Whole chains (a stream, or some services' events in it), their links checked."""
        self._add(Subscription(name, stream, subject, handler))

    def subscribe_events(self, name: str, stream: str, events: Iterable[type[DomainEvent]],
                         handler: Handler) -> None:
        """Only the events of these types, filtered by the server: the rest of the stream is
        never sent, decoded or checked here. Such a consumer sees part of each chain, so it
        checks every seal but not the links between them; routing, which carries and admits
        whole chains, and the ledger, which reads everything, check those."""
        if stream == own_stream(self.site):
            subjects = own_subjects(self.site, events)
        elif stream == admitted_stream(self.site):
            subjects = admitted_subjects(self.site, events)
        else:
            raise ValueError(f"no event subjects for stream {stream}")
        if not subjects:  # no filter would mean the whole stream
            raise ValueError(f"{name} takes no published event")
        self._add(Subscription(name, stream, subjects, handler, whole_chains=False))

    def _add(self, subscription: Subscription) -> None:
        """One subscription per upstream stream: the stream's name keys the tracking records."""
        if any(s.stream == subscription.stream for s in self.subscriptions):
            raise ValueError(f"{self.service} already consumes {subscription.stream}")
        self.subscriptions.append(subscription)

    def grant_keys(self, parties: Callable[[UUID], list[str] | None]) -> None:
        """Answer the case's parties when they ask for this site's personal-data keys;
        `parties`: a case's sites, or None for a case not known here (yet)."""
        self.key_desk = KeyDesk(self.site, self.store.vault, self.sealer, parties, self.clock,
                                self.store.threads.run)

    def every(self, seconds: float, name: str, job: Callable[[], object]) -> None:
        """Run a store command periodically (deadline checks); it takes the writers' lock."""
        self.periodic.append((seconds, name, job))

    async def _repeat(self, seconds: float, name: str, job: Callable[[], object]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.command(job)
            except Exception:  # a failed round is logged; the next one tries again
                log.exception("periodic_job_failed", job=name)

    @property
    def js(self) -> JetStreamContext:
        assert self.nc is not None, "not started"
        return self.nc.jetstream()

    def js_for(self, site: str) -> JetStreamContext:
        """JetStream where `site`'s streams and files live: here on one server; across
        servers, that site's own domain through the hub."""
        if self.settings.topology == "hub" and site != self.site:
            assert self.nc is not None, "not started"
            return self.nc.jetstream(domain=domain(site))
        return self.js

    async def command(self, fn: Callable[[], T]) -> T:
        """Run a command against the store (off the event loop) and wake the relay."""
        async with self._lock:
            with self.tracing.span("command", attributes={
                    "code.function.name": getattr(fn, "__qualname__", type(fn).__name__)}):
                result = await self.store.threads.run(fn)
        if self.relay is not None:
            self.relay.wake()
        return result

    async def query(self, fn: Callable[[], T]) -> T:
        return await self.store.threads.run(fn)

    async def start(self) -> None:
        structlog.contextvars.bind_contextvars(service=self.service, site=self.site)
        self.nc = await connect(self.settings, self.service, f"{self.service}-{self.site}",
                                max_reconnect_attempts=-1)
        await ensure_site_streams(self.js, self.site, self.settings.topology, self.sites)
        self.key_client.nc = self.nc
        if self.key_desk is not None:
            await self.key_desk.serve(self.nc)
        self.relay = OutboxRelay(self.store, self.js, self.site, self.service, self.sealer,
                                 self.clock, verifier=self.verifier,
                                 poll_seconds=self.settings.relay_poll_seconds,
                                 on_published=self.metrics.published, tracing=self.tracing)
        dead_letters = DeadLetters(self.js, self.site)
        retry = RetryPolicy(self.settings.retry_initial_seconds, self.settings.retry_max_seconds,
                            self.settings.retry_attempts)
        self.consumers = [
            TrackedConsumer(name=s.name, site=self.site, store=self.store, js=self.js,
                            stream=s.stream, subject=s.subject, handler=s.handler,
                            dead_letters=dead_letters, lock=self._lock, retry=retry,
                            verifier=self.verifier, clock=self.clock,
                            on_recorded=self.relay.wake, check_links=s.whole_chains,
                            keys=self.key_client, tracing=self.tracing)
            for s in self.subscriptions
        ]
        self._tasks = [asyncio.create_task(self.relay.run(), name=f"{self.service}-relay")]
        self._tasks += [asyncio.create_task(c.run(), name=c.name) for c in self.consumers]
        self._tasks += [asyncio.create_task(self._repeat(*job), name=job[1])
                        for job in self.periodic]
        await asyncio.wait_for(
            asyncio.gather(*(c.subscribed.wait() for c in self.consumers)), timeout=30)
        log.info("service_started", nats=self.settings.nats_url)

    async def stop(self, timeout: float = 10.0) -> None:
        """Once: stopped, it keeps the store's lock, so a second stop would wait it out."""
        if self._stopped:
            return
        self._stopped = True
        if self.relay is not None:
            self.relay.stop()
        for consumer in self.consumers:
            consumer.stop()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=timeout)
            if pending:
                log.warning("tasks_did_not_stop", tasks=[t.get_name() for t in pending])
        self._tasks = []
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.drain(), timeout)
            except (TimeoutError, nats.errors.Error):
                await self.nc.close()
        try:  # a command or handler still in its worker thread holds the lock: let it finish
            await asyncio.wait_for(self._lock.acquire(), timeout)
        except TimeoutError:
            log.warning("store_closed_while_busy")
        # off the loop: a thread still running may need the loop to finish (files, say)
        await asyncio.to_thread(self.store.close)
        for close in self.closers:
            close()
        await asyncio.to_thread(self.tracing.shutdown)  # what the exporter holds goes out
        log.info("service_stopped")

    def readiness(self) -> dict[str, Any]:
        """Each check true or false, and `stalled`: what waits for an outage, why, since when."""
        parts: list[OutboxRelay | TrackedConsumer] = [*self.consumers]
        if self.relay is not None:
            parts.append(self.relay)
        stalls = [p.stall for p in parts if p.stall is not None]
        stalls += [s for c in self.consumers
                   if (s := c.held_too_long(self.settings.consumer_stall_seconds)) is not None]
        return {
            "nats": self.nc is not None and self.nc.is_connected,
            "relay": any(t.get_name().endswith("relay") and not t.done() for t in self._tasks),
            "consumers": all(c.running for c in self.consumers),
            "stalled": [s.shown() for s in stalls],
        }

    async def serve(self) -> None:
        """Run until SIGINT/SIGTERM: uvicorn owns the signals, then everything stops cleanly."""
        await self.start()
        # uvicorn's records go through structlog (log_config=None); its access log, which
        # writes the raw path and query string, gives way to ours (services/runtime/request_log)
        config = uvicorn.Config(self.api, host=self.settings.http_host,
                                port=self.settings.http_port, log_config=None, access_log=False)
        for sig in (signal.SIGINT, signal.SIGTERM):
            # uvicorn raises the signal again once it has served, with the handler it found:
            # this one lets the host stop (consumers, relay, store) instead of the process dying
            signal.signal(sig, lambda *_: None)
        try:
            await uvicorn.Server(config).serve()
        finally:
            await self.stop()
