"""The rules of the window, each a named refusal shown to staff in Chinese."""

from __future__ import annotations

from collections.abc import Iterable

from services.runtime.aggregate import DomainError


class CaseAlreadyDecided(DomainError):
    def __init__(self, status: str) -> None:
        """`status` as staff read it: 已受理, 不予受理, 已终止, 已办结; 已 is said once."""
        super().__init__(f"该办件已{status.removeprefix('已')}，不能再作受理决定")


class OneTimeNoticeOpen(DomainError):
    def __init__(self) -> None:
        super().__init__("一次性告知尚未补正，不能作出决定或再次告知")


class NoOpenNotice(DomainError):
    def __init__(self) -> None:
        super().__init__("该办件没有待补正的一次性告知")


class OldDefectInLaterNotice(DomainError):
    """A defect that existed at the first review belonged in the one-time notice."""

    def __init__(self, names: Iterable[str]) -> None:
        super().__init__(f"首次审查时已存在的问题应一次性告知，不得再次告知：{'、'.join(names)}")


class UnknownMaterial(DomainError):
    status = 422
    field = "material_code"

    def __init__(self, code: str, matter_name: str) -> None:
        super().__init__(f"“{matter_name}”的材料清单中没有材料 {code}")


class IdentityNotVerified(DomainError):
    def __init__(self) -> None:
        super().__init__("尚未核验申请人身份，不能受理")


class WrongIdentitySubject(DomainError):
    status = 422
    field = "subject"

    def __init__(self, subject: str) -> None:
        super().__init__(f"该申请人没有可核验的“{subject}”")


class MaterialsIncomplete(DomainError):
    def __init__(self, names: Iterable[str]) -> None:
        super().__init__(f"材料不齐全，不能受理：{'、'.join(names)}")


class TolerantAcceptanceNotAllowed(DomainError):
    def __init__(self) -> None:
        super().__init__("该事项不适用容缺受理")


class NothingMissing(DomainError):
    def __init__(self) -> None:
        super().__init__("材料已齐全，应直接受理，无需容缺")


class KeyMaterialMissing(DomainError):
    def __init__(self, names: Iterable[str]) -> None:
        super().__init__(f"缺少要件，不能容缺受理：{'、'.join(names)}")


class PromiseDueOutOfRange(DomainError):
    status = 422
    field = "due_date"

    def __init__(self, latest: object) -> None:
        super().__init__(f"补齐期限应在今天之后、承诺时限之内（最迟 {latest}）")


class CommitmentNotAllowed(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"不适用告知承诺制：{detail}")


class NotPromised(DomainError):
    status = 422
    field = "items"

    def __init__(self, names: Iterable[str]) -> None:
        super().__init__(f"这些材料不在容缺承诺中：{'、'.join(names)}")


class CaseNotAccepted(DomainError):
    def __init__(self) -> None:
        super().__init__("该办件尚未受理")


class DeliveryNotOffered(DomainError):
    status = 422
    field = "delivery_channel"

    def __init__(self, channel: str) -> None:
        super().__init__(f"该事项不提供“{channel}”送达方式")


class MandateRequired(DomainError):
    status = 422
    field = "mandate_number"

    def __init__(self) -> None:
        super().__init__("代办须有申请人签署的委托书编号")
