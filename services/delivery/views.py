"""What staff see of delivery and evaluation: a case's result and its custody step by step,
the work lists, and ratings — with the evaluator shown only to those who must act."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from contracts.base import Actor, DomainEvent
from contracts.evaluation import LEVELS_ZH, ServiceRated
from services.delivery.domain.case import DeliveryCase
from services.delivery.domain.errors import CHANNEL_ZH
from services.delivery.domain.review import REVIEWER_ROLE, STATUS_ZH, BadReview

STATUS_OF_RESULT_ZH = {
    "awaiting_result": "待出具结果", "awaiting_dispatch": "待寄出", "returned": "邮件已退回，待重新寄出",
    "mailed": "邮寄中", "mailed_to_window": "寄往受理地窗口", "at_window": "已到窗口，待领取",
    "awaiting_explanation": "待窗口告知结果形式", "pushed_online": "已网上推送",
    "delivered": "已妥投", "collected": "已领取", "explained": "已告知结果形式",
}


def result_status(case: DeliveryCase) -> str:
    reached = {"handed": "collected", "explained": "explained", "delivered": "delivered",
               "pushed": "pushed_online"}
    for attribute, status in reached.items():
        if getattr(case, attribute) is not None:
            return status
    if case.arrived is not None:
        return "at_window"
    if (parcel := case.outstanding) is not None:
        return "mailed" if parcel.recipient == "applicant" else "mailed_to_window"
    if case.result is None:
        return "awaiting_result"
    if case.result.result_type == "none":
        return "awaiting_explanation"
    return "returned" if case.returned else "awaiting_dispatch"


def masked_name(name: object) -> str:
    """A person's name as a read table keeps it: the surname, then stars (a Withheld name
    reads as what it is)."""
    text = str(name)
    return text if not text or text.startswith("（") or text == "已销毁" else (
        text[0] + "*" * (len(text) - 1))


def custody(case: DeliveryCase, masked: bool = False) -> list[dict[str, Any]]:
    """Every step of the result's way, in the order it happened, at whichever site; `masked`:
    names as a read table keeps them."""
    name = masked_name if masked else str
    steps: list[tuple[DomainEvent, str, str]] = []
    if case.result is not None:
        steps.append((case.result, "出具结果", case.result.document_number))
    if case.pushed is not None:
        steps.append((case.pushed, "网上推送", case.pushed.notice))
    for parcel in case.mailings.values():
        to = "申请人" if parcel.recipient == "applicant" else "受理地窗口"
        steps.append((parcel, f"寄往{to}", (f"{parcel.carrier} {parcel.tracking_number}，"
                                          f"收件人 {name(parcel.addressee)}")))
    for returned in case.returned.values():
        steps.append((returned, "邮件退回", f"{returned.tracking_number}：{returned.reason}"))
    if case.delivered is not None:
        steps.append((case.delivered, "妥投签收", f"签收人 {name(case.delivered.signed_by)}"))
    if case.arrived is not None:
        state = "完好" if case.arrived.intact else "有破损"
        steps.append((case.arrived, "窗口签收", (f"{case.arrived.tracking_number} {state}"
                                             f"{'，' + case.arrived.note if case.arrived.note else ''}")))
    if case.handed is not None:
        steps.append((case.handed, "申请人领取", (f"{name(case.handed.collector_name)} 核验身份"
                                               f"（{case.handed.identity_method}）后签收")))
    if case.explained is not None:
        steps.append((case.explained, "告知结果形式", (f"{case.explained.form}；"
                                                    f"查询：{case.explained.lookup_at}")))
    steps.sort(key=lambda s: s[0].occurred_at)
    return [{"step": name, "site": e.acting_site, "by": e.actor.staff_id,
             "at": e.occurred_at.isoformat(), "detail": detail} for e, name, detail in steps]


def case_view(case: DeliveryCase, masked: bool = False) -> dict[str, Any]:
    result = case.result
    status = result_status(case)
    return {
        "case_id": str(case.id), "case_number": case.case_number, "matter_name": case.matter_name,
        "receiving_site": case.receiving_site, "business_site": case.business_site,
        "channel": case.choice, "channel_zh": CHANNEL_ZH[case.choice],
        "result": None if result is None else {
            "result_type": result.result_type, "document_number": result.document_number,
            "holder_name": masked_name(result.holder_name) if masked
            else str(result.holder_name),
            "valid_until": result.valid_until.isoformat() if result.valid_until else None},
        "status": status, "status_zh": STATUS_OF_RESULT_ZH[status],
        "ended_on": case.ended_on.isoformat() if case.ended_on else None,  # rate the matter from
        "custody": custody(case, masked),
        "late_changes": [{"channel": c.channel, "reason": f"变更未生效：{c.dispatched}"}
                         for c in case.late_changes],
    }


def rating_view(rating: ServiceRated, case: DeliveryCase) -> dict[str, Any]:
    """A rating as anyone may see it: no evaluator."""
    review = case.reviews.get(rating.event_id)
    return {
        "rating_id": str(rating.event_id), "case_number": rating.case_number,
        "scope": rating.scope, "service_day": rating.service_day.isoformat(),
        "unit": rating.unit, "rated_site": rating.rated_site,
        "rated_unit_name": rating.rated_unit_name, "served_by": rating.served_by,
        "level": rating.level, "level_zh": LEVELS_ZH[rating.level], "comment": rating.comment,
        "review_status": review.status if review else None,
    }


def review_view(case: DeliveryCase, rating_id: UUID, viewer: Actor) -> dict[str, Any]:
    return shown_to(review_record(case, rating_id), viewer)


def review_record(case: DeliveryCase, rating_id: UUID) -> dict[str, Any]:
    """A bad rating's follow-up with its evaluator, as the read table keeps it: staff see it
    through `shown_to`."""
    review = case.review(rating_id)
    rating = case.ratings[rating_id]
    return {
        **rating_view(rating, case), "case_id": str(case.id),
        "owner": review.opened.owner, "status": review.status,
        "status_zh": STATUS_ZH[review.status],
        "evaluator": rating.evaluator.model_dump(mode="json"),
        "deadlines": deadlines(review), "overdue": sorted(review.overdue),
        "steps": steps(review),
    }


def kept_record(case: DeliveryCase, rating_id: UUID) -> dict[str, Any]:
    """A follow-up as the read table keeps it: the evaluator masked (their owner reads them
    in full on the follow-up, from the case)."""
    record = review_record(case, rating_id)
    evaluator = record["evaluator"]
    phone = str(evaluator.get("phone", ""))
    return {**record, "evaluator": {"name": masked_name(evaluator.get("name", "")),
                                    "phone": f"{phone[:3]}****{phone[-4:]}" if phone else ""}}


def sees_evaluator(record: dict[str, Any], viewer: Actor) -> bool:
    return viewer.staff_id == record["owner"] or viewer.role == REVIEWER_ROLE


def shown_to(record: dict[str, Any], viewer: Actor) -> dict[str, Any]:
    """The evaluator only for the follow-up's owner and supervisors."""
    if sees_evaluator(record, viewer):
        return record
    return {**record, "evaluator": "（评价人信息保密）"}


def deadlines(review: BadReview) -> dict[str, str | None]:
    resolution, appeal = review.resolution, review.appeal
    return {
        "callback_due": review.opened.callback_due.isoformat(),
        "rectify_by": resolution.rectify_by.isoformat() if resolution and resolution.rectify_by
        else None,
        "appeal_decide_by": appeal.decide_by.isoformat() if appeal else None,
    }


def steps(review: BadReview) -> list[dict[str, Any]]:
    events: list[DomainEvent | None] = [review.callback, review.appeal, review.appeal_decision,
                                        review.resolution, review.rectified]
    return sorted(({"event": e.name, "by": e.actor.staff_id, "at": e.occurred_at.isoformat(),
                    **e.model_dump(mode="json", exclude=set(DomainEvent.model_fields) | {
                        "rating_id"})}
                   for e in events if e is not None), key=lambda s: s["at"])


def ratings_summary(by_level: dict[int, int]) -> dict[str, Any]:
    """Counts by level and the satisfaction rate (levels 1–3), of ratings not voided."""
    count = sum(by_level.values())
    good = sum(n for level, n in by_level.items() if level <= 3)
    return {"count": count,
            "by_level": {LEVELS_ZH[n]: by_level.get(n, 0) for n in LEVELS_ZH},
            "satisfaction": round(good / count, 4) if count else None}
