"""What the window knows of a case: a fold of its events. Commands live in case.py."""

from __future__ import annotations

from uuid import UUID

from contracts.files import FileRef, MaterialFileAttached
from contracts.intake import (
    BusinessSupplementRequested,
    CaseAccepted,
    CaseCompleted,
    CaseOpened,
    CaseRejected,
    CaseTerminated,
    CommitmentSigned,
    CorrectionNoticeIssued,
    ExtensionNotified,
    FeeGuidanceGiven,
    IdentityVerified,
    MaterialsSubmitted,
    PromisedMaterialsDelivered,
    ProxyServiceAuthorized,
    SubmittedItem,
    SupplementForwarded,
)
from services.runtime.aggregate import Aggregate

STATUS_ZH = {"opened": "收件审查中", "awaiting_supplement": "待补正", "accepted": "已受理",
             "rejected": "不予受理", "terminated": "已终止", "completed": "已办结"}


class WindowCaseState(Aggregate):
    opened: CaseOpened

    def __init__(self, case_id: UUID) -> None:
        super().__init__(case_id)
        self.proxy: ProxyServiceAuthorized | None = None
        self.submitted: dict[str, SubmittedItem] = {}
        self.submissions: list[MaterialsSubmitted] = []
        self.identities: list[IdentityVerified] = []
        self.notices: list[CorrectionNoticeIssued] = []
        self.notice_open = False
        self.supplied_since_notice: set[str] = set()
        self.commitment: CommitmentSigned | None = None
        self.fee_guidance: FeeGuidanceGiven | None = None
        self.accepted: CaseAccepted | None = None
        self.pending: set[str] = set()
        self.ended: CaseRejected | CaseTerminated | CaseCompleted | None = None
        self.supplement_request: BusinessSupplementRequested | None = None
        self.extension: ExtensionNotified | None = None
        self.files: dict[str, FileRef] = {}

    @property
    def status(self) -> str:
        if self.ended is not None:
            return {"case_rejected": "rejected", "case_terminated": "terminated",
                    "case_completed": "completed"}[self.ended.name]
        if self.accepted is not None:
            return "accepted"
        return "awaiting_supplement" if self.notice_open else "opened"

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]

    def apply_case_opened(self, event: CaseOpened) -> None:
        self.opened = event

    def apply_proxy_service_authorized(self, event: ProxyServiceAuthorized) -> None:
        self.proxy = event

    def submitted_before(self, version: int | None) -> dict[str, SubmittedItem]:
        """Materials as they stood before the event at `version` (all of them for None), so
        that a document printed again later shows what it showed the first time."""
        items: dict[str, SubmittedItem] = {}
        for event in self.submissions:
            if version is None or event.version < version:
                items.update({i.material_code: i for i in event.items})
        return items

    @property
    def first_decision_version(self) -> int | None:
        """The first notice, acceptance or non-acceptance: where taking in ended."""
        decisions = [e.version for e in (*self.notices[:1], self.accepted, self.ended)
                     if e is not None and e.name != "case_completed"]
        return min(decisions, default=None)

    def apply_material_file_attached(self, event: MaterialFileAttached) -> None:
        self.files[event.file.sha256] = event.file

    def apply_materials_submitted(self, event: MaterialsSubmitted) -> None:
        self.submissions.append(event)
        self.submitted.update({i.material_code: i for i in event.items})
        if event.supplement_to_notice is not None:
            self.notice_open = False
            self.supplied_since_notice = {i.material_code for i in event.items}

    def apply_identity_verified(self, event: IdentityVerified) -> None:
        self.identities.append(event)

    def apply_correction_notice_issued(self, event: CorrectionNoticeIssued) -> None:
        self.notices.append(event)
        self.notice_open = True
        self.supplied_since_notice = set()

    def apply_commitment_signed(self, event: CommitmentSigned) -> None:
        self.commitment = event

    def apply_fee_guidance_given(self, event: FeeGuidanceGiven) -> None:
        self.fee_guidance = event

    def apply_case_accepted(self, event: CaseAccepted) -> None:
        self.accepted = event
        self.pending = set(event.pending_materials)

    def apply_promised_materials_delivered(self, event: PromisedMaterialsDelivered) -> None:
        self.submitted.update({i.material_code: i for i in event.items})
        self.pending -= {i.material_code for i in event.items}

    def apply_business_supplement_requested(self, event: BusinessSupplementRequested) -> None:
        self.supplement_request = event

    def apply_extension_notified(self, event: ExtensionNotified) -> None:
        self.extension = event

    def apply_supplement_forwarded(self, event: SupplementForwarded) -> None:
        self.supplement_request = None
        self.submitted.update({i.material_code: i for i in event.items})

    def apply_case_rejected(self, event: CaseRejected) -> None:
        self.ended = event

    def apply_case_terminated(self, event: CaseTerminated) -> None:
        self.ended = event

    def apply_case_completed(self, event: CaseCompleted) -> None:
        self.ended = event
