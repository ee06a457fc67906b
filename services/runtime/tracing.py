"""OpenTelemetry traces of one service at one site: its HTTP requests, its commands' store
transactions, its relay's publishes and its consumers' handling, joined across services and
sites by the W3C trace context (`traceparent`, `tracestate`) in each message's NATS headers.

A provider per host, never the global one: several services share one process in the tests,
each with its own resource (service.name `tongban-<service>`, `tongban.site`). Off unless an
OTLP endpoint is set or a span processor is given: the tracer is then the API's no-op one and
nothing is injected, extracted or stored. No span's name or attribute holds anything a request
or an event carries of a person: routes by their template, events by their type and id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

TRACE_HEADERS = ("traceparent", "tracestate")
TRACE_CONTEXT = "trace_context"
"""Where a new event keeps the trace context it was made in (its `__dict__`, not a field:
never part of what is stored, sealed or published) until the store records it beside it."""
_propagator = TraceContextTextMapPropagator()


def carrier_of(headers: Mapping[str, str] | None) -> dict[str, str]:
    """The trace context a message's headers carry, nothing else of them."""
    return {k: str(headers[k]) for k in TRACE_HEADERS if headers and headers.get(k)}


def current_carrier() -> dict[str, str]:
    """The trace context of the span current here (this thread's context), to send on or to
    store with an event; empty when no span is recording."""
    if not trace.get_current_span().get_span_context().is_valid:
        return {}
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier


def context_of(carrier: Mapping[str, str]) -> Context | None:
    return _propagator.extract(carrier) if carrier else None


class Tracing:
    """One host's tracer provider, or none (off)."""

    def __init__(self, service: str, site: str, otlp_endpoint: str | None = None,
                 processors: Sequence[SpanProcessor] = ()) -> None:
        self.service, self.site = service, site
        self.provider: TracerProvider | None = None
        self.tracer: Tracer = trace.NoOpTracer()
        if otlp_endpoint:  # its imports (protobuf, requests) only where it is used
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
            self.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
        for processor in processors:
            self.add_span_processor(processor)

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def add_span_processor(self, processor: SpanProcessor) -> None:
        """Turn tracing on (if off) and send every span ended from now on to `processor`: the
        OTLP exporter, or a test's in-memory one."""
        if self.provider is None:
            self.provider = TracerProvider(resource=Resource.create({
                "service.name": f"tongban-{self.service}", "tongban.site": self.site}))
            self.tracer = self.provider.get_tracer("tongban")
        self.provider.add_span_processor(processor)

    def shutdown(self) -> None:
        """Export what is still buffered."""
        if self.provider is not None:
            self.provider.shutdown()

    @contextmanager
    def span(self, name: str, kind: SpanKind = SpanKind.INTERNAL,
             parent: Mapping[str, str] | None = None,
             attributes: Mapping[str, Any] | None = None) -> Iterator[trace.Span]:
        """A span current within the block; `parent`: a carried trace context to continue."""
        if not self.enabled:
            yield trace.INVALID_SPAN
            return
        # an exception's message may quote the values it was given: only its type is kept
        with self.tracer.start_as_current_span(
                name, context=context_of(parent or {}), kind=kind, attributes=attributes,
                record_exception=False, set_status_on_exception=False) as span:
            try:
                yield span
            except Exception as error:
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                raise

    def inject(self, headers: dict[str, str]) -> dict[str, str]:
        """`headers` with the current span's trace context added (nothing when off)."""
        return {**headers, **current_carrier()} if self.enabled else headers


class TracedRequests:
    """ASGI middleware: a SERVER span per HTTP request, named by the method and the route's
    template (`POST /cases/{case_id}/accept`), never the path or the query, which may carry an
    ID number. A client's `traceparent` is continued."""

    def __init__(self, app: ASGIApp, tracing: Tracing) -> None:
        self.app, self.tracing = app, tracing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.tracing.enabled:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]
                   if k.decode("latin-1") in TRACE_HEADERS}
        method = scope["method"]
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with self.tracing.span(method, SpanKind.SERVER, headers,
                               {"http.request.method": method}) as span:
            try:
                await self.app(scope, receive, sending)
            finally:
                route = getattr(scope.get("route"), "path", None)  # set by FastAPI once matched
                if route:
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
