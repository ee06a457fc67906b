"""What one site's delivery knows of a case: what its own staff recorded, and what it learned
from the window (intake), the approver (approval) and the other party of the case.

The same event is `apply_` at the site that recorded it and `learn_` at the site it was
carried to, and both fold it the same way."""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts.approval import CaseApproved, CaseDenied, CaseReceived
from contracts.base import DomainEvent
from contracts.delivery import (
    Collector,
    DeliveryChoiceChanged,
    DeliveryChoiceTooLate,
    MailDelivered,
    MailReturned,
    ResultArrivedAtWindow,
    ResultFormExplained,
    ResultHandedToApplicant,
    ResultIssued,
    ResultMailed,
    ResultPushedOnline,
)
from contracts.identity import Applicant, Company
from contracts.intake import CaseCompleted, CaseOpened, DeliveryChannel
from services.runtime.aggregate import SYSTEM_ROLE
from services.runtime.noted import Learning
from services.runtime.workdays import china_date


class DeliveryFacts(Learning):
    def __init__(self, case_id: Any) -> None:
        super().__init__(case_id)
        self.applicant: Applicant | None = None
        self.receiving_site = ""
        self.business_site = ""
        self.department = ""
        self.matter_name = ""
        self.matter_code = ""
        self.window_owner = ""  # 首问负责: the clerk who opened the case
        self.decided_by = ""  # the approver whose decision the result carries
        self.choice: DeliveryChannel = "online"
        self.address: str | None = None
        self.visits: dict[date, str] = {}  # day served at the window → the clerk who served
        self.accepted = False  # at the receiving site: the case left for its business site
        self.ended_on: date | None = None
        self.result: ResultIssued | None = None
        self.pushed: ResultPushedOnline | None = None
        self.mailings: dict[str, ResultMailed] = {}
        self.delivered: MailDelivered | None = None
        self.returned: dict[str, MailReturned] = {}
        self.arrived: ResultArrivedAtWindow | None = None
        self.handed: ResultHandedToApplicant | None = None
        self.explained: ResultFormExplained | None = None
        self.late_changes: list[DeliveryChoiceTooLate] = []
        self.change_refused: str | None = None
        self.choice_changed = False

    @property
    def outstanding(self) -> ResultMailed | None:
        """The parcel on its way: mailed and not returned."""
        live = [m for n, m in self.mailings.items() if n not in self.returned]
        return live[-1] if live else None

    @property
    def dispatched(self) -> str | None:
        """How the result went out, in words, or None while it can still change course."""
        if self.pushed is not None:
            return "已网上推送"
        if self.outstanding is not None:
            return f"已邮寄 {self.outstanding.tracking_number}"
        return None

    @property
    def reached_applicant(self) -> DomainEvent | None:
        return self.pushed or self.delivered or self.handed or self.explained

    def acting_numbers(self) -> tuple[str, ...]:
        """The ID numbers of whoever `who_is` knows: what the read table keeps blind."""
        applicant = self.applicant
        if isinstance(applicant, Company):
            agent = applicant.agent
            return (applicant.representative_id_number, *((agent.id_number,) if agent else ()))
        return applicant.numbers() if applicant is not None else ()

    def who_is(self, id_number: str) -> tuple[Collector, str] | None:
        """The applicant, or who may act for them, by ID number: their part and name."""
        applicant, number = self.applicant, id_number.upper()
        if isinstance(applicant, Company):
            if number == applicant.representative_id_number:
                return "legal_representative", applicant.legal_representative
            if applicant.agent is not None and number == applicant.agent.id_number:
                return "agent", applicant.agent.name
        elif applicant is not None and number == applicant.id_number:
            return "applicant", applicant.name
        return None

    # -- learned from the window (receiving site) --------------------------------------------

    def learn_case_opened(self, event: CaseOpened) -> None:
        self.applicant, self.receiving_site = event.applicant, event.receiving_site
        self.matter_name, self.window_owner = event.matter_name, event.owner_staff_id
        self.matter_code = event.matter_code
        self.choice = event.delivery_channel
        self._visit(event)

    def _visit(self, event: DomainEvent) -> None:
        """A step a clerk took with the applicant present is a visit (一次一评)."""
        if event.actor.role != SYSTEM_ROLE:
            self.visits[china_date(event.occurred_at)] = event.actor.staff_id

    learn_materials_submitted = learn_identity_verified = learn_correction_notice_issued = _visit
    learn_promised_materials_delivered = learn_supplement_forwarded = _visit
    learn_commitment_signed = learn_fee_guidance_given = learn_proxy_service_authorized = _visit

    def learn_case_accepted(self, event: DomainEvent) -> None:
        self.accepted = True
        self._visit(event)

    def _end(self, event: DomainEvent) -> None:
        self.ended_on = china_date(event.occurred_at)
        self._visit(event)

    learn_case_rejected = learn_case_terminated = _end

    def learn_case_completed(self, event: CaseCompleted) -> None:
        self._end(event)
        self.business_site = event.business_site

    # -- learned from the approver (business site) -------------------------------------------

    def learn_case_received(self, event: CaseReceived) -> None:
        self.applicant, self.receiving_site = event.applicant, event.receiving_site
        self.business_site, self.department = event.acting_site, event.department
        self.matter_name, self.matter_code = event.matter_name, event.matter_code
        if not self.choice_changed:  # a change can overtake the case on the other stream
            self.choice = event.delivery_channel

    def learn_case_approved(self, event: CaseApproved) -> None:
        self.decided_by = event.actor.staff_id
        if not self.choice_changed:
            self.choice = event.delivery_channel

    def learn_case_denied(self, event: CaseDenied) -> None:
        self.decided_by = event.actor.staff_id

    # -- the result's way, recorded here or learned from the other party ----------------------

    def apply_result_issued(self, event: ResultIssued) -> None:
        self.result, self.business_site = event, event.acting_site
        self.receiving_site = event.receiving_site

    def apply_result_pushed_online(self, event: ResultPushedOnline) -> None:
        self.pushed = event

    def apply_delivery_choice_changed(self, event: DeliveryChoiceChanged) -> None:
        self.change_refused = self.dispatched  # a change after dispatch does not take
        if self.change_refused is None:
            self.choice, self.address = event.channel, event.address
            self.choice_changed = True

    def apply_delivery_choice_too_late(self, event: DeliveryChoiceTooLate) -> None:
        self.late_changes.append(event)

    def apply_result_mailed(self, event: ResultMailed) -> None:
        self.mailings[event.tracking_number] = event

    def apply_mail_delivered(self, event: MailDelivered) -> None:
        self.delivered = event

    def apply_mail_returned(self, event: MailReturned) -> None:
        self.returned[event.tracking_number] = event

    def apply_result_arrived_at_window(self, event: ResultArrivedAtWindow) -> None:
        self.arrived = event

    def apply_result_handed_to_applicant(self, event: ResultHandedToApplicant) -> None:
        self.handed = event
        self._visit(event)

    def apply_result_form_explained(self, event: ResultFormExplained) -> None:
        self.explained = event
        self._visit(event)

    learn_result_issued = apply_result_issued
    learn_result_pushed_online = apply_result_pushed_online
    learn_delivery_choice_changed = apply_delivery_choice_changed
    learn_delivery_choice_too_late = apply_delivery_choice_too_late
    learn_result_mailed = apply_result_mailed
    learn_mail_delivered = apply_mail_delivered
    learn_mail_returned = apply_mail_returned
    learn_result_arrived_at_window = apply_result_arrived_at_window
    learn_result_handed_to_applicant = apply_result_handed_to_applicant
    learn_result_form_explained = apply_result_form_explained
