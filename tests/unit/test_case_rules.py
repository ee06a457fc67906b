"""The rules of routing and approval, on the aggregates alone: no store, no bus."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.base import Actor
from contracts.identity import Person
from services.approval.domain import ApprovalCase, CaseAlreadyDecided
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
    routed = RoutedCase.route(accepted_event(), GT_CHANGE, YANTAI)
    assert routed.parties == ["370671", "370202"]
    assert routed.recipients("case_routed", "370671") == ["370202"]
    assert routed.recipients("case_opened", "370671") == []


def test_a_site_that_is_not_a_business_site_of_the_case_does_not_admit_it() -> None:
    routed_event = RoutedCase.route(accepted_event(), GT_CHANGE, YANTAI).collect_events()[0]
    with pytest.raises(NotAParty):
        RoutedCase.admit(routed_event, HARBIN)  # type: ignore[arg-type]
    assert RoutedCase.admit(routed_event, QINGDAO).parties == ["370671", "370202"]  # type: ignore[arg-type]


def test_a_decided_case_cannot_be_decided_again() -> None:
    routed = RoutedCase.route(accepted_event(), GT_CHANGE, YANTAI).collect_events()[0]
    admitted = RoutedCase.admit(routed, QINGDAO).collect_events()[0]  # type: ignore[arg-type]
    case = ApprovalCase.receive(admitted, QINGDAO)  # type: ignore[arg-type]
    case.approve("licence", "370202600123456", None, "准予变更", QINGDAO)
    with pytest.raises(CaseAlreadyDecided):
        case.approve("licence", "370202600123457", None, "再次决定", QINGDAO)
    assert [e.name for e in case.collect_events()] == ["case_received", "case_approved"]
