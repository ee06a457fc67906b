"""Traces: one case's spans at both of its sites join in one trace, and no span says anything
of the applicant."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.runtime.nats_server import LocalNatsServer
from tests.support.stack import (
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    approve,
    eventually,
    settings_factory,
    take_in_and_accept,
)

YANTAI, QINGDAO = "370671", "370202"


async def test_a_case_taken_in_at_yantai_and_approved_at_qingdao_is_one_trace_across_sites(
        nats_server: LocalNatsServer, store_overrides: dict[str, Any]) -> None:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([YANTAI], ["intake", "routing"])
    await stack.start([QINGDAO], ["routing", "approval"])
    exported = []
    for host in stack.hosts.values():  # each host its own provider, as in production
        exporter = InMemorySpanExporter()
        host.tracing.add_span_processor(SimpleSpanProcessor(exporter))
        exported.append(exporter)

    def spans() -> list[ReadableSpan]:
        return [s for e in exported for s in e.get_finished_spans()]

    def joined() -> set[tuple[str, str]] | None:
        """The (site, service) of the trace that reached Qingdao's approval, once it also
        holds Yantai's intake."""
        by_trace: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for span in spans():
            by_trace[span.context.trace_id].add(
                (str(span.resource.attributes["tongban.site"]),
                 str(span.resource.attributes["service.name"])))
        return next((parts for parts in by_trace.values()
                     if {(YANTAI, "tongban-intake"), (QINGDAO, "tongban-approval")} <= parts),
                    None)

    try:
        async with stack.client(YANTAI, "intake") as intake, \
                stack.client(QINGDAO, "approval") as approval:
            case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)
            await approve(approval, case_id)
            case_number = (await intake.get(f"/cases/{case_id}")).json()["case_number"]
            await intake.get("/progress", params={  # the ID number in the query string
                "case_number": case_number, "id_number": WANG_QIANG["id_number"],
                "query_code": "00000000"})
        trace = await eventually(joined)
    finally:
        await stack.stop()

    assert trace >= {(YANTAI, "tongban-intake"), (YANTAI, "tongban-routing"),
                     (QINGDAO, "tongban-routing"), (QINGDAO, "tongban-approval")}
    names = {(s.kind, s.name) for s in spans()}
    assert {(SpanKind.SERVER, "POST /cases/{case_id}/accept"), (SpanKind.SERVER, "GET /progress"),
            (SpanKind.PRODUCER, "publish intake.case_accepted.v1"),
            (SpanKind.CONSUMER, "process intake.case_accepted.v1"),
            (SpanKind.INTERNAL, "command")} <= names
    said = " ".join(f"{s.name} {dict(s.attributes or {})} {s.status.description}"
                    for s in spans())
    for personal in (WANG_QIANG["id_number"], WANG_QIANG["name"], WANG_QIANG["phone"]):
        assert personal not in said
