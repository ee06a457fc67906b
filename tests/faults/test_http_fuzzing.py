"""HTTP fuzzing of every service's OpenAPI with schemathesis, on the running two-site stack.

Each operation gets TB_FUZZ_EXAMPLES requests drawn from its own schema (derandomized, so a
run of `make test` sends the same ones; `make faults` sends many more). Every other request
carries a real case id, case number, ID number and staff of the right post instead of the
drawn ones, so that it gets past validation to the rules behind. Every answer must be no 5xx,
one of the operation's documented statuses, of its documented type and schema; every refusal a
4xx with the `errors` body; and every service ready at the end.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.faults.conftest import TABLES
from tests.faults.hostile import QINGDAO, YANTAI
from tests.support.stack import (
    APPROVER,
    GT_CHANGE,
    WANG_QIANG,
    WINDOW_CLERK,
    Stack,
    approve,
    take_in_and_accept,
)
from tests.support.staff import staff

EXAMPLES = int(os.environ.get("TB_FUZZ_EXAMPLES", "6"))
AUDITOR = staff("370671-AU01", "auditor")
FUZZED = [(YANTAI, "intake", WINDOW_CLERK), (YANTAI, "routing", WINDOW_CLERK),
          (YANTAI, "delivery", WINDOW_CLERK), (YANTAI, "ledger", AUDITOR),
          (QINGDAO, "approval", APPROVER), (QINGDAO, "delivery", APPROVER)]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@dataclass(frozen=True)
class Known:
    """Real values of the stack, put in place of drawn ones."""

    case_id: str
    case_number: str
    staff: dict[str, str]

    def put_into(self, case: Case) -> None:
        for name in (case.path_parameters or {}):
            if name == "case_id":
                case.path_parameters[name] = self.case_id  # type: ignore[index]
        for name in (case.query or {}):
            if name in ("case_number", "id_number"):
                case.query[name] = (self.case_number if name == "case_number"  # type: ignore[index]
                                    else WANG_QIANG["id_number"])
        case.headers = {**(case.headers or {}), **self.staff}  # a staff of the right post


def drawn(operation: Any, count: int) -> list[Case]:
    cases: list[Case] = []

    @settings(max_examples=count, database=None, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(operation.as_strategy())
    def collect(case: Case) -> None:
        cases.append(case)

    collect()
    return cases


async def send(client: httpx.AsyncClient, case: Case) -> httpx.Response:
    """As schemathesis's own transport prepares it (requests), sent in this event loop."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url))
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in (
        "method", "url", "headers", "params", "json", "data", "files", "cookies")}).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    return await client.request(str(prepared.method), str(prepared.url),
                                headers=dict(prepared.headers), content=body)


def faults_of(case: Case, response: httpx.Response) -> list[str]:
    faults = []
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as failures:
        faults.append(" ".join(str(failures).split())[:300])
    if 400 <= response.status_code < 500:
        errors = response.json().get("errors") if response.headers.get(
            "content-type", "").startswith("application/json") else None
        if not errors:
            faults.append(f"refusal {response.status_code} without the errors body")
    return faults


async def test_no_request_drawn_from_the_openapi_gets_a_5xx_or_an_answer_it_does_not_document(
    two_sites_sqlite: Stack,
) -> None:
    async with two_sites_sqlite.client(YANTAI, "intake") as intake, \
            two_sites_sqlite.client(QINGDAO, "approval") as approval:
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)
        await approve(approval, case_id)
        case_number = (await intake.get(f"/cases/{case_id}")).json()["case_number"]

    statuses: Counter[tuple[str, int]] = Counter()
    faults: list[str] = []
    for site, service, post in FUZZED:
        known = Known(case_id, case_number, post)
        schema = schemathesis.openapi.from_dict(two_sites_sqlite.host(site, service).api.openapi())
        async with two_sites_sqlite.client(site, service) as client:
            for result in schema.get_all_operations():
                operation = result.ok()
                for n, case in enumerate(drawn(operation, EXAMPLES)):
                    if n % 2:
                        known.put_into(case)
                    response = await send(client, case)
                    statuses[(f"{site}/{service}", response.status_code // 100)] += 1
                    faults += [f"{site}/{service} {operation.label} → {response.status_code}: {f}"
                               for f in faults_of(case, response)]
            ready = await client.get("/readyz")
            if ready.status_code != 200:
                faults.append(f"{site}/{service} not ready after fuzzing: {ready.text}")

    TABLES.append(table(statuses, faults))
    assert not faults, "\n".join(faults[:20])


def table(statuses: Counter[tuple[str, int]], faults: list[str]) -> str:
    services = sorted({s for s, _ in statuses})
    lines = ["", f"HTTP fuzzing ({EXAMPLES} requests per operation, half with real ids)",
             f"{'service':<18} {'2xx':>6} {'4xx':>6} {'5xx':>6}"]
    lines += [f"{s:<18} {statuses[(s, 2)]:>6} {statuses[(s, 4)]:>6} {statuses[(s, 5)]:>6}"
              for s in services]
    total = sum(statuses.values())
    lines.append(f"{'all':<18} {total:>6} requests, {len(faults)} not as documented")
    return "\n".join(lines)
