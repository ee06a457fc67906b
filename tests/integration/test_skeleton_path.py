"""One case across two sites through all five services, on a real nats-server."""

from __future__ import annotations

from contracts.subjects import inbox_stream
from tests.support.stack import (
    APPROVER,
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    eventually,
    take_in_and_accept,
)

A, B, HARBIN = "370671", "370202", "230102"


async def test_a_case_accepted_in_yantai_is_approved_in_qingdao_and_completed_back_in_yantai(
    two_sites: Stack,
) -> None:
    async with (two_sites.client(A, "intake") as intake, two_sites.client(B, "approval") as approval,
                two_sites.client(A, "ledger") as ledger_a, two_sites.client(B, "ledger") as ledger_b):
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)

        async def in_qingdao_inbox() -> bool:
            return any(c["case_id"] == case_id for c in (await approval.get("/inbox")).json())

        await eventually(in_qingdao_inbox)
        approved = await approval.post(f"/cases/{case_id}/approve", headers=APPROVER,
                                       json={"document_number": "370202600123456"})
        assert approved.json()["status"] == "approved"

        async def completed() -> bool:
            return (await intake.get(f"/cases/{case_id}")).json()["status"] == "completed"

        await eventually(completed)

        async def archived() -> dict | None:
            body = (await ledger_a.get(f"/cases/{case_id}/timeline")).json()
            return body if body.get("archived") and len(body["timeline"]) == 12 else None

        timeline = (await eventually(archived))["timeline"]
        assert [(e["site"], e["service"], e["event"]) for e in timeline] == [
            (A, "intake", "case_opened"),
            (A, "intake", "materials_submitted"),
            (A, "intake", "identity_verified"),
            (A, "intake", "case_accepted"),
            (A, "routing", "case_routed"),
            (B, "routing", "case_admitted"),
            (B, "approval", "case_received"),
            (B, "approval", "case_approved"),
            (B, "delivery", "result_issued"),
            (B, "delivery", "result_pushed_online"),
            (A, "intake", "case_completed"),
            (A, "ledger", "case_archived"),
        ]
        assert timeline[0]["actor"] == "370671-W01"
        assert timeline[7]["actor"] == "370202-A07"

        qingdao = (await ledger_b.get(f"/cases/{case_id}/timeline")).json()["timeline"]
        assert [e["event"] for e in qingdao][:2] == ["case_routed", "case_admitted"]
        assert all(e["service"] != "intake" for e in qingdao), "B learns nothing of A's window"

    harbin = await two_sites.host(HARBIN, "routing").js.stream_info(inbox_stream(HARBIN))
    assert harbin.state.messages == 0, "a site that is no party receives nothing"


async def test_every_service_is_healthy_and_ready_once_started(two_sites: Stack) -> None:
    for name, host in two_sites.hosts.items():
        async with two_sites.client(host.site, host.service) as client:
            assert (await client.get("/healthz")).status_code == 200, name
            ready = await client.get("/readyz")
            assert ready.status_code == 200 and ready.json()["ready"] is True, name
