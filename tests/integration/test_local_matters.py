"""A matter the receiving hall decides itself (its own business site): the case never leaves
370671, and it ends at the window like a case decided in another city (real NATS)."""

from __future__ import annotations

from typing import Any

from services.runtime.nats_server import LocalNatsServer
from tests.support.applicant import receipt_query_code
from tests.support.stack import Stack, eventually, settings_factory, take_in_and_accept
from tests.support.staff import staff

YANTAI = "370671"
EMPLOYMENT_CARD = "370671JY0003"  # 就业创业证申领, fully online, owned by 烟台高新区
ZHAO_MIN = {"kind": "person", "name": "赵敏", "id_number": "370602199503071223",
            "phone": "13706381234"}
YANTAI_APPROVER = staff("370671-A02", "approver")


async def test_a_local_online_matter_ends_completed_at_the_window_and_in_the_progress_query(
    nats_server: LocalNatsServer, store_overrides: dict[str, Any],
) -> None:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([YANTAI])
    try:
        async with (stack.client(YANTAI, "intake") as intake,
                    stack.client(YANTAI, "approval") as approval,
                    stack.client(YANTAI, "ledger") as ledger):
            case_id = await take_in_and_accept(intake, EMPLOYMENT_CARD, ZHAO_MIN)

            async def in_the_queue() -> bool:
                return (await approval.get(f"/cases/{case_id}")).status_code == 200

            await eventually(in_the_queue)
            for path, body in [("claim", None), ("approve", {"document_number": "JY2026112601"})]:
                done = await approval.post(f"/cases/{case_id}/{path}", headers=YANTAI_APPROVER,
                                           json=body)
                assert done.status_code == 200, done.text

            async def completed() -> dict[str, Any] | None:
                case = (await intake.get(f"/cases/{case_id}")).json()
                return case if case["status"] == "completed" else None

            case = await eventually(completed)
            progress = (await intake.get("/progress", params={
                "case_number": case["case_number"], "id_number": ZHAO_MIN["id_number"],
                "query_code": await receipt_query_code(intake, case_id)})).json()
            assert (progress["status"], progress["status_zh"]) == ("completed", case["status_zh"])

            async def timeline() -> list[dict[str, Any]] | None:
                body = (await ledger.get(f"/cases/{case_id}/timeline")).json()
                events = body.get("timeline", [])
                return events if "case_completed" in [e["event"] for e in events] else None

            events = await eventually(timeline)
        assert {e["site"] for e in events} == {YANTAI}
        assert "result_pushed_online" in [e["event"] for e in events]
    finally:
        await stack.stop()
