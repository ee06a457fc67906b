"""The rules of the receiving window, each a test named as the rule, on the aggregate alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from contracts.base import Actor
from contracts.identity import Company, Person
from services.directory import Matter, load_directory
from services.intake.domain import errors
from services.intake.domain.case import WindowCase
from services.intake.domain.inputs import HandedOver, NamedDefect
from services.runtime.aggregate import Context
from services.runtime.workdays import WorkCalendar

CATALOGUE = load_directory()
GT_CHANGE = CATALOGUE.matters["370202GT0001"]  # 个体工商户变更登记, remote proxy, tolerant
FOOD_LICENCE = CATALOGUE.matters["370202SP0012"]  # 食品经营许可证变更, tolerant + commitment
CERT_REISSUE = CATALOGUE.matters["110108ZG0007"]  # 职业资格证书补办, fully online, not tolerant
MORNING = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # 09:30 in Yantai, a Thursday
CLERK = Actor(staff_id="370671-W01", role="window")
WANG = Person(name="王强", id_number="370602198803141233", phone="13805351234")
CHEN = Person(name="陈静", id_number="370202199209093382", phone="13905321234")
HAIAN = Company(name="烟台海岸食品有限公司", credit_code="913706027654032157",
                legal_representative="赵海", representative_id_number="370602198803141233",
                phone="0535-6921234")
NUMBER = "370671受〔2026〕00012号"


def at(when: datetime = MORNING, staff: str = "370671-W01") -> Context:
    return Context("370671", Actor(staff_id=staff, role="window"), when)


def opened(matter: Matter = GT_CHANGE, applicant: Person | Company = WANG) -> WindowCase:
    return WindowCase.open(uuid4(), "37067120261126ABCDEF", matter, applicant,
                           matter.delivery_options[0], at())


def handed(*codes: str) -> list[HandedOver]:
    return [HandedOver(material_code=code, pages=2) for code in codes]


def all_codes(matter: Matter, but: tuple[str, ...] = ()) -> list[str]:
    return [m.code for m in matter.materials if m.code not in but]


def ready(matter: Matter = GT_CHANGE, missing: tuple[str, ...] = (),
          applicant: Person | Company = WANG) -> WindowCase:
    case = opened(matter, applicant)
    case.submit(handed(*all_codes(matter, missing)), matter, at())
    subject = "legal_representative" if isinstance(applicant, Company) else "applicant"
    case.verify_identity(subject, "id_card_reader", at())
    return case


def non_key(matter: Matter) -> list[str]:
    return [m.code for m in matter.materials if not m.key]


def key(matter: Matter) -> list[str]:
    return [m.code for m in matter.materials if m.key]


# -- taking in --------------------------------------------------------------------------------

def test_the_first_staff_member_who_takes_the_case_owns_it() -> None:
    case = WindowCase.open(uuid4(), "37067120261126ABCDEF", GT_CHANGE, WANG, "online",
                           at(staff="370671-W03"))
    case.submit(handed("M01"), GT_CHANGE, at(staff="370671-W05"))
    assert case.opened.owner_staff_id == "370671-W03"


def test_a_delivery_channel_the_matter_does_not_offer_is_refused() -> None:
    paper_only = next(m for m in CATALOGUE.matters.values() if "online" not in m.delivery_options)
    with pytest.raises(errors.DeliveryNotOffered):
        WindowCase.open(uuid4(), "37067120261126ABCDEF", paper_only, WANG, "online", at())


def test_proxy_service_rests_on_a_mandate_and_assisted_service_needs_none() -> None:
    case = opened()
    with pytest.raises(errors.MandateRequired):
        case.authorize_proxy("proxy", None, at())
    case.authorize_proxy("assisted", None, at())
    case.authorize_proxy("proxy", "WT-2026-0042", at())
    assert case.proxy is not None and case.proxy.mandate_number == "WT-2026-0042"


def test_a_material_not_on_the_checklist_is_refused() -> None:
    with pytest.raises(errors.UnknownMaterial):
        opened().submit(handed("M99"), GT_CHANGE, at())


def test_a_company_is_verified_through_its_legal_representative() -> None:
    case = opened(FOOD_LICENCE, HAIAN)
    with pytest.raises(errors.WrongIdentitySubject):
        case.verify_identity("applicant", "id_card_reader", at())
    case.verify_identity("legal_representative", "face_match", at())
    assert case.identities[0].person_name == "赵海"


# -- acceptance -------------------------------------------------------------------------------

def test_acceptance_needs_the_identity_verified() -> None:
    case = opened()
    case.submit(handed(*all_codes(GT_CHANGE)), GT_CHANGE, at())
    with pytest.raises(errors.IdentityNotVerified):
        case.accept(GT_CHANGE, WorkCalendar(), NUMBER, at())


def test_acceptance_needs_every_material() -> None:
    case = ready(missing=(non_key(GT_CHANGE)[0],))
    with pytest.raises(errors.MaterialsIncomplete):
        case.accept(GT_CHANGE, WorkCalendar(), NUMBER, at())


def test_the_promised_date_counts_working_days_with_holidays_and_make_up_days() -> None:
    eve_of_national_day = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    case = WindowCase.open(uuid4(), "37067120260930ABCDEF", GT_CHANGE, WANG, "online",
                           at(eve_of_national_day))
    case.submit(handed(*all_codes(GT_CHANGE)), GT_CHANGE, at(eve_of_national_day))
    case.verify_identity("applicant", "id_card_reader", at(eve_of_national_day))
    case.accept(GT_CHANGE, WorkCalendar(), NUMBER, at(eve_of_national_day))
    assert GT_CHANGE.promised_days == 3
    # 1-7 October are holidays; Thursday 8, Friday 9 and the make-up Saturday 10 are worked.
    assert case.accepted is not None and case.accepted.promised_date == date(2026, 10, 10)


def test_remote_collection_sends_the_originals_and_fully_online_cases_carry_no_paper() -> None:
    remote = ready()
    remote.accept(GT_CHANGE, WorkCalendar(), NUMBER, at())
    assert remote.accepted is not None
    originals = {m.code for m in GT_CHANGE.materials if m.form == "original"}
    assert {i.material_code for i in remote.accepted.paper_items} == originals != set()

    online = ready(CERT_REISSUE, applicant=CHEN)
    online.accept(CERT_REISSUE, WorkCalendar(), NUMBER, at())
    assert online.accepted is not None and online.accepted.paper_items == []
    assert {i.form for i in online.submitted.values()} == {"electronic"}


def test_a_decided_case_cannot_be_decided_again() -> None:
    case = ready()
    case.accept(GT_CHANGE, WorkCalendar(), NUMBER, at())
    with pytest.raises(errors.CaseAlreadyDecided):
        case.reject("申请人不具备主体资格", None, at())


def test_a_second_decision_is_refused_with_the_status_said_once() -> None:
    accepted, rejected = ready(), ready()
    accepted.accept(GT_CHANGE, WorkCalendar(), NUMBER, at())
    rejected.reject("申请人不具备主体资格", None, at())
    with pytest.raises(errors.CaseAlreadyDecided) as twice:
        accepted.accept(GT_CHANGE, WorkCalendar(), NUMBER, at())
    with pytest.raises(errors.CaseAlreadyDecided) as after_rejection:
        rejected.accept(GT_CHANGE, WorkCalendar(), NUMBER, at())
    assert twice.value.reason == "该办件已受理，不能再作受理决定"
    assert after_rejection.value.reason == "该办件已不予受理，不能再作受理决定"


# -- the one-time notice ----------------------------------------------------------------------

def test_the_one_time_notice_names_every_defect_at_once() -> None:
    case = ready(CERT_REISSUE, missing=("M03",), applicant=CHEN)
    case.issue_notice([NamedDefect(material_code="M02", problem="defective", detail="身份证复印件不清晰"),
                       NamedDefect(material_code="M03", problem="missing", detail="缺少近期免冠照片")],
                      None, CERT_REISSUE, at())
    assert [d.material_code for d in case.notices[0].defects] == ["M02", "M03"]
    assert case.status == "awaiting_supplement"


def test_acceptance_under_an_open_one_time_notice_is_refused() -> None:
    case = ready(CERT_REISSUE, missing=("M03",), applicant=CHEN)
    case.issue_notice([NamedDefect(material_code="M03", problem="missing", detail="缺少照片")],
                      None, CERT_REISSUE, at())
    with pytest.raises(errors.OneTimeNoticeOpen):
        case.accept(CERT_REISSUE, WorkCalendar(), NUMBER, at())


def test_a_second_notice_for_a_defect_that_existed_at_the_first_review_is_refused() -> None:
    case = ready(CERT_REISSUE, missing=("M03",), applicant=CHEN)
    case.issue_notice([NamedDefect(material_code="M03", problem="missing", detail="缺少照片")],
                      None, CERT_REISSUE, at())
    case.supplement(handed("M03"), CERT_REISSUE, at())
    with pytest.raises(errors.OldDefectInLaterNotice, match="居民身份证"):
        case.issue_notice([NamedDefect(material_code="M02", problem="defective",
                                       detail="身份证复印件不清晰")], None, CERT_REISSUE, at())
    assert len(case.notices) == 1


def test_a_second_notice_for_a_defect_the_supplement_introduced_is_accepted() -> None:
    case = ready(CERT_REISSUE, missing=("M03",), applicant=CHEN)
    case.issue_notice([NamedDefect(material_code="M03", problem="missing", detail="缺少照片")],
                      None, CERT_REISSUE, at())
    case.supplement(handed("M03"), CERT_REISSUE, at())
    case.issue_notice([NamedDefect(material_code="M03", problem="defective",
                                   detail="补交的照片为蓝底，应为白底")], None, CERT_REISSUE, at())
    assert [n.notice_number for n in case.notices] == [1, 2]


def test_a_supplement_without_an_open_notice_is_refused() -> None:
    with pytest.raises(errors.NoOpenNotice):
        ready().supplement(handed("M01"), GT_CHANGE, at())


# -- tolerant acceptance (容缺受理) -------------------------------------------------------------

def test_tolerant_acceptance_only_where_the_catalogue_allows_it() -> None:
    assert not CERT_REISSUE.tolerant_acceptance
    case = ready(CERT_REISSUE, missing=("M03",), applicant=CHEN)
    with pytest.raises(errors.TolerantAcceptanceNotAllowed):
        case.accept_tolerantly(CERT_REISSUE, WorkCalendar(), NUMBER, date(2026, 11, 30), at())


def test_tolerant_acceptance_only_for_non_key_materials() -> None:
    case = ready(FOOD_LICENCE, missing=(key(FOOD_LICENCE)[0],), applicant=HAIAN)
    with pytest.raises(errors.KeyMaterialMissing):
        case.accept_tolerantly(FOOD_LICENCE, WorkCalendar(), NUMBER, date(2026, 11, 30), at())


def test_a_promise_due_after_the_promised_limit_is_refused() -> None:
    case = ready(FOOD_LICENCE, missing=(non_key(FOOD_LICENCE)[0],), applicant=HAIAN)
    latest = WorkCalendar().add(date(2026, 11, 26), FOOD_LICENCE.promised_days)
    with pytest.raises(errors.PromiseDueOutOfRange):
        case.accept_tolerantly(FOOD_LICENCE, WorkCalendar(), NUMBER,
                               latest + timedelta(days=1), at())
    case.accept_tolerantly(FOOD_LICENCE, WorkCalendar(), NUMBER, latest, at())
    assert case.status == "accepted"


def tolerantly_accepted(due: date) -> WindowCase:
    floor_plan = next(m.code for m in FOOD_LICENCE.materials if "平面图" in m.name)
    case = ready(FOOD_LICENCE, missing=(floor_plan,), applicant=HAIAN)
    case.accept_tolerantly(FOOD_LICENCE, WorkCalendar(), NUMBER, due, at())
    return case


def test_a_tolerant_acceptance_terminates_when_the_promised_material_misses_its_due_date() -> None:
    case = tolerantly_accepted(due=date(2026, 12, 3))
    assert not case.terminate_if_overdue(at(datetime(2026, 12, 3, 8, 0, tzinfo=UTC)))
    assert case.terminate_if_overdue(at(datetime(2026, 12, 3, 16, 30, tzinfo=UTC)))  # 4 Dec in China
    assert case.status == "terminated"
    assert case.ended is not None and case.ended.name == "case_terminated"


def test_a_tolerant_acceptance_stands_when_the_material_arrives_in_time() -> None:
    case = tolerantly_accepted(due=date(2026, 12, 3))
    case.deliver_promised(handed(*case.pending), FOOD_LICENCE,
                          at(datetime(2026, 12, 1, 2, 0, tzinfo=UTC)))
    assert not case.terminate_if_overdue(at(datetime(2026, 12, 10, 2, 0, tzinfo=UTC)))
    assert case.status == "accepted" and case.pending == set()


def test_only_promised_materials_can_be_delivered_against_the_promise() -> None:
    case = tolerantly_accepted(due=date(2026, 12, 3))
    with pytest.raises(errors.NotPromised):
        case.deliver_promised(handed("M01"), FOOD_LICENCE, at())


# -- notification-commitment (告知承诺制) -------------------------------------------------------

def test_a_signed_commitment_replaces_the_proofs_the_catalogue_names() -> None:
    replaceable = [m.code for m in FOOD_LICENCE.materials if m.commitment_replaces]
    case = ready(FOOD_LICENCE, missing=tuple(replaceable), applicant=HAIAN)
    case.sign_commitment(replaceable, "赵海", FOOD_LICENCE, at())
    case.accept(FOOD_LICENCE, WorkCalendar(), NUMBER, at())
    assert case.accepted is not None and case.accepted.committed_materials == replaceable


def test_a_commitment_cannot_replace_a_material_the_catalogue_does_not_name() -> None:
    case = ready(FOOD_LICENCE, applicant=HAIAN)
    with pytest.raises(errors.CommitmentNotAllowed):
        case.sign_commitment(["M01"], "赵海", FOOD_LICENCE, at())


def test_a_commitment_is_refused_for_a_matter_without_the_commitment_system() -> None:
    assert not GT_CHANGE.commitment_allowed
    with pytest.raises(errors.CommitmentNotAllowed):
        ready().sign_commitment(["M04"], "王强", GT_CHANGE, at())


# -- non-acceptance, fees, completion ---------------------------------------------------------

def test_non_acceptance_records_the_reason_and_where_to_apply_instead() -> None:
    case = ready()
    case.reject("经营场所位于青岛市崂山区，不属于市南区管辖", "青岛市崂山区行政审批服务局", at())
    assert case.status == "rejected"
    assert case.ended is not None and case.ended.apply_instead == "青岛市崂山区行政审批服务局"


def test_fee_guidance_records_what_the_window_told() -> None:
    with_fees = next(m for m in CATALOGUE.matters.values() if m.fees)
    case = opened(with_fees)
    case.give_fee_guidance(with_fees, at())
    assert case.fee_guidance is not None
    assert [f.item for f in case.fee_guidance.fees] == [f.item for f in with_fees.fees]


def test_completion_reported_twice_completes_the_case_once() -> None:
    case = ready()
    case.accept(GT_CHANGE, WorkCalendar(), NUMBER, at())
    case.complete("370202", at())
    case.complete("370202", at())
    assert [e.name for e in case.collect_events()].count("case_completed") == 1


def test_a_mandate_is_asked_for_only_when_someone_applies_for_the_applicant() -> None:
    mandate = next(m.code for m in GT_CHANGE.materials if m.only_when == "agent")
    in_person = ready(missing=(mandate,))
    in_person.accept(GT_CHANGE, WorkCalendar(), NUMBER, at())
    assert in_person.status == "accepted"

    by_proxy = opened()
    by_proxy.authorize_proxy("proxy", "WT-2026-0042", at())
    by_proxy.submit(handed(*all_codes(GT_CHANGE, (mandate,))), GT_CHANGE, at())
    by_proxy.verify_identity("applicant", "id_card_reader", at())
    with pytest.raises(errors.MaterialsIncomplete, match="授权委托书"):
        by_proxy.accept(GT_CHANGE, WorkCalendar(), NUMBER, at())
