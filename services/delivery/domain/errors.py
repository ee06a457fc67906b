"""Refusals of delivery and evaluation commands, worded for the staff and applicants who read them."""

from __future__ import annotations

from services.runtime.aggregate import DomainError
from services.runtime.misses import CaseNumberUnknown

__all__ = ["CaseNumberUnknown"]  # the applicant's one answer to every miss, as at the window

CHANNEL_ZH = {"online": "网上送达", "mail_to_applicant": "邮寄给申请人",
              "pickup_at_window": "邮寄至受理地窗口领取"}


class NoResultYet(DomainError):
    field = "case"

    def __init__(self) -> None:
        super().__init__("该办件尚未出具办理结果")


class NoPaperResult(DomainError):
    field = "recipient"

    def __init__(self) -> None:
        super().__init__("该事项无证照或文书，由受理地窗口告知结果形式和查询方式")


class AlreadyDispatched(DomainError):
    field = "channel"

    def __init__(self, how: str) -> None:
        super().__init__(f"办理结果已送出（{how}），不能再变更送达方式")


class WrongChannel(DomainError):
    field = "recipient"

    def __init__(self, chosen: str) -> None:
        super().__init__(f"申请人选择的送达方式为“{chosen}”")


class UnknownParcel(DomainError):
    status = 404
    field = "tracking_number"

    def __init__(self, tracking_number: str) -> None:
        super().__init__(f"本办件没有运单号为 {tracking_number} 的结果邮件")


class ParcelAlreadySettled(DomainError):
    field = "tracking_number"

    def __init__(self, tracking_number: str, how: str) -> None:
        super().__init__(f"运单 {tracking_number} 已{how}")


class NotAtWindow(DomainError):
    field = "case"

    def __init__(self) -> None:
        super().__init__("办理结果尚未到达本窗口")


class AlreadyCollected(DomainError):
    field = "case"

    def __init__(self, who: str, at: str) -> None:
        super().__init__(f"办理结果已于 {at} 由 {who} 领取，不能重复领取")


class IdentityMismatch(DomainError):
    status = 403
    field = "id_number"

    def __init__(self) -> None:
        super().__init__("证件号码与申请人（或其法定代表人、受托人）不符，不能领取")


class NothingToExplain(DomainError):
    field = "case"

    def __init__(self) -> None:
        super().__init__("该办件的结果有证照或文书，应按送达方式送达")


class NoSuchVisit(DomainError):
    field = "visit_day"

    def __init__(self, day: object) -> None:
        super().__init__(f"{day} 没有本办件的窗口服务记录")


class AlreadyRated(DomainError):
    field = "scope"

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}已评价过，每次服务只能评价一次")


class RatingClosed(DomainError):
    field = "scope"

    def __init__(self, last_day: object) -> None:
        super().__init__(f"评价期限已于 {last_day} 届满")


class NotEnded(DomainError):
    field = "scope"

    def __init__(self) -> None:
        super().__init__("办件尚未办结，办结后方可对事项作出评价")


class UnknownRating(DomainError):
    status = 404
    field = "rating_id"

    def __init__(self) -> None:
        super().__init__("本办件没有这条差评")


class NotTheOwner(DomainError):
    status = 403
    field = "authorization"

    def __init__(self, owner: str) -> None:
        super().__init__(f"差评由经办人 {owner} 负责处理")


class NotAReviewer(DomainError):
    status = 403
    field = "authorization"

    def __init__(self) -> None:
        super().__init__("申诉复核须由监督岗（supervisor）作出")


class ReviewOutOfOrder(DomainError):
    field = "rating_id"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)


class SameChoice(DomainError):
    field = "channel"

    def __init__(self) -> None:
        super().__init__("与申请人当前选择的送达方式相同")


class AlreadyExplained(DomainError):
    field = "case"

    def __init__(self) -> None:
        super().__init__("已告知申请人结果形式和查询方式")


class AddressMissing(DomainError):
    status = 422
    field = "address"

    def __init__(self) -> None:
        super().__init__("邮寄给申请人须填写收件地址（申请人未在窗口留下地址）")


class ChannelNotOffered(DomainError):
    status = 422
    field = "channel"

    def __init__(self, channel: str) -> None:
        super().__init__(f"该事项不提供“{CHANNEL_ZH[channel]}”送达方式")


class NotYetAccepted(DomainError):
    field = "case"

    def __init__(self) -> None:
        super().__init__("办件受理后方可变更送达方式；受理前以收件时的选择为准")
