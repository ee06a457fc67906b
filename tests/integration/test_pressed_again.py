"""A window clerk presses again when the first answer never came (the service was killed after
storing, the network dropped the reply): the request, sent again with the same correlation id,
is done once — the same case, the same materials, no second event."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from services.intake.read_side import WINDOW_CASES
from services.runtime.projections import Query
from tests.support.stack import GT_CHANGE, WANG_QIANG, WINDOW_CLERK


def pressed(correlation_id: str) -> dict[str, str]:
    return {**WINDOW_CLERK, "X-Correlation-Id": correlation_id}


async def test_a_case_opened_again_by_the_same_request_is_the_case_it_first_opened(
    window: Any,
) -> None:
    host, client = window
    same = str(uuid4())
    body = {"matter_code": GT_CHANGE, "applicant": WANG_QIANG}
    first = await client.post("/cases", headers=pressed(same), json=body)
    again = await client.post("/cases", headers=pressed(same), json=body)
    other = await client.post("/cases", headers=WINDOW_CLERK, json=body)
    assert first.status_code == again.status_code == other.status_code == 201
    assert (again.json()["case_id"], again.json()["case_number"]) == (
        first.json()["case_id"], first.json()["case_number"])
    assert other.json()["case_id"] != first.json()["case_id"]
    assert len(host.store.read(Query(WINDOW_CASES))) == 2


async def test_materials_handed_over_again_by_the_same_request_are_recorded_once(
    window: Any,
) -> None:
    host, client = window
    opened = await client.post("/cases", headers=WINDOW_CLERK,
                               json={"matter_code": GT_CHANGE, "applicant": WANG_QIANG})
    case_id = opened.json()["case_id"]
    item = [{"material_code": opened.json()["materials"][0]["material_code"], "pages": 2}]
    same = str(uuid4())
    for headers in (pressed(same), pressed(same), WINDOW_CLERK):
        response = await client.post(f"/cases/{case_id}/materials", headers=headers,
                                      json={"items": item})
        assert response.status_code == 200, response.text
    events = list(host.store.events.get(UUID(case_id)))
    assert [e.name for e in events].count("materials_submitted") == 2  # once per request
