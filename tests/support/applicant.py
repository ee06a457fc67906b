"""What an applicant holds after the window: the receipt (收件凭证) and the query code printed on
it, read from the printed page as the applicant would read it."""

from __future__ import annotations

import re
from uuid import UUID

import httpx

from services.runtime.host import ServiceHost
from services.runtime.query_codes import QueryCodes

QUERY_CODE = re.compile(r"<th>查询码：</th><td>(\d{8})</td>")


async def receipt_query_code(intake: httpx.AsyncClient, case_id: str) -> str:
    """The query code on the case's receipt, fetched from the window (once materials were
    handed over: before that there is no receipt)."""
    response = await intake.get(f"/cases/{case_id}/documents/receipt")
    assert response.status_code == 200, response.text
    found = QUERY_CODE.search(response.text)
    assert found is not None, "the receipt shows no query code"
    return found.group(1)


def query_code_of(host: ServiceHost, case_id: str | UUID) -> str:
    """The code the case's receipt prints, computed as the window of `host`'s site computes
    it: for a case that has no receipt yet, or a test without the window."""
    return QueryCodes.of(host.settings, host.directory).code(UUID(str(case_id)))
