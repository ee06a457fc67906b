"""One real-looking event of every published type, made by the domain itself from the stories
in the README; `python -m tests.support.golden` writes the golden samples that are missing.

Samples already stored are never rewritten: old samples must keep loading forever.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid5

import contracts
from contracts.base import Actor, DomainEvent
from contracts.delivery import ResultIssued
from contracts.files import FileRef
from contracts.identity import Company, Person
from services.approval.domain import ApprovalCase
from services.delivery.domain.case import DeliveryCase
from services.delivery.domain.rating import RatingRules, Units
from services.directory import load_directory
from services.intake.domain.case import WindowCase
from services.intake.domain.inputs import HandedOver, NamedDefect
from services.intake.domain.visit import Visit
from services.ledger.domain import CaseFile
from services.routing.domain import RoutedCase
from services.runtime.aggregate import Context, system_actor
from services.runtime.workdays import WorkCalendar

SAMPLES = Path(contracts.__file__).parent / "samples"
AT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
WANG = Person(name="王强", id_number="370602198803141233", phone="13805351234")
HAIAN = Company(name="烟台海岸食品有限公司", credit_code="913706027654032157",
                legal_representative="赵海", representative_id_number="370602198803141233",
                phone="0535-6921234")


LICENCE_SCAN = FileRef(
    sha256="9f2c4b8e1d7a6c5b3e0f9a8d7c6b5a4e3d2c1b0a9f8e7d6c5b4a3e2d1c0b9a8f", size=482_113,
    media_type="application/pdf", file_name="营业执照正本扫描件.pdf", material_code="M02", pages=2)


def _ctx(site: str, actor: Actor) -> Context:
    return Context(site, actor, AT, UUID("0b7e6a51-3c2d-4e1f-9a8b-7c6d5e4f3a21"))


def story_events() -> list[DomainEvent]:
    """王强's licence change (notice, supplement, acceptance, approval, online result) and the
    food company's tolerant acceptance that lapses."""
    catalogue = load_directory()
    gt, sp = catalogue.matters["370202GT0001"], catalogue.matters["370202SP0012"]
    clerk = _ctx("370671", Actor(staff_id="370671-W01", role="window"))
    visit = Visit.triage(uuid5(UUID(int=0), "visit"), "37067120261126Z01007", gt,
                         "dedicated_window", catalogue.sites["370671"].windows[2], clerk)
    visit.issue_ticket("Z01", date(2026, 11, 26), 7, clerk)
    case = WindowCase.open(uuid5(UUID(int=0), "wang"), "37067120261126A1B2C3", gt, WANG,
                           "online", clerk)
    case.authorize_proxy("assisted", None, clerk)
    case.submit([HandedOver(material_code=m.code, pages=2) for m in gt.materials[:-1]], gt, clerk)
    case.attach_file(LICENCE_SCAN, gt, clerk)
    case.verify_identity("applicant", "id_card_reader", clerk)
    case.issue_notice([NamedDefect(material_code=gt.materials[-1].code, problem="missing",
                                   detail="未提交")], date(2026, 12, 3), gt, clerk)
    case.supplement([HandedOver(material_code=gt.materials[-1].code)], gt, clerk)
    case.give_fee_guidance(gt, clerk)
    case.accept(gt, WorkCalendar(), "370671受〔2026〕00012号", clerk)
    taken_in = case.collect_events()
    accepted = taken_in[-1]
    routing = _ctx("370671", system_actor("routing"))
    route_a = RoutedCase.route(accepted, gt, routing)  # type: ignore[arg-type]
    manifest = next(iter(route_a.manifests))
    route_a.dispatch(manifest, "中国邮政EMS", "1187654321306", clerk)
    routed = route_a.collect_events()
    qingdao = _ctx("370202", system_actor("routing"))
    route_b = RoutedCase.admit(routed[0], qingdao)  # type: ignore[arg-type]
    route_b.receive(manifest, {i.material_code: i.pages for i in route_b.manifests[manifest].items
                               if i.material_code != "M02"},
                    _ctx("370202", Actor(staff_id="370202-R03", role="registry")))
    route_b.repaired(LICENCE_SCAN.sha256, "370671", "hash mismatch: holds 5d41402abc4b2a76…",
                     qingdao)
    route_b.record_file_read(LICENCE_SCAN.sha256,
                             _ctx("370202", Actor(staff_id="370202-A07", role="approver")))
    admitted = route_b.collect_events()
    route_a.flag_overdue(WorkCalendar(), 3, Context("370671", system_actor("routing"),
                                                    datetime(2026, 12, 7, 2, 0, tzinfo=UTC)))
    route_a.take_note(admitted[-1], routing)
    routed += route_a.collect_events()
    approval = ApprovalCase.receive(admitted[0], qingdao, WorkCalendar())  # type: ignore[arg-type]
    approver = _ctx("370202", Actor(staff_id="370202-A07", role="approver"))
    approval.claim(approver)
    approval.approve("licence", "370202600123456", None, "材料齐全，准予变更", approver)
    decided = approval.collect_events()
    approved = decided[-1]
    refusal = ApprovalCase.receive(admitted[0], qingdao)  # type: ignore[arg-type]
    refusal.claim(approver)
    refusal.deny(["新经营场所位于规划禁止区域", "未提交消防安全检查意见"], approver)
    decided += refusal.collect_events()[1:]
    decided += clock_story(admitted[0], approver)
    route_a.request_consultation("370202", "video", "新经营场所使用证明能否以租赁备案代替", clerk)
    route_a.record_consultation("370202-A07", "可以，租赁备案证明有效", clerk)
    route_a.take_note(approved, routing)
    routed += route_a.collect_events()
    result = DeliveryCase(approved.case_id)
    for known in (decided[0], approved):  # CaseReceived, then CaseApproved
        result.note(known, known.model_dump_json().encode(), qingdao)
    result.issue(approved, qingdao)  # type: ignore[arg-type]
    case.relay_supplement_request("370202", ["新经营场所租赁合同需加盖出租方公章"], clerk)
    case.forward_supplement([HandedOver(material_code="M04", pages=3)], gt, clerk)
    case.notify_extension("370202", 5, "现场核查发现需补充消防意见", date(2026, 12, 8), clerk)
    case.complete("370202", clerk)
    ledger = _ctx("370671", system_actor("ledger"))
    archive = CaseFile(case.id)
    completed = case.collect_events()
    for n, event in enumerate([*taken_in, *completed], 1):
        archive.observe(event, "TB_370671", n, f"tb.370671.intake.{event.name}.v1",
                        event.model_dump_json().encode(), {}, ledger)
    archive.read_personal_data(["applicant.id_number", "applicant.phone"],
                               "核查申请人投诉所涉办件，需核对身份信息",
                               _ctx("370671", Actor(staff_id="370671-AU01", role="auditor")))
    food = WindowCase.open(uuid5(UUID(int=0), "haian"), "370671202611269F3E21", sp, HAIAN,
                           "pickup_at_window", clerk)
    food.submit([HandedOver(material_code=m.code) for m in sp.materials
                 if not m.commitment_replaces and "平面图" not in m.name], sp, clerk)
    food.verify_identity("legal_representative", "id_card_reader", clerk)
    food.sign_commitment([m.code for m in sp.materials if m.commitment_replaces], "赵海", sp,
                         clerk)
    food.accept_tolerantly(sp, WorkCalendar(), "370671受〔2026〕00013号", date(2026, 12, 1), clerk)
    food.terminate_if_overdue(Context("370671", system_actor("intake"),
                                      datetime(2026, 12, 2, 2, 0, tzinfo=UTC)))
    other = WindowCase.open(uuid5(UUID(int=0), "other"), "37067120261126C4D5E6", gt, WANG,
                            "online", clerk)
    other.reject("经营场所位于青岛市崂山区，不属于市南区管辖", "青岛市崂山区行政审批服务局", clerk)
    late = WindowCase.open(uuid5(UUID(int=0), "late"), "37067120261126D7E8F9", sp, HAIAN,
                           "pickup_at_window", clerk)
    late.submit([HandedOver(material_code=m.code) for m in sp.materials
                 if "平面图" not in m.name], sp, clerk)
    late.verify_identity("legal_representative", "id_card_reader", clerk)
    late.accept_tolerantly(sp, WorkCalendar(), "370671受〔2026〕00014号", date(2026, 12, 1), clerk)
    late.deliver_promised([HandedOver(material_code=c) for c in late.pending], sp, clerk)
    route_a.start_retention(completed[-1], 3650, routing)
    route_a.record_removed([LICENCE_SCAN.sha256], Context(
        "370671", system_actor("routing"), datetime(2036, 11, 27, 2, 0, tzinfo=UTC)))
    routed += route_a.collect_events()
    joint = joint_story(catalogue.matters["370671GA0002"], clerk)
    delivered = delivery_story([*taken_in, *completed], approved)
    return [*visit.collect_events(), *taken_in, *completed, *joint, *routed, *admitted, *decided,
            *result.collect_events(), *delivered,
            *archive.collect_events(), *food.collect_events(), *other.collect_events(),
            *late.collect_events()]


def one_of_each() -> dict[str, DomainEvent]:
    chosen: dict[str, DomainEvent] = {}
    for event in story_events():
        if event.published:
            chosen.setdefault(event.type_key(), event)
    return chosen


def write_missing() -> list[Path]:
    written = []
    for key, event in one_of_each().items():
        path = SAMPLES / f"{key}.json"
        if not path.exists():
            path.write_text(json.dumps(event.model_dump(mode="json"), ensure_ascii=False,
                                       indent=2) + "\n", encoding="utf-8")
            written.append(path)
    return written



def clock_story(admitted: DomainEvent, approver: Context) -> list[DomainEvent]:
    """Qingdao's approver asks for a supplement, holds an on-site inspection, extends the limit;
    the clock warns, then finds the case late."""
    calendar = WorkCalendar()
    case = ApprovalCase.receive(admitted, approver, calendar)  # type: ignore[arg-type]
    case.claim(approver)
    case.request_supplement(["新经营场所租赁合同需加盖出租方公章"], approver)
    later = Context("370202", approver.actor, datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
    case.resume(calendar, later)
    case.start_special_procedure("inspection", 3, "需现场核查经营场所，约需3个工作日", later)
    case.end_special_procedure("现场核查合格", calendar, Context(
        "370202", approver.actor, datetime(2026, 12, 3, 2, 0, tzinfo=UTC)))
    case.extend(5, "现场核查发现需补充消防意见", "370202-H01", calendar, later)
    case.tick(calendar, 2, Context("370202", system_actor("approval"),
                                   datetime(2027, 2, 1, 2, 0, tzinfo=UTC)))
    events = case.collect_events()[2:]
    winter = admitted.model_copy(update={"accepted_on": date(2026, 12, 21), "promised_days": 20})
    provisional = ApprovalCase.receive(winter, approver, calendar)  # type: ignore[arg-type]
    provisional.tick(WorkCalendar(holidays=[date(2027, 1, 18)], configured_years=[2027]), 2,
                     Context("370202", system_actor("approval"),
                             datetime(2026, 12, 22, 2, 0, tzinfo=UTC)))
    return events + provisional.collect_events()[1:]


LIU = Person(name="刘洋", id_number="110108198501010011", phone="13701011234")


def joint_story(matter, clerk: Context) -> list[DomainEvent]:  # type: ignore[no-untyped-def]
    """刘洋 moves his family's household registrations from Beijing and Qingdao to Yantai."""
    case = WindowCase.open(uuid5(UUID(int=0), "liu"), "37067120261126B7C8D9", matter, LIU,
                           "pickup_at_window", clerk)
    case.submit([HandedOver(material_code=m.code) for m in matter.materials], matter, clerk)
    case.verify_identity("applicant", "id_card_reader", clerk)
    case.accept(matter, WorkCalendar(), "370671受〔2026〕00015号", clerk)
    accepted = case.collect_events()[-1]
    coordinator = RoutedCase.route(accepted, matter, _ctx("370671", system_actor("routing")))  # type: ignore[arg-type]
    coordinator.schedule_session(datetime(2026, 11, 30, 6, 0, tzinfo=UTC),
                                 "https://meeting.example.gov.cn/tb/37067120261126B7C8D9", clerk)
    coordinator.record_session("三地确认材料齐全，各自按时限办理本地部分。", clerk)
    coordinated = coordinator.collect_events()
    routed = coordinated[0]
    beijing = Actor(staff_id="110108-A02", role="approver")
    part = ApprovalCase.receive(RoutedCase.admit(routed, _ctx("110108", system_actor(  # type: ignore[arg-type]
        "routing"))).collect_events()[0], _ctx("110108", system_actor("approval")), WorkCalendar())  # type: ignore[arg-type]
    part.claim(_ctx("110108", beijing))
    part.decide_part(True, "准予迁出", _ctx("110108", beijing))
    decided = part.collect_events()
    coordinator.take_note(decided[-1], _ctx("370671", system_actor("routing")))
    coordinator.supervise_silent_parts(Context("370671", system_actor("routing"),
                                               datetime(2026, 12, 14, 2, 0, tzinfo=UTC)))
    denial = decided[-1].model_copy(update={"part_site": "370202", "approved": False,
                                            "reason": "随迁子女户口簿信息与出生医学证明不一致"})
    coordinator.take_note(denial, _ctx("370671", system_actor("routing")))
    return [*coordinated, *coordinator.collect_events(), *decided]


def delivery_story(window_events: list[DomainEvent], approved: DomainEvent) -> list[DomainEvent]:
    """Qingdao mails 王强's new licence to the Yantai window, where it waits, is collected with
    his ID card, and he rates the service; a change of mind that came too late; a licence
    mailed home, returned and mailed again; a result without paper explained."""
    qingdao, yantai = _ctx("370202", system_actor("delivery")), _ctx("370671", system_actor(
        "delivery"))
    mailroom = _ctx("370202", Actor(staff_id="370202-D02", role="delivery"))
    window = _ctx("370671", Actor(staff_id="370671-W01", role="window"))
    calendar, home = WorkCalendar(), "山东省烟台市芝罘区南大街88号3单元502室"

    def noted(case: DeliveryCase, events: list[DomainEvent], ctx: Context) -> None:
        for event in events:
            if event.published and DeliveryCase.learns(event):
                case.note(event, event.model_dump_json().encode(), ctx)

    paper = approved.model_copy(update={"delivery_channel": "pickup_at_window"})
    b = DeliveryCase(approved.case_id)
    noted(b, [paper], qingdao)
    b.issue(paper, qingdao)  # type: ignore[arg-type]
    a = DeliveryCase(approved.case_id)
    issued = [e for e in b.collect_events() if e.published]
    noted(a, [*window_events, *issued], yantai)
    a.change_choice("mail_to_applicant", home, ["mail_to_applicant"], "370202", window)
    b.mail("window", "中国邮政EMS", "1187654329901", "山东省烟台市高新区航天路101号", mailroom)
    change = a.collect_events()
    noted(b, change, qingdao)
    b.answer_choice_change(change[-1], qingdao)  # type: ignore[arg-type]
    sent = b.collect_events()
    noted(a, sent, yantai)
    sent = [*sent, *change]
    a.record_arrival("1187654329901", True, "", window)
    a.watch_collection(calendar, 5, 10, Context("370671", system_actor("delivery"),
                                                datetime(2026, 12, 14, 2, 0, tzinfo=UTC)))
    a.hand_over(WANG.id_number, "身份证读卡器", window)
    a.rate_matter(WANG.id_number, 4, 2, "窗口没有告知邮寄需要多长时间",
                  Units("烟台高新区政务服务中心跨域通办窗口", "青岛市市南区市场监督管理局"), calendar,
                  RatingRules(5, 1, 5), window)
    rating_id = next(iter(a.reviews))
    a.call_back(rating_id, True, True, "属实：未告知邮寄时长", window)
    a.appeal(rating_id, "已在公示栏告知", calendar, 5, window)
    a.decide_appeal(rating_id, False, "公示不能代替当面告知，申诉不成立",
                    _ctx("370671", Actor(staff_id="370671-S01", role="supervisor")))
    a.resolve(rating_id, "rectification", "修改窗口告知模板", calendar, 5, window)
    a.flag_late_reviews(Context("370671", system_actor("delivery"),
                                datetime(2026, 12, 14, 2, 0, tzinfo=UTC)))
    a.complete_rectification(rating_id, "告知模板已修改并培训", window)
    mailed = approved.model_copy(update={"delivery_channel": "mail_to_applicant"})
    c = DeliveryCase(approved.case_id)
    noted(c, [mailed], qingdao)
    c.issue(mailed, qingdao)  # type: ignore[arg-type]
    c.mail("applicant", "顺丰速运", "SF1400012345678", "山东省烟台市芝罘区南大街8号", mailroom)
    c.record_returned("SF1400012345678", "地址不详，收件人电话无人接听", mailroom)
    c.mail("applicant", "顺丰速运", "SF1400012399999", home, mailroom)
    c.record_delivered("SF1400012399999", "王强", mailroom)
    plain = approved.model_copy(update={"result_type": "none"})
    d = DeliveryCase(approved.case_id)
    noted(d, [*window_events, plain], yantai)
    noted(d, [ResultIssued.model_validate(
        {**issued[0].model_dump(), "result_type": "none"})], yantai)
    d.explain_form("备案信息登记于国家医保信息平台", "国家医保服务平台APP", window)
    return [*issued, *sent, *a.collect_events(), *c.collect_events(), *d.collect_events()]


if __name__ == "__main__":
    for path in write_missing():
        print(path, file=sys.stderr)
