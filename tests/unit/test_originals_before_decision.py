"""原件核验 before the decision: where the catalogue says the originals are checked first, the
business site decides only after it signed for the parcel of originals. On the aggregates,
then on the approval service's own store and routes (SQLite, no bus)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.base import Actor, DomainEvent
from contracts.intake import SubmittedItem
from contracts.routing import CaseAdmitted, ParcelReceived
from contracts.subjects import own_stream, own_subject, parse_subject
from services.approval.domain import ApprovalCase
from services.approval.main import build
from services.approval.originals import OriginalsNotSignedFor
from services.directory import load_directory
from services.routing.custody import manifests_for
from services.routing.domain import RoutedCase
from services.runtime.aggregate import Context, system_actor
from services.runtime.consumer import Delivery
from services.runtime.host import ServiceHost
from services.runtime.settings import for_service
from services.runtime.workdays import WorkCalendar
from tests.support.events import sample
from tests.support.staff import on_duty, staff
from tests.unit.test_catalogue import Entries, index_of, packaged, refusal

AT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
QINGDAO = Context("370202", system_actor("routing"), AT)
APPROVER = Context("370202", Actor(staff_id="370202-A07", role="approver"), AT)
REGISTRY = Context("370202", Actor(staff_id="370202-R03", role="registry"), AT)
DEREGISTRATION = load_directory().matters["370202GT0002"]  # 个体工商户注销登记
WANG = {"kind": "person", "name": "王强", "id_number": "370602198803141233",
        "phone": "13805351234"}
CASE_NUMBER = "37067120261126C4D5E6"
PAPER = [SubmittedItem(material_code="M02", name="营业执照正副本", form="original",
                       copies=1, pages=2),
         SubmittedItem(material_code="M03", name="经营者居民身份证", form="copy", copies=1,
                       pages=1)]
WAITING = "原件尚未签收，须核验原件后方可作出决定"


def admitted_in_qingdao() -> RoutedCase:
    """王强 deregisters his individual business at the Yantai window; the exchange in Qingdao
    admits the case with the manifest of his business licence."""
    routed = sample(
        "routing.case_routed.v1", case_number=CASE_NUMBER, matter_code=DEREGISTRATION.code,
        matter_name=DEREGISTRATION.name, handling_mode="remote_proxy", applicant=WANG,
        business_sites=["370202"], department=DEREGISTRATION.department, joint_parts=[],
        manifests=[m.model_dump() for m in manifests_for(CASE_NUMBER, PAPER, DEREGISTRATION)])
    return RoutedCase.admit(routed, QINGDAO)  # type: ignore[arg-type]


def signed_for(exchange: RoutedCase) -> ParcelReceived:
    """The Qingdao registry checks the parcel page by page and signs for it."""
    exchange.receive(f"{CASE_NUMBER}-370202", {"M02": 2, "M03": 1}, REGISTRY)
    parcel = exchange.collect_events()[-1]
    assert isinstance(parcel, ParcelReceived)
    return parcel


def claimed(exchange: RoutedCase, originals_checked: bool = True) -> ApprovalCase:
    admitted = exchange.collect_events()[0]
    assert isinstance(admitted, CaseAdmitted)
    case = ApprovalCase.receive(admitted, QINGDAO, WorkCalendar(), originals_checked)
    case.claim(APPROVER)
    return case


def test_the_deregistration_waits_for_the_business_licence_to_be_signed_for() -> None:
    case = claimed(admitted_in_qingdao())
    with pytest.raises(OriginalsNotSignedFor, match=WAITING) as refused:
        case.approve("document", "370202注销〔2026〕118号", None, "准予注销", APPROVER)
    assert refused.value.status == 409
    assert f"{CASE_NUMBER}-370202" in refused.value.reason
    assert case.originals_outstanding == [f"{CASE_NUMBER}-370202"]


def test_a_denial_waits_for_the_originals_too_but_a_supplement_request_does_not() -> None:
    case = claimed(admitted_in_qingdao())
    with pytest.raises(OriginalsNotSignedFor):
        case.deny(["经营者尚有未结清的行政处罚"], APPROVER)
    case.request_supplement(["请补充清税证明"], APPROVER)
    assert "case_denied" not in [e.name for e in case.collect_events()]


def test_once_the_parcel_is_signed_for_here_the_approver_decides() -> None:
    exchange = admitted_in_qingdao()
    case = claimed(exchange)
    parcel = signed_for(exchange)
    case.note(parcel, parcel.model_dump_json().encode(), QINGDAO)
    case.approve("document", "370202注销〔2026〕118号", None, "准予注销", APPROVER)
    assert case.status == "approved"
    assert case.originals_outstanding == []


def test_a_case_rebuilt_from_its_events_still_knows_what_it_waits_for() -> None:
    exchange = admitted_in_qingdao()
    case = claimed(exchange)
    waiting = ApprovalCase.replay(case.id, case.collect_events())
    assert waiting.originals_outstanding == [f"{CASE_NUMBER}-370202"]
    parcel = signed_for(exchange)
    waiting.note(parcel, parcel.model_dump_json().encode(), QINGDAO)
    released = ApprovalCase.replay(case.id, waiting.collect_events())
    assert released.originals_outstanding == [], released.originals_signed


def test_a_matter_that_does_not_check_originals_first_is_decided_at_once() -> None:
    case = claimed(admitted_in_qingdao(), originals_checked=False)
    case.approve("document", "370202注销〔2026〕118号", None, "准予注销", APPROVER)
    assert case.status == "approved"


def test_a_joint_part_waits_only_for_the_parcel_addressed_to_its_own_site() -> None:
    """刘洋's family moves their household registration together: Qingdao's part waits for
    the Qingdao manifest, not for the ones sent to Yantai or Haidian."""
    routed = sample("routing.case_routed.v1")
    exchange = RoutedCase.admit(routed, QINGDAO)  # type: ignore[arg-type]
    part = claimed(exchange)
    assert part.originals_outstanding == ["37067120261126B7C8D9-370202"]
    with pytest.raises(OriginalsNotSignedFor):
        part.decide_part(True, "迁入地住所证明核验无误", APPROVER)


def test_the_catalogue_says_which_matters_check_their_originals_first() -> None:
    matters = load_directory().matters
    assert matters["370202GT0002"].originals_checked_before_decision  # the licence surrendered
    assert matters["510107BD0002"].originals_checked_before_decision  # 不动产权证书、买卖合同
    assert not matters["370202QY0004"].originals_checked_before_decision  # fully online


def test_a_matter_whose_originals_never_travel_cannot_wait_for_them(tmp_path: Path) -> None:
    def check_originals_of_an_online_matter(sites: Entries, matters: Entries) -> None:
        matters[index_of(matters, "370202QY0004")]["originals_checked_before_decision"] = True

    entry = index_of(packaged("matters.json"), "370202QY0004")
    message = refusal(tmp_path, check_originals_of_an_online_matter)
    assert f"entry {entry} (370202QY0004): field originals_checked_before_decision:" in message


# -- the approval service on its own store, no bus ----------------------------------------


def delivered(event: DomainEvent, seq: int) -> Delivery:
    subject = own_subject(event)
    return Delivery(event, parse_subject(subject), subject, own_stream(event.acting_site), seq,
                    event.model_dump_json().encode())


@pytest.fixture
async def qingdao_approval(tmp_path: Path) -> AsyncIterator[tuple[ServiceHost, Any]]:
    host = build(for_service("approval", site="370202", data_dir=tmp_path), lambda: AT)
    on_routing = next(s.handler for s in host.subscriptions if s.name == "approval-on-routing")

    def consume(event: DomainEvent, seq: int) -> None:
        host.store.record(*on_routing(delivered(event, seq)).aggregates)

    yield host, consume
    host.store.close()


async def test_the_approver_is_refused_with_the_reason_and_sees_it_in_the_case_and_the_queue(
    qingdao_approval: tuple[ServiceHost, Any],
) -> None:
    host, consume = qingdao_approval
    exchange = admitted_in_qingdao()
    admitted = exchange.collect_events()[0]
    consume(admitted, 1)
    headers = staff("370202-A07", "approver")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                                 base_url="http://approval.370202",
                                 headers=on_duty("370202")) as approval:
        path = f"/cases/{admitted.case_id}"
        assert (await approval.post(f"{path}/claim", headers=headers)).status_code == 200
        refused = await approval.post(f"{path}/approve", headers=headers,
                                      json={"document_number": "370202注销〔2026〕118号"})
        view = (await approval.get(path)).json()
        [row] = (await approval.get("/queue")).json()
        consume(signed_for(exchange), 2)
        released = (await approval.get(path)).json()
        approved = await approval.post(f"{path}/approve", headers=headers,
                                       json={"document_number": "370202注销〔2026〕118号"})
    assert refused.status_code == 409
    error = refused.json()["errors"][0]
    assert error["rule"] == "originals_not_signed_for" and WAITING in error["reason"]
    for shown in (view, row):
        assert shown["waiting_for_originals"] is True
        assert WAITING in shown["waiting_reason"]
    assert (released["waiting_for_originals"], released["waiting_reason"]) == (False, None)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"


async def test_a_parcel_signed_for_a_case_that_waits_for_nothing_records_nothing(
    qingdao_approval: tuple[ServiceHost, Any],
) -> None:
    host, consume = qingdao_approval
    exchange = admitted_in_qingdao()
    admitted = exchange.collect_events()[0]
    consume(admitted.model_copy(update={"matter_code": "370202GT0001"}), 1)  # no check first
    consume(signed_for(exchange), 2)
    assert [e.name for e in host.store.events.get(admitted.case_id)] == ["case_received"]
