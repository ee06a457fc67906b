"""The rules of a case at each step, on the aggregates alone: no store, no bus."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.base import Actor
from contracts.identity import Applicant
from services.approval.domain import ApprovalCase, CaseAlreadyDecided
from services.directory import load_directory
from services.intake.domain import CaseAlreadyAccepted, CaseNotAccepted, WindowCase
from services.routing.domain import NotAParty, RoutedCase
from services.runtime.aggregate import Context

AT = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
YANTAI = Context("370671", Actor(staff_id="370671-W01", role="window"), AT)
QINGDAO = Context("370202", Actor(staff_id="370202-A07", role="approver"), AT)
HARBIN = Context("230102", Actor(staff_id="system:routing", role="system"), AT)
WANG = Applicant(name="王强", id_number="370602198803141233")
GT_CHANGE = load_directory().matters["370202GT0001"]


def accepted_case() -> WindowCase:
    case = WindowCase.open(uuid4(), "37067120261126ABCDEF", GT_CHANGE, WANG, "online", YANTAI)
    case.accept(YANTAI)
    return case


def test_a_case_is_accepted_once() -> None:
    case = accepted_case()
    with pytest.raises(CaseAlreadyAccepted):
        case.accept(YANTAI)
    assert [e.name for e in case.collect_events()] == ["case_opened", "case_accepted"]


def test_a_case_not_yet_accepted_cannot_be_completed() -> None:
    case = WindowCase.open(uuid4(), "37067120261126ABCDEF", GT_CHANGE, WANG, "online", YANTAI)
    with pytest.raises(CaseNotAccepted):
        case.complete("370202", YANTAI)


def test_completion_reported_twice_completes_the_case_once() -> None:
    case = accepted_case()
    case.complete("370202", YANTAI)
    case.complete("370202", YANTAI)
    assert [e.name for e in case.collect_events()][-1:] == ["case_completed"]
    assert case.version == 3


def test_routing_sends_the_case_to_the_site_that_owns_the_matter() -> None:
    accepted = accepted_case().collect_events()[-1]
    routed = RoutedCase.route(accepted, GT_CHANGE, YANTAI)  # type: ignore[arg-type]
    assert routed.parties == ["370671", "370202"]
    assert routed.recipients("case_routed", "370671") == ["370202"]
    assert routed.recipients("case_opened", "370671") == []


def test_a_site_that_is_not_a_business_site_of_the_case_does_not_admit_it() -> None:
    accepted = accepted_case().collect_events()[-1]
    routed_event = RoutedCase.route(accepted, GT_CHANGE, YANTAI).collect_events()[0]  # type: ignore[arg-type]
    with pytest.raises(NotAParty):
        RoutedCase.admit(routed_event, HARBIN)  # type: ignore[arg-type]
    assert RoutedCase.admit(routed_event, QINGDAO).parties == ["370671", "370202"]  # type: ignore[arg-type]


def test_a_decided_case_cannot_be_decided_again() -> None:
    accepted = accepted_case().collect_events()[-1]
    routed = RoutedCase.route(accepted, GT_CHANGE, YANTAI).collect_events()[0]  # type: ignore[arg-type]
    admitted = RoutedCase.admit(routed, QINGDAO).collect_events()[0]  # type: ignore[arg-type]
    case = ApprovalCase.receive(admitted, QINGDAO)  # type: ignore[arg-type]
    case.approve("licence", "370202600123456", None, "准予变更", QINGDAO)
    with pytest.raises(CaseAlreadyDecided):
        case.approve("licence", "370202600123457", None, "再次决定", QINGDAO)
    assert [e.name for e in case.collect_events()] == ["case_received", "case_approved"]
