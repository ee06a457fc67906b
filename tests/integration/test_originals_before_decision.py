"""原件核验 on a real nats-server: 王强 deregisters his Qingdao individual business at the Yantai
window; the catalogue says the original business licence is checked before the decision, so
Qingdao's approver is refused, and told why, until Qingdao's registry signed for the parcel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.runtime.nats_server import LocalNatsServer
from tests.support.clock import FakeClock
from tests.support.stack import (
    APPROVER,
    WANG_QIANG,
    WINDOW_CLERK,
    Stack,
    eventually,
    settings_factory,
    take_in_and_accept,
)
from tests.support.staff import staff

A, B = "370671", "370202"
DEREGISTRATION = "370202GT0002"  # 个体工商户注销登记: the original licence is surrendered
REGISTRY_CLERK = staff("370202-R03", "delivery")
WAITING = "原件尚未签收，须核验原件后方可作出决定"
DECISION = {"document_number": "370202注销〔2026〕118号", "opinion": "营业执照原件核验无误，准予注销"}


@pytest.fixture
async def sites(nats_server: LocalNatsServer, store_overrides: dict[str, Any], clock: FakeClock
                ) -> AsyncIterator[Stack]:
    stack = Stack(settings_factory(nats_server, store_overrides), clock)
    await stack.start([A], ["intake", "routing"])
    await stack.start([B], ["routing", "approval"])
    yield stack
    await stack.stop()


async def claimed_in_qingdao(stack: Stack) -> tuple[str, str]:
    """The case taken in at Yantai and claimed by the Qingdao approver: (case id, manifest)."""
    async with stack.client(A, "intake") as intake:
        case_id = await take_in_and_accept(intake, DEREGISTRATION, WANG_QIANG)
    async with stack.client(B, "approval") as approval:
        async def arrived() -> bool:
            return (await approval.get(f"/cases/{case_id}")).status_code == 200
        await eventually(arrived)
        claimed = await approval.post(f"/cases/{case_id}/claim", headers=APPROVER)
        assert claimed.status_code == 200, claimed.text
    async with stack.client(A, "routing") as routing:
        manifests = (await routing.get(f"/cases/{case_id}")).json()["manifests"]
    return case_id, manifests[0]["number"]


async def refused_for_want_of_originals(approval: httpx.AsyncClient, case_id: str) -> None:
    refused = await approval.post(f"/cases/{case_id}/approve", headers=APPROVER, json=DECISION)
    assert refused.status_code == 409, refused.text
    error = refused.json()["errors"][0]
    assert error["rule"] == "originals_not_signed_for" and WAITING in error["reason"]


async def test_an_approval_before_the_licence_is_signed_for_in_qingdao_is_refused_with_the_reason(
    sites: Stack,
) -> None:
    case_id, manifest = await claimed_in_qingdao(sites)
    async with sites.client(B, "approval") as approval, \
            sites.client(A, "routing") as yantai, sites.client(B, "routing") as qingdao:
        await refused_for_want_of_originals(approval, case_id)  # not even dispatched
        view = (await approval.get(f"/cases/{case_id}")).json()
        [row] = [r for r in (await approval.get("/queue")).json() if r["case_id"] == case_id]
        for shown in (view, row):
            assert shown["waiting_for_originals"] is True
            assert WAITING in shown["waiting_reason"] and manifest in shown["waiting_reason"]

        sent = await yantai.post(f"/cases/{case_id}/parcels/{manifest}/dispatch",
                                 headers=WINDOW_CLERK,
                                 json={"carrier": "中国邮政EMS", "tracking_number": "1187654321418"})
        assert sent.status_code == 200, sent.text
        await refused_for_want_of_originals(approval, case_id)  # on its way, not signed for

        pages = [{"material_code": r["material_code"], "pages": r["pages"]}
                 for r in (await yantai.get(f"/cases/{case_id}/custody")).json()]
        signed = await qingdao.post(f"/cases/{case_id}/parcels/{manifest}/receive",
                                    headers=REGISTRY_CLERK, json={"items": pages})
        assert signed.status_code == 200, signed.text

        async def released() -> bool:
            body = (await approval.get(f"/cases/{case_id}")).json()
            return body["waiting_for_originals"] is False and body["waiting_reason"] is None
        await eventually(released)
        approved = await approval.post(f"/cases/{case_id}/approve", headers=APPROVER,
                                       json=DECISION)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
