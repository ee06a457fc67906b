"""The business site's dispatch rules on the delivery case: the applicant's choice decides the
way, a change of mind that comes too late is answered as such, paper goes out once."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.approval import CaseApproved, CaseReceived
from contracts.base import Actor, DomainEvent
from contracts.delivery import DeliveryChoiceChanged, DeliveryChoiceTooLate, ResultPushedOnline
from services.delivery.domain import errors
from services.delivery.domain.case import DeliveryCase
from services.runtime.aggregate import Context, system_actor
from tests.support.events import sample

AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
QINGDAO = Context("370202", system_actor("delivery"), AT)
MAILROOM = Context("370202", Actor(staff_id="370202-D02", role="delivery"), AT)
HOME = "山东省烟台市芝罘区南大街88号3单元502室"


def learned(case: DeliveryCase, event: DomainEvent) -> None:
    case.note(event, event.model_dump_json().encode(), QINGDAO)


def approved_in_qingdao(channel: str, result_type: str = "licence") -> DeliveryCase:
    case_id = uuid4()
    case = DeliveryCase(case_id)
    received = sample("approval.case_received.v1", case_id, delivery_channel=channel)
    approved = sample("approval.case_approved.v1", case_id, delivery_channel=channel,
                      result_type=result_type)
    assert isinstance(received, CaseReceived) and isinstance(approved, CaseApproved)
    learned(case, received)
    learned(case, approved)
    case.issue(approved, QINGDAO)
    return case


def change(case: DeliveryCase, channel: str, address: str | None = None) -> DeliveryChoiceChanged:
    event = sample("delivery.delivery_choice_changed.v1", case.id, channel=channel,
                   address=address, acting_site="370671")
    assert isinstance(event, DeliveryChoiceChanged)
    return event


def test_a_change_that_arrives_after_the_parcel_left_is_answered_too_late() -> None:
    case = approved_in_qingdao("pickup_at_window")
    case.mail("window", "中国邮政EMS", "1187654329901", "烟台高新区政务服务中心", MAILROOM)
    late = change(case, "mail_to_applicant", HOME)
    learned(case, late)
    case.answer_choice_change(late, QINGDAO)
    answer = case.collect_events()[-1]
    assert isinstance(answer, DeliveryChoiceTooLate)
    assert answer.dispatched == "已邮寄 1187654329901" and case.choice == "pickup_at_window"


def test_a_change_to_online_before_dispatch_pushes_the_result_at_once() -> None:
    case = approved_in_qingdao("mail_to_applicant")
    online = change(case, "online")
    learned(case, online)
    case.answer_choice_change(online, QINGDAO)
    assert isinstance(case.collect_events()[-1], ResultPushedOnline)
    with pytest.raises(errors.WrongChannel):
        case.mail("applicant", "顺丰速运", "SF1400012345678", HOME, MAILROOM)


def test_a_result_without_paper_is_not_mailed_and_paper_goes_out_once() -> None:
    with pytest.raises(errors.NoPaperResult):
        approved_in_qingdao("pickup_at_window", "none").mail(
            "window", "中国邮政EMS", "1187654329901", "烟台", MAILROOM)
    case = approved_in_qingdao("mail_to_applicant")
    case.mail("applicant", "顺丰速运", "SF1400012345678", HOME, MAILROOM)
    with pytest.raises(errors.AlreadyDispatched):
        case.mail("applicant", "顺丰速运", "SF1400012399999", HOME, MAILROOM)
    with pytest.raises(errors.UnknownParcel):
        case.record_delivered("SF0000000000000", "王强", MAILROOM)
