"""One case across two sites through all five services, on a real nats-server."""

from __future__ import annotations

from uuid import UUID

from contracts.subjects import admitted_stream, inbox_stream, inbox_subject, own_stream
from services.runtime.dead_letters import DeadLetters
from tests.support.events import sample
from tests.support.sealing import HandSealer
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
        claimed = await approval.post(f"/cases/{case_id}/claim", headers=APPROVER)
        assert claimed.json()["claimant"] == "370202-A07"
        approved = await approval.post(f"/cases/{case_id}/approve", headers=APPROVER,
                                       json={"document_number": "370202600123456"})
        assert approved.json()["status"] == "approved"

        async def completed() -> bool:
            return (await intake.get(f"/cases/{case_id}")).json()["status"] == "completed"

        await eventually(completed)

        async def archived() -> dict | None:
            body = (await ledger_a.get(f"/cases/{case_id}/timeline")).json()
            return body if body.get("archived") and len(body["timeline"]) == 14 else None

        timeline = (await eventually(archived))["timeline"]
        steps = [(e["site"], e["service"], e["event"]) for e in timeline]
        # Yantai's exchange notes the decision when it arrives; Qingdao's delivery runs meanwhile.
        noted = steps.index((A, "routing", "decision_reported"))
        assert steps.index((B, "approval", "case_approved")) < noted < steps.index(
            (A, "intake", "case_completed"))
        timeline = [e for e in timeline if e["event"] != "decision_reported"]
        assert [(e["site"], e["service"], e["event"]) for e in timeline] == [
            (A, "intake", "case_opened"),
            (A, "intake", "materials_submitted"),
            (A, "intake", "identity_verified"),
            (A, "intake", "case_accepted"),
            (A, "routing", "case_routed"),
            (B, "routing", "case_admitted"),
            (B, "approval", "case_received"),
            (B, "approval", "case_claimed"),
            (B, "approval", "case_approved"),
            (B, "delivery", "result_issued"),
            (B, "delivery", "result_pushed_online"),
            (A, "intake", "case_completed"),
            (A, "ledger", "case_archived"),
        ]
        assert timeline[0]["actor"] == "370671-W01"
        legs = {row["leg"]: row for row in (await ledger_a.get(f"/cases/{case_id}/legs")).json()[
            "legs"]}
        assert all(legs[leg]["hours"] is not None and legs[leg]["hours"] >= 0
                   for leg in ("receiving_check", "transit", "review", "delivery"))
        assert legs["transit"]["responsible"] == "exchange"
        sla = (await approval.get("/sla")).json()
        assert sla == {"青岛市市南区市场监督管理局": {"on_time": 0, "due_soon": 0, "overdue": 0,
                                                  "decided_on_time": 1, "decided_late": 0}}
        assert timeline[8]["actor"] == "370202-A07"

        async def qingdao_knows_the_end() -> list[dict] | None:
            body = (await ledger_b.get(f"/cases/{case_id}/timeline")).json()
            return body["timeline"] if len(body.get("timeline", [])) == 8 else None

        qingdao = await eventually(qingdao_knows_the_end)
        assert [(e["site"], e["event"]) for e in qingdao] == [
            (A, "case_routed"), (B, "case_admitted"), (B, "case_received"), (B, "case_claimed"),
            (B, "case_approved"),
            (B, "result_issued"), (B, "result_pushed_online"), (A, "case_completed")]

    js = two_sites.host(HARBIN, "routing").js
    for stream in (own_stream(HARBIN), inbox_stream(HARBIN), admitted_stream(HARBIN)):
        assert (await js.stream_info(stream)).state.messages == 0, f"{stream} got something"


async def test_an_event_from_a_site_that_is_no_party_is_dead_lettered_with_the_reason(
    two_sites: Stack,
) -> None:
    async with (two_sites.client(A, "intake") as intake,
                two_sites.client(A, "routing") as routing):
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)

        async def routed() -> bool:
            return (await routing.get(f"/cases/{case_id}")).status_code == 200

        await eventually(routed)
    js = two_sites.host(A, "routing").js
    gateway = next(c for c in two_sites.host(A, "routing").consumers if c.name == "routing-gateway")
    forged = sample("delivery.result_pushed_online.v1", UUID(case_id), acting_site=HARBIN)
    sealed_by_harbin = HandSealer().headers(forged, chain=f"{HARBIN}>{A}")
    harbin = two_sites.host(HARBIN, "routing").js  # as Harbin may: into Yantai's inbox
    await harbin.publish(inbox_subject(A, forged), forged.model_dump_json().encode(),
                         headers=sealed_by_harbin)

    await eventually(lambda: gateway.dead_lettered == 1)
    letters = await DeadLetters(js, A).read_all()
    assert letters[-1].consumer == "routing-gateway"
    assert HARBIN in letters[-1].reason and "当事方" in letters[-1].reason
    async with two_sites.client(A, "intake") as intake:
        assert (await intake.get(f"/cases/{case_id}")).json()["status"] != "completed"
    admitted = await js.stream_info(admitted_stream(A))
    assert all(HARBIN not in s for s in (admitted.state.subjects or {}))


async def test_every_service_is_healthy_and_ready_once_started(two_sites: Stack) -> None:
    for name, host in two_sites.hosts.items():
        async with two_sites.client(host.site, host.service) as client:
            assert (await client.get("/healthz")).status_code == 200, name
            ready = await client.get("/readyz")
            assert ready.status_code == 200 and ready.json()["ready"] is True, name


async def test_a_denial_in_qingdao_reaches_the_yantai_window_and_its_timeline(
    two_sites: Stack,
) -> None:
    async with (two_sites.client(A, "intake") as intake, two_sites.client(B, "approval") as approval,
                two_sites.client(A, "ledger") as ledger):
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)

        async def in_qingdao_inbox() -> bool:
            return (await approval.get(f"/cases/{case_id}")).status_code == 200

        await eventually(in_qingdao_inbox)
        unclaimed = await approval.post(f"/cases/{case_id}/deny", headers=APPROVER,
                                        json={"reasons": ["新经营场所位于规划禁止区域"]})
        assert unclaimed.status_code == 409
        await approval.post(f"/cases/{case_id}/claim", headers=APPROVER)
        denied = await approval.post(f"/cases/{case_id}/deny", headers=APPROVER,
                                     json={"reasons": ["新经营场所位于规划禁止区域"]})
        again = await approval.post(f"/cases/{case_id}/approve", headers=APPROVER,
                                    json={"document_number": "370202600123456"})
        assert (denied.status_code, again.status_code) == (200, 409)

        async def told_at_the_window() -> dict | None:
            body = (await intake.get(f"/cases/{case_id}")).json()
            return body if body["status"] == "completed" else None

        window = await eventually(told_at_the_window)
        assert "不予许可" in window["next_step"]

        async def in_yantai_timeline() -> bool:
            body = (await ledger.get(f"/cases/{case_id}/timeline")).json()
            return (B, "case_denied") in [(e["site"], e["event"]) for e in body.get("timeline", [])]

        await eventually(in_yantai_timeline)
