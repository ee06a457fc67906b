"""好差评 rules on the delivery case, with the clock in the test's hands: who may rate, what and
until when; and every branch of a bad rating's follow-up with its deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from contracts.base import Actor
from contracts.evaluation import ServiceRated
from contracts.identity import Person
from services.delivery.domain import errors
from services.delivery.domain.case import DeliveryCase
from services.delivery.domain.rating import RatingRules, Units
from services.directory import load_directory
from services.intake.domain.case import WindowCase
from services.intake.domain.inputs import HandedOver
from services.runtime.aggregate import Context, system_actor
from services.runtime.workdays import WorkCalendar

THURSDAY = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # 26 Nov 2026, 09:30 in Yantai
CLERK = Actor(staff_id="370671-W01", role="window")
WANG = Person(name="王强", id_number="370602198803141233", phone="13805351234")
GT = load_directory().matters["370202GT0001"]
RULES = RatingRules(window_days=5, callback_days=1, fix_days=5)
UNITS = Units(window="烟台高新区政务服务中心跨域通办窗口", department="青岛市市南区市场监督管理局")
CALENDAR = WorkCalendar()


def at(days: int, actor: Actor = CLERK) -> Context:
    return Context("370671", actor, THURSDAY + timedelta(days=days))


def served_case(completed_after_days: int | None = 0) -> DeliveryCase:
    """王强's case as the Yantai delivery service knows it: opened, served at the window and
    (unless None) completed that many days after opening."""
    window = WindowCase.open(uuid4(), "37067120261126A1B2C3", GT, WANG, "online", at(0))
    window.submit([HandedOver(material_code=m.code) for m in GT.materials], GT, at(0))
    window.verify_identity("applicant", "id_card_reader", at(0))
    window.accept(GT, CALENDAR, "370671受〔2026〕00012号", at(0))
    if completed_after_days is not None:
        window.complete("370202", at(completed_after_days, system_actor("intake")))
    case = DeliveryCase(window.id)
    for event in window.collect_events():
        if DeliveryCase.learns(event):
            case.note(event, event.model_dump_json().encode(), at(0, system_actor("delivery")))
    case.collect_events()
    return case


def rate_badly(case: DeliveryCase, days: int = 1) -> UUID:
    [rating] = case.rate_visit(WANG.id_number, date(2026, 11, 26), 4,
                               "窗口没有告知邮寄需要多长时间", UNITS, CALENDAR, RULES, at(days))
    return rating.event_id


def test_the_applicant_rates_a_visit_once_within_five_working_days() -> None:
    case = served_case()
    [rating] = case.rate_visit(WANG.id_number, date(2026, 11, 26), 1, "", UNITS, CALENDAR, RULES,
                               at(7))  # Thursday 3 Dec: the fifth working day
    assert (rating.unit, rating.served_by, rating.rated_site) == ("window", "370671-W01", "370671")
    with pytest.raises(errors.AlreadyRated):
        case.rate_visit(WANG.id_number, date(2026, 11, 26), 2, "", UNITS, CALENDAR, RULES, at(7))
    with pytest.raises(errors.NoSuchVisit):
        case.rate_visit(WANG.id_number, date(2026, 11, 27), 2, "", UNITS, CALENDAR, RULES, at(7))
    late = served_case()
    with pytest.raises(errors.RatingClosed):
        late.rate_visit(WANG.id_number, date(2026, 11, 26), 1, "", UNITS, CALENDAR, RULES, at(8))


def test_someone_who_is_not_the_applicant_cannot_rate_the_case() -> None:
    case = served_case()
    with pytest.raises(errors.CaseNumberUnknown):
        case.rate_visit("370202199209093382", date(2026, 11, 26), 5, "", UNITS, CALENDAR, RULES,
                        at(1))
    assert case.collect_events() == []


def test_the_matter_is_rated_once_after_it_ended_for_the_window_and_the_department() -> None:
    with pytest.raises(errors.NotEnded):
        served_case(None).rate_matter(WANG.id_number, 1, 1, "", UNITS, CALENDAR, RULES, at(1))
    case = served_case(completed_after_days=6)  # completed Wednesday 2 Dec
    rated = case.rate_matter(WANG.id_number, 2, 5, "审批太慢", UNITS, CALENDAR, RULES, at(7))
    assert [(r.unit, r.rated_site, r.level) for r in rated] == [
        ("window", "370671", 2), ("department", "370202", 5)]
    assert not case.reviews  # the department's bad rating is followed up in Qingdao
    with pytest.raises(errors.AlreadyRated):
        case.rate_matter(WANG.id_number, 1, 1, "", UNITS, CALENDAR, RULES, at(7))


def test_a_bad_rating_fixed_at_once_is_closed_and_the_rating_stays() -> None:
    case = served_case()
    rating_id = rate_badly(case)
    review = case.review(rating_id)
    assert (review.opened.owner, review.opened.callback_due) == ("370671-W01", date(2026, 11, 30))
    with pytest.raises(errors.ReviewOutOfOrder):
        case.resolve(rating_id, "fixed", "已补充说明", CALENDAR, 5, at(1))  # no call-back yet
    with pytest.raises(errors.NotTheOwner):
        case.call_back(rating_id, True, True, "已回访", at(1, Actor(staff_id="370671-W09",
                                                               role="window")))
    case.call_back(rating_id, True, True, "申请人反映未被告知邮寄时长，属实", at(1))
    case.resolve(rating_id, "fixed", "已当场告知邮寄约需3个工作日，并在窗口公示", CALENDAR, 5, at(1))
    assert case.review(rating_id).status == "closed"
    assert case.ratings[rating_id].level == 4


def test_a_complex_problem_goes_on_the_rectification_list_and_is_flagged_once_when_late() -> None:
    case = served_case()
    rating_id = rate_badly(case)
    case.call_back(rating_id, True, True, "属实", at(1))
    case.resolve(rating_id, "rectification", "窗口告知模板需全市统一修改", CALENDAR, 5, at(1))
    assert case.review(rating_id).resolution.rectify_by == date(2026, 12, 4)  # type: ignore[union-attr]
    assert case.flag_late_reviews(at(8, system_actor("delivery"))) == 0
    assert case.flag_late_reviews(at(9, system_actor("delivery"))) == 1  # Saturday 5 Dec
    assert case.flag_late_reviews(at(10, system_actor("delivery"))) == 0
    case.complete_rectification(rating_id, "告知模板已修改并培训", at(11))
    assert case.review(rating_id).status == "closed"
    assert case.review(rating_id).overdue == {"rectification"}


def test_a_rating_without_legal_basis_gets_an_explanation() -> None:
    case = served_case()
    rating_id = rate_badly(case)
    case.call_back(rating_id, True, False, "申请人要求当日取证，法定时限为20个工作日", at(1))
    case.resolve(rating_id, "explained", "已向申请人解释法定办理时限", CALENDAR, 5, at(2))
    assert case.review(rating_id).status == "closed"


def test_a_call_back_not_made_in_time_is_flagged_once() -> None:
    case = served_case()
    rating_id = rate_badly(case)  # rated Friday 27 Nov: call back by Monday 30 Nov
    assert case.flag_late_reviews(at(4, system_actor("delivery"))) == 0
    assert case.flag_late_reviews(at(5, system_actor("delivery"))) == 1
    assert case.flag_late_reviews(at(6, system_actor("delivery"))) == 0
    case.call_back(rating_id, True, True, "迟到的回访", at(6))
    assert case.review(rating_id).status == "awaiting_resolution"


def test_an_upheld_appeal_voids_a_malicious_rating() -> None:
    case = served_case()
    rating_id = rate_badly(case)
    case.call_back(rating_id, True, False, "评价人承认误评", at(1))
    case.appeal(rating_id, "评价人误操作，经回访确认", CALENDAR, 5, at(1))
    with pytest.raises(errors.NotAReviewer):
        case.decide_appeal(rating_id, True, "同意", at(2))
    supervisor = Actor(staff_id="370671-S01", role="supervisor")
    case.decide_appeal(rating_id, True, "回访录音证实为误评，撤销差评", at(2, supervisor))
    assert case.review(rating_id).status == "voided"


def test_a_rejected_appeal_leaves_the_rating_to_be_resolved_and_cannot_be_repeated() -> None:
    case = served_case()
    rating_id = rate_badly(case)
    case.call_back(rating_id, True, True, "属实", at(1))
    case.appeal(rating_id, "认为评价不实", CALENDAR, 5, at(1))  # decide by Tuesday 8 Dec
    assert case.flag_late_reviews(at(12, system_actor("delivery"))) == 1
    supervisor = Actor(staff_id="370671-S01", role="supervisor")
    case.decide_appeal(rating_id, False, "回访核实情况属实，申诉不成立", at(12, supervisor))
    assert case.review(rating_id).status == "awaiting_resolution"
    with pytest.raises(errors.ReviewOutOfOrder):
        case.appeal(rating_id, "再次申诉", CALENDAR, 5, at(12))
    case.resolve(rating_id, "fixed", "已整改", CALENDAR, 5, at(12))
    assert case.review(rating_id).status == "closed"


def test_a_department_rating_arriving_at_the_business_site_opens_a_review_for_its_approver() -> None:
    case = served_case(completed_after_days=1)
    [_, department] = case.rate_matter(WANG.id_number, 1, 5, "审批人员态度生硬", UNITS, CALENDAR,
                                       RULES, at(2))
    qingdao = DeliveryCase(case.id)
    ctx = Context("370202", system_actor("delivery"), THURSDAY + timedelta(days=2))
    qingdao.note(department, department.model_dump_json().encode(), ctx)
    assert isinstance(qingdao.ratings[department.event_id], ServiceRated)
    qingdao.open_review_if_bad(department, "370202-A07", CALENDAR, RULES, ctx)
    assert qingdao.review(department.event_id).opened.owner == "370202-A07"
