"""送达回证: the proof that a paper result reached the person it was for — signed by them at
the receiving window, or by whoever took it from the carrier. Like every printed document it
depends on the case's events and the directory only, so a reprint is the same page."""

from __future__ import annotations

from contracts.delivery import ResultMailed
from services.delivery.domain.case import DeliveryCase
from services.directory import Directory
from services.runtime.aggregate import DomainError
from services.runtime.printing import china_day, fields, page, paragraph, zh_time

RESULT_ZH = {"licence": "证照", "document": "文书", "none": "办理结果"}


class NoPaperDelivery(DomainError):
    field = "document"

    def __init__(self) -> None:
        super().__init__("该办件尚无纸质送达记录，暂不能出具送达回证")


def delivery_receipt(case: DeliveryCase, directory: Directory) -> str:
    result = case.result
    if result is None or (case.handed is None and case.delivered is None):
        raise NoPaperDelivery()
    business = directory.sites.get(case.business_site)
    receiving = directory.sites.get(case.receiving_site)
    business_name = business.name if business else case.business_site
    parcel = _parcel(case)
    if case.handed is not None:
        signed = case.handed
        way, place = "直接送达（受理地窗口领取）", receiving.address if receiving else ""
        server = f"{receiving.hall if receiving else case.receiving_site}跨域通办窗口 {signed.actor.staff_id}"
        signer = f"{signed.collector_name}（已核验身份证件，{signed.identity_method}）"
        unit, day = (receiving.name if receiving else case.receiving_site), china_day(signed.occurred_at)
    else:
        assert case.delivered is not None
        signed = case.delivered
        way, place = "邮寄送达", parcel.address if parcel else ""
        server = f"{business_name} {parcel.actor.staff_id if parcel else ''}"
        signer = signed.signed_by
        unit, day = business_name, china_day(signed.signed_at)
    rows = [
        ("送达文书", f"{case.matter_name}{RESULT_ZH[result.result_type]}"),
        ("文书编号", result.document_number),
        ("受送达人", result.holder_name),
        ("作出机关", business_name),
        ("送达方式", way),
        ("送达地点", place),
        ("邮寄信息", f"{parcel.carrier} 运单号 {parcel.tracking_number}，"
                 f"{zh_time(parcel.occurred_at)} 寄出" if parcel else None),
        ("送达人", server),
        ("受送达人签收", signer),
        ("签收时间", zh_time(signed.occurred_at)),
    ]
    return page("送达回证", case.case_number, [
        fields(rows), paragraph("受送达人已收到上述文书，特此签收。")], unit, day)


def _parcel(case: DeliveryCase) -> ResultMailed | None:
    if case.arrived is not None:
        return case.mailings.get(case.arrived.tracking_number)
    if case.delivered is not None:
        return case.mailings.get(case.delivered.tracking_number)
    return None
