"""The case at the receiving window: taken in (收件), reviewed, then exactly one decision —
one-time notice (一次性告知), acceptance (受理), tolerant acceptance (容缺受理, with a promise),
or non-acceptance (不予受理) — and, later, completion (办结) or termination."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self
from uuid import UUID

from contracts.files import FileRef, MaterialFileAttached
from contracts.identity import Applicant, Company
from contracts.intake import (
    BusinessSupplementRequested,
    CaseAccepted,
    CaseCompleted,
    CaseOpened,
    CaseRejected,
    CaseTerminated,
    CommitmentSigned,
    CorrectionNoticeIssued,
    Defect,
    DeliveryChannel,
    ExtensionNotified,
    FeeGuidanceGiven,
    FeeItem,
    IdentityVerified,
    MaterialsSubmitted,
    PromisedMaterialsDelivered,
    ProxyServiceAuthorized,
    SubmittedItem,
    SupplementForwarded,
)
from services.directory import Material, Matter
from services.intake.domain import errors
from services.intake.domain.inputs import HandedOver, NamedDefect
from services.intake.domain.state import WindowCaseState
from services.runtime.aggregate import Context
from services.runtime.workdays import WorkCalendar, china_date

COMMITMENT_STATEMENT = ("本人已知晓告知的证明义务和全部内容，所填写的信息真实、准确；如有虚假承诺，"
                        "愿意承担相应法律责任，并接受终止办理、撤销决定及信用惩戒等处理。")


class WindowCase(WindowCaseState):
    @classmethod
    def open(cls, case_id: UUID, case_number: str, matter: Matter, applicant: Applicant,
             delivery_channel: DeliveryChannel, ctx: Context) -> Self:
        if delivery_channel not in matter.delivery_options:
            raise errors.DeliveryNotOffered(delivery_channel)
        case = cls(case_id)
        case._trigger(
            CaseOpened, ctx, case_number=case_number, matter_code=matter.code,
            matter_name=matter.name, handling_mode=matter.handling_mode, applicant=applicant,
            receiving_site=ctx.site, delivery_channel=delivery_channel,
            owner_staff_id=ctx.actor.staff_id,
        )
        return case

    # -- taking in --------------------------------------------------------------------------

    def authorize_proxy(self, kind: Literal["assisted", "proxy"], mandate_number: str | None,
                        ctx: Context) -> None:
        self.check_undecided()
        if kind == "proxy" and not mandate_number:
            raise errors.MandateRequired()
        self._trigger(ProxyServiceAuthorized, ctx, kind=kind, mandate_number=mandate_number,
                      staff_id=ctx.actor.staff_id)

    def submit(self, items: list[HandedOver], matter: Matter, ctx: Context) -> None:
        self.check_undecided()
        if self.notice_open:
            raise errors.OneTimeNoticeOpen()
        self._trigger(MaterialsSubmitted, ctx, items=self._items(items, matter))

    def supplement(self, items: list[HandedOver], matter: Matter, ctx: Context) -> None:
        self.check_undecided()
        if not self.notice_open:
            raise errors.NoOpenNotice()
        self._trigger(MaterialsSubmitted, ctx, items=self._items(items, matter),
                      supplement_to_notice=len(self.notices))

    def verify_identity(self, subject: Literal["applicant", "legal_representative", "agent"],
                        method: Literal["id_card_reader", "face_match", "document_check"],
                        ctx: Context) -> None:
        self.check_undecided()
        self._trigger(IdentityVerified, ctx, subject=subject, person_name=self._name_of(subject),
                      method=method)

    def give_fee_guidance(self, matter: Matter, ctx: Context) -> None:
        if self.status in ("rejected", "terminated"):
            raise errors.CaseAlreadyDecided(self.status_zh)
        fees = [FeeItem(**fee.model_dump()) for fee in matter.fees]
        self._trigger(FeeGuidanceGiven, ctx, fees=fees)

    # -- the decision at the window ---------------------------------------------------------

    def issue_notice(self, defects: list[NamedDefect], reply_by: date | None, matter: Matter,
                     ctx: Context) -> None:
        """The one-time notice names every defect at once; a later notice may only name what
        the supplement itself introduced."""
        self.check_undecided()
        if self.notice_open:
            raise errors.OneTimeNoticeOpen()
        named = [Defect(material_code=d.material_code, name=self._material(d.material_code,
                        matter).name, problem=d.problem, detail=d.detail) for d in defects]
        if self.notices:
            old = [d.name for d in named if d.material_code not in self.supplied_since_notice]
            if old:
                raise errors.OldDefectInLaterNotice(old)
        self._trigger(CorrectionNoticeIssued, ctx, notice_number=len(self.notices) + 1,
                      defects=named, reply_by=reply_by)

    def sign_commitment(self, codes: list[str], signed_by: str, matter: Matter,
                        ctx: Context) -> None:
        self.check_undecided()
        if not matter.commitment_allowed:
            raise errors.CommitmentNotAllowed("该事项未实行告知承诺制")
        for code in codes:
            material = self._material(code, matter)
            if not material.commitment_replaces:
                raise errors.CommitmentNotAllowed(f"“{material.name}”不能以承诺代替")
        self._trigger(CommitmentSigned, ctx, material_codes=codes, signed_by=signed_by,
                      statement=COMMITMENT_STATEMENT)

    def accept(self, matter: Matter, calendar: WorkCalendar, acceptance_number: str,
               ctx: Context) -> None:
        self.check_can_decide()
        missing = self.unsatisfied(matter)
        if missing:
            raise errors.MaterialsIncomplete(m.name for m in missing)
        self._accept(matter, calendar, acceptance_number, ctx, pending=[], due=None)

    def accept_tolerantly(self, matter: Matter, calendar: WorkCalendar, acceptance_number: str,
                          due: date, ctx: Context) -> None:
        """容缺受理: only where the catalogue allows it, only for non-key materials, and with a
        due date within the promised limit."""
        self.check_can_decide()
        if not matter.tolerant_acceptance:
            raise errors.TolerantAcceptanceNotAllowed()
        missing = self.unsatisfied(matter)
        if not missing:
            raise errors.NothingMissing()
        if any(m.key for m in missing):
            raise errors.KeyMaterialMissing(m.name for m in missing if m.key)
        today = china_date(ctx.at)
        latest = calendar.add(today, matter.promised_days)
        if not today < due <= latest:
            raise errors.PromiseDueOutOfRange(latest)
        self._accept(matter, calendar, acceptance_number, ctx,
                     pending=[m.code for m in missing], due=due)

    def reject(self, reason: str, apply_instead: str | None, ctx: Context) -> None:
        self.check_undecided()
        self._trigger(CaseRejected, ctx, reason=reason, apply_instead=apply_instead)

    # -- after acceptance -------------------------------------------------------------------

    def deliver_promised(self, items: list[HandedOver], matter: Matter, ctx: Context) -> None:
        if self.status != "accepted":
            raise errors.CaseNotAccepted()
        not_promised = [i.material_code for i in items if i.material_code not in self.pending]
        if not_promised:
            raise errors.NotPromised(not_promised)
        delivered = self._items(items, matter)
        self._trigger(PromisedMaterialsDelivered, ctx, items=delivered,
                      all_delivered=self.pending <= {i.material_code for i in delivered})

    def relay_supplement_request(self, from_site: str, items: list[str], ctx: Context) -> None:
        if self.status != "accepted":
            raise errors.CaseNotAccepted()
        self._trigger(BusinessSupplementRequested, ctx, requested_by_site=from_site, items=items)

    def notify_extension(self, from_site: str, extra_days: int, reason: str, due: date,
                         ctx: Context) -> None:
        if self.status == "accepted":
            self._trigger(ExtensionNotified, ctx, extended_by_site=from_site,
                          extra_days=extra_days, reason=reason, due_date=due)

    def forward_supplement(self, items: list[HandedOver], matter: Matter, ctx: Context) -> None:
        """The applicant brought what the business site asked for; it goes on by the exchange."""
        if self.supplement_request is None:
            raise errors.NoOpenNotice()
        self._trigger(SupplementForwarded, ctx, to_site=self.supplement_request.requested_by_site,
                      items=self._items(items, matter))

    def terminate_if_overdue(self, ctx: Context) -> bool:
        """Fired by the clock: a promise not kept by its due date ends the case."""
        due = self.accepted.promise_due if self.accepted else None
        if self.status != "accepted" or not self.pending or due is None:
            return False
        if china_date(ctx.at) <= due:
            return False
        self._trigger(CaseTerminated, ctx, reason=f"容缺受理承诺的材料未在 {due} 前补齐",
                      missing_materials=sorted(self.pending))
        return True

    def complete(self, business_site: str, ctx: Context,
                 outcome: Literal["approved", "denied"] = "approved") -> None:
        """Idempotent: a result or a denial reported twice completes the case once."""
        if self.status == "completed":
            return
        if self.status != "accepted":
            raise errors.CaseNotAccepted()
        self._trigger(CaseCompleted, ctx, business_site=business_site,
                      delivery_channel=self.opened.delivery_channel, outcome=outcome)

    # -- guards and helpers -----------------------------------------------------------------

    def attach_file(self, file: FileRef, matter: Matter, ctx: Context) -> None:
        """A scan or electronic file of one of the matter's materials, before the decision."""
        self.check_can_attach(file.material_code, matter)
        if file.sha256 in self.files:
            return  # the same bytes again: stored once, named once
        self._trigger(MaterialFileAttached, ctx, file=file)

    def check_can_attach(self, material_code: str, matter: Matter) -> None:
        self.check_undecided()
        self._material(material_code, matter)

    def check_undecided(self) -> None:
        if self.status not in ("opened", "awaiting_supplement"):
            raise errors.CaseAlreadyDecided(self.status_zh)

    def check_can_decide(self) -> None:
        self.check_undecided()
        if self.notice_open:
            raise errors.OneTimeNoticeOpen()
        if not self.identities:
            raise errors.IdentityNotVerified()

    def unsatisfied(self, matter: Matter) -> list[Material]:
        """Materials neither handed over nor replaced by a signed commitment."""
        committed = set(self.commitment.material_codes) if self.commitment else set()
        return [m for m in matter.materials
                if m.code not in self.submitted and m.code not in committed
                and (m.only_when != "agent" or self.acts_through_agent)]

    @property
    def acts_through_agent(self) -> bool:
        applicant = self.opened.applicant
        on_mandate = self.proxy is not None and self.proxy.kind == "proxy"
        return on_mandate or (isinstance(applicant, Company) and applicant.agent is not None)

    def _accept(self, matter: Matter, calendar: WorkCalendar, acceptance_number: str,
                ctx: Context, pending: list[str], due: date | None) -> None:
        o = self.opened
        paper = [] if o.handling_mode == "online" else [
            i for i in self.submitted.values() if i.form == "original"]
        self._trigger(
            CaseAccepted, ctx, matter_code=o.matter_code, matter_name=o.matter_name,
            handling_mode=o.handling_mode, applicant=o.applicant,
            receiving_site=o.receiving_site, delivery_channel=o.delivery_channel,
            acceptance_number=acceptance_number, case_type=matter.case_type,
            promised_days=matter.promised_days,
            promised_date=calendar.add(china_date(ctx.at), matter.promised_days),
            paper_items=paper, pending_materials=pending, promise_due=due,
            committed_materials=self.commitment.material_codes if self.commitment else [],
            files=list(self.files.values()),
        )

    def _items(self, items: list[HandedOver], matter: Matter) -> list[SubmittedItem]:
        online = self.opened.handling_mode == "online"
        return [SubmittedItem(
            material_code=i.material_code, name=(m := self._material(i.material_code, matter)).name,
            form="electronic" if online else (i.form or m.form), copies=i.copies, pages=i.pages,
        ) for i in items]

    @staticmethod
    def _material(code: str, matter: Matter) -> Material:
        material = matter.material(code)
        if material is None:
            raise errors.UnknownMaterial(code, matter.name)
        return material

    def _name_of(self, subject: str) -> str:
        applicant = self.opened.applicant
        if subject == "applicant" and not isinstance(applicant, Company):
            return applicant.name
        if isinstance(applicant, Company):
            if subject == "legal_representative":
                return applicant.legal_representative
            if subject == "agent" and applicant.agent is not None:
                return applicant.agent.name
        raise errors.WrongIdentitySubject(subject)

