"""The rules of routing and approval, on the aggregates alone: no store, no bus."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.base import Actor
from contracts.identity import Person
from services.approval.domain import (
    ApprovalCase,
    CaseAlreadyDecided,
    ClaimedByAnother,
    NotAHead,
    NotAnApprover,
    NotClaimedByYou,
)
from services.directory import load_directory
from services.intake.domain.case import WindowCase
from services.intake.domain.inputs import HandedOver
from services.routing.domain import NotAParty, RoutedCase
from services.runtime.aggregate import Context
from services.runtime.workdays import WorkCalendar

AT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
YANTAI = Context("370671", Actor(staff_id="370671-W01", role="window"), AT)
QINGDAO = Context("370202", Actor(staff_id="370202-A07", role="approver"), AT)
HARBIN = Context("230102", Actor(staff_id="system:routing", role="system"), AT)
WANG = Person(name="王强", id_number="370602198803141233", phone="13805351234")
GT_CHANGE = load_directory().matters["370202GT0001"]


def accepted_event():  # type: ignore[no-untyped-def]
    case = WindowCase.open(uuid4(), "37067120261126ABCDEF", GT_CHANGE, WANG, "online", YANTAI)
    case.submit([HandedOver(material_code=m.code) for m in GT_CHANGE.materials], GT_CHANGE,
                YANTAI)
    case.verify_identity("applicant", "id_card_reader", YANTAI)
    case.accept(GT_CHANGE, WorkCalendar(), "370671受〔2026〕00001号", YANTAI)
    return case.collect_events()[-1]


def test_routing_sends_the_case_to_the_site_that_owns_the_matter() -> None:
    accepted = accepted_event()
    routed = RoutedCase.route(accepted, GT_CHANGE, YANTAI)
    assert routed.parties == ["370671", "370202"]
    assert routed.recipients(routed.collect_events()[0]) == ["370202"]
    assert routed.recipients(accepted) == []  # the window's own steps stay at the window


def test_a_site_that_is_not_a_business_site_of_the_case_does_not_admit_it() -> None:
    routed_event = RoutedCase.route(accepted_event(), GT_CHANGE, YANTAI).collect_events()[0]
    with pytest.raises(NotAParty):
        RoutedCase.admit(routed_event, HARBIN)  # type: ignore[arg-type]
    assert RoutedCase.admit(routed_event, QINGDAO).parties == ["370671", "370202"]  # type: ignore[arg-type]


def test_a_decided_case_cannot_be_decided_again() -> None:
    routed = RoutedCase.route(accepted_event(), GT_CHANGE, YANTAI).collect_events()[0]
    admitted = RoutedCase.admit(routed, QINGDAO).collect_events()[0]  # type: ignore[arg-type]
    case = ApprovalCase.receive(admitted, QINGDAO)  # type: ignore[arg-type]
    case.claim(QINGDAO)
    case.approve("licence", "370202600123456", None, "准予变更", QINGDAO)
    with pytest.raises(CaseAlreadyDecided):
        case.approve("licence", "370202600123457", None, "再次决定", QINGDAO)
    with pytest.raises(CaseAlreadyDecided):
        case.deny(["再次决定"], QINGDAO)
    assert [e.name for e in case.collect_events()] == [
        "case_received", "case_claimed", "case_approved"]


def received_in_qingdao() -> ApprovalCase:
    routed = RoutedCase.route(accepted_event(), GT_CHANGE, YANTAI).collect_events()[0]
    admitted = RoutedCase.admit(routed, QINGDAO).collect_events()[0]  # type: ignore[arg-type]
    return ApprovalCase.receive(admitted, QINGDAO)  # type: ignore[arg-type]


def test_deciding_without_a_claim_is_refused() -> None:
    with pytest.raises(NotClaimedByYou, match="请先认领"):
        received_in_qingdao().deny(["经营场所不符合要求"], QINGDAO)


def test_only_the_approver_who_claimed_the_case_decides_it() -> None:
    case = received_in_qingdao()
    case.claim(QINGDAO)
    colleague = Context("370202", Actor(staff_id="370202-A09", role="approver"), AT)
    with pytest.raises(ClaimedByAnother):
        case.claim(colleague)
    with pytest.raises(NotClaimedByYou):
        case.approve("licence", "370202600123456", None, "准予", colleague)


def test_window_staff_cannot_claim_an_approval() -> None:
    clerk = Context("370202", Actor(staff_id="370202-W02", role="window"), AT)
    with pytest.raises(NotAnApprover):
        received_in_qingdao().claim(clerk)


def test_a_denial_carries_every_reason_and_the_right_to_review_or_sue() -> None:
    case = received_in_qingdao()
    case.claim(QINGDAO)
    case.deny(["新经营场所位于规划禁止区域", "未提交消防安全检查意见"], QINGDAO)
    denied = case.collect_events()[-1]
    assert denied.reasons == ["新经营场所位于规划禁止区域", "未提交消防安全检查意见"]  # type: ignore[attr-defined]
    assert "行政复议" in denied.appeal_rights and "行政诉讼" in denied.appeal_rights  # type: ignore[attr-defined]


def test_only_the_department_head_assigns_a_case_to_an_approver() -> None:
    case = received_in_qingdao()
    with pytest.raises(NotAHead):
        case.assign("370202-A09", QINGDAO)
    head = Context("370202", Actor(staff_id="370202-H01", role="head"), AT)
    case.assign("370202-A09", head)
    assert case.claimant == "370202-A09"
