"""The business site's part: issue the result of an approved case, then send it the way the
applicant chose — pushed online, or mailed to the applicant or to the receiving window — and
record what the carrier reports back."""

from __future__ import annotations

from contracts.approval import CaseApproved
from contracts.delivery import (
    DeliveryChoiceChanged,
    DeliveryChoiceTooLate,
    MailDelivered,
    MailReturned,
    Recipient,
    ResultIssued,
    ResultMailed,
    ResultPushedOnline,
)
from services.delivery.domain import errors
from services.delivery.domain.errors import CHANNEL_ZH
from services.delivery.domain.facts import DeliveryFacts
from services.runtime.aggregate import Context
from services.runtime.printing import mask_phone, zh_time

E_LICENCE_LOOKUP = "全国一体化政务服务平台电子证照库（“爱山东”APP“我的证照”）"
RECIPIENT_OF = {"mail_to_applicant": "applicant", "pickup_at_window": "window"}


class Dispatch(DeliveryFacts):
    def issue(self, approved: CaseApproved, ctx: Context) -> None:
        """Once per case: the result carries the approver's decision and number."""
        if self.result is not None:
            return
        self._trigger(
            ResultIssued, ctx, case_number=approved.case_number,
            result_type=approved.result_type, document_number=approved.document_number,
            holder_name=approved.holder_name, valid_until=approved.valid_until,
            receiving_site=approved.receiving_site,
        )
        self.push_if_online(ctx)

    def push_if_online(self, ctx: Context) -> None:
        """An electronic result goes out at once to an applicant who chose online delivery."""
        result = self.result
        if (result is None or result.result_type == "none" or self.choice != "online"
                or self.dispatched is not None):
            return
        phone = mask_phone(self.applicant.phone) if self.applicant else ""
        self._trigger(
            ResultPushedOnline, ctx, document_number=result.document_number,
            receiving_site=result.receiving_site, notified_at=ctx.at,
            notice=f"已于 {zh_time(ctx.at)} 短信通知 {phone}：{self.matter_name}办理结果已推送",
            lookup_at=E_LICENCE_LOOKUP,
        )

    def answer_choice_change(self, change: DeliveryChoiceChanged, ctx: Context) -> None:
        """A change the window recorded reached us: too late once the result went out,
        otherwise it stands (and an online choice is served at once)."""
        if self.change_refused is not None:
            self._trigger(DeliveryChoiceTooLate, ctx, channel=change.channel,
                          dispatched=self.change_refused, receiving_site=self.receiving_site)
        else:
            self.push_if_online(ctx)

    def mail(self, recipient: Recipient, carrier: str, tracking_number: str, address: str,
             ctx: Context) -> None:
        result = self.result
        if result is None:
            raise errors.NoResultYet()
        if result.result_type == "none":
            raise errors.NoPaperResult()
        if RECIPIENT_OF.get(self.choice) != recipient:
            raise errors.WrongChannel(CHANNEL_ZH[self.choice])
        if self.dispatched is not None or self.delivered is not None:
            raise errors.AlreadyDispatched(self.dispatched or "已送达")
        if len(address) < 4:
            raise errors.AddressMissing()
        if tracking_number in self.mailings:
            raise errors.ParcelAlreadySettled(tracking_number, "用过")
        self._trigger(ResultMailed, ctx, recipient=recipient, to_site=self.receiving_site,
                      carrier=carrier, tracking_number=tracking_number, address=address,
                      addressee=result.holder_name if recipient == "applicant"
                      else "受理地跨域通办窗口")

    def record_delivered(self, tracking_number: str, signed_by: str, ctx: Context) -> None:
        parcel = self._parcel_to_applicant(tracking_number)
        self._trigger(MailDelivered, ctx, tracking_number=parcel.tracking_number,
                      signed_by=signed_by, signed_at=ctx.at, receiving_site=self.receiving_site)

    def record_returned(self, tracking_number: str, reason: str, ctx: Context) -> None:
        """退件: the result is back here; it may be mailed again once the applicant is reached."""
        parcel = self._parcel_to_applicant(tracking_number)
        self._trigger(MailReturned, ctx, tracking_number=parcel.tracking_number, reason=reason,
                      receiving_site=self.receiving_site)

    def _parcel_to_applicant(self, tracking_number: str) -> ResultMailed:
        parcel = self.mailings.get(tracking_number)
        if parcel is None or parcel.recipient != "applicant":
            raise errors.UnknownParcel(tracking_number)
        if tracking_number in self.returned:
            raise errors.ParcelAlreadySettled(tracking_number, "退回")
        if self.delivered is not None:
            raise errors.ParcelAlreadySettled(tracking_number, "妥投")
        return parcel
