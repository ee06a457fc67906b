"""A case as the exchange of one site sees it: who its parties are.

At the receiving site the case is routed (CaseRouted); at a business site the case sent by the
receiving site is admitted (CaseAdmitted) only if this site is one of its business sites.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from contracts.approval import CaseApproved, CaseDenied, JointPartDecided
from contracts.base import DomainEvent
from contracts.evaluation import ServiceRated
from contracts.files import FileRef, FileReplicaRepaired, MaterialFileRead
from contracts.intake import CaseAccepted
from contracts.routing import (
    CaseAdmitted,
    CaseRouted,
    DecisionReported,
    HandoverConfirmed,
    JointPart,
    ParcelReceived,
    RemoteConsultationHeld,
    RemoteConsultationRequested,
    SupervisionNoted,
)
from contracts.seal import GENESIS
from services.directory import Matter
from services.routing.custody import manifests_for
from services.routing.custody_legs import CustodyLegs
from services.routing.joint import JointCoordination
from services.routing.personal_retention import Shredding
from services.routing.retention import FileRetention
from services.runtime.aggregate import Context, DomainError
from services.runtime.workdays import china_date

# What another party needs to see of a case. The window's steps before acceptance stay at the
# receiving site: the routed case carries what the business site needs of them.
CARRIED_EVENTS = frozenset({
    "case_routed", "case_admitted", "case_received", "case_claimed", "case_approved",
    "case_denied",
    "result_issued", "result_pushed_online", "case_completed", "parcel_dispatched",
    "parcel_received", "joint_part_decided", "joint_case_decided", "joint_session_scheduled",
    "joint_session_held", "supervision_noted", "remote_consultation_requested",
    "remote_consultation_held", "supplement_requested", "clock_paused", "clock_resumed",
    "special_procedure_started", "deadline_extended", "deadline_approaching", "case_overdue",
    "supplement_forwarded", "due_date_recomputed", "special_procedure_ended",
    "delivery_choice_changed", "delivery_choice_too_late", "result_mailed", "mail_delivered",
    "mail_returned", "result_arrived_at_window", "result_handed_to_applicant",
    "result_form_explained", "service_rated", "personal_data_destroyed",
})


class EventCarried(DomainEvent):
    """Private bookkeeping, never published: the hash of the last event of the case this site
    sent a party, which the next one sent there links to."""

    service = "routing"
    published = False
    party: str
    event_hash: str


class UnknownFile(DomainError):
    status = 404
    field = "sha256"

    def __init__(self, sha256: str) -> None:
        super().__init__(f"本办件没有文件 {sha256[:16]}…")


class NotAParty(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)


Channel = Literal["video", "phone", "network"]


class NoConsultationRequested(DomainError):
    def __init__(self) -> None:
        super().__init__("尚未发起远程会商")


class RoutedCase(Shredding, FileRetention, JointCoordination, CustodyLegs):
    receiving_site: str
    business_sites: list[str]
    handling_mode: str

    def __init__(self, case_id: Any) -> None:
        super().__init__(case_id)
        self.consultation: RemoteConsultationRequested | None = None
        self.decision_reported: DecisionReported | None = None
        self.carried: dict[str, str] = {}
        self.files: dict[str, FileRef] = {}
        self.matter_code = ""

    @property
    def routed(self) -> bool:
        """Whether the case was routed or admitted here: a case that ended at the window
        before it was routed keeps only its shredding under the same id (UnroutedCase)."""
        return "receiving_site" in self.__dict__

    @classmethod
    def route(cls, accepted: CaseAccepted, matter: Matter, ctx: Context) -> Self:
        case = cls(accepted.case_id)
        case._trigger(
            CaseRouted, ctx, case_number=accepted.case_number, matter_code=matter.code,
            matter_name=matter.name, handling_mode=matter.handling_mode,
            applicant=accepted.applicant, receiving_site=accepted.receiving_site,
            business_sites=matter.business_sites, department=matter.department,
            delivery_channel=accepted.delivery_channel,
            manifests=manifests_for(accepted.case_number, accepted.paper_items, matter),
            joint_parts=[JointPart(**p.model_dump()) for p in matter.joint_parts],
            decide_by=accepted.promised_date, accepted_on=china_date(accepted.occurred_at),
            promised_days=matter.promised_days, statutory_days=matter.statutory_days,
            files=accepted.files,
        )
        return case

    @classmethod
    def admit(cls, routed: CaseRouted, ctx: Context) -> Self:
        check_may_admit(routed, ctx.site)
        case = cls(routed.case_id)
        fields = routed.model_dump(include={
            "matter_code", "matter_name", "handling_mode", "applicant", "receiving_site",
            "business_sites", "department", "delivery_channel", "manifests", "joint_parts",
            "decide_by", "accepted_on", "promised_days", "statutory_days", "files",
        })
        case._trigger(CaseAdmitted, ctx, case_number=routed.case_number, **fields)
        return case

    @property
    def parties(self) -> list[str]:
        return list(dict.fromkeys([self.receiving_site, *self.business_sites]))

    def take_note(self, event: DomainEvent, ctx: Context) -> None:
        """What a party reported that closes one of our own legs: its signature on our parcel,
        its decision, or its decision on its part of a joint case."""
        if isinstance(event, JointPartDecided):
            self.report_part(event, ctx)
        if (isinstance(event, CaseApproved | CaseDenied) and ctx.site == self.receiving_site
                and self.decision_reported is None):
            self._trigger(DecisionReported, ctx, decided_by_site=event.acting_site,
                          approved=isinstance(event, CaseApproved))
        if (isinstance(event, ParcelReceived) and event.manifest_number in self.dispatched
                and event.manifest_number not in self.confirmed):
            self._trigger(HandoverConfirmed, ctx, manifest_number=event.manifest_number,
                          received_by_site=event.acting_site, received_by=event.actor.staff_id,
                          received_at=event.occurred_at, complete=event.complete,
                          discrepancies=event.discrepancies)

    # -- remote consultation and the decision leg -------------------------------------------

    def request_consultation(self, with_site: str, channel: Channel, topic: str,
                             ctx: Context) -> None:
        self.check_party(with_site)
        self._trigger(RemoteConsultationRequested, ctx, with_site=with_site, channel=channel,
                      topic=topic)

    def record_consultation(self, approver: str, summary: str, ctx: Context) -> None:
        if self.consultation is None:
            raise NoConsultationRequested()
        self._trigger(RemoteConsultationHeld, ctx, with_site=self.consultation.with_site,
                      channel=self.consultation.channel, approver=approver, summary=summary)

    def supervise_decision(self, ctx: Context) -> int:
        """No decision by the promised date: supervise the business site, once."""
        late = self.decide_by is not None and china_date(ctx.at) > self.decide_by
        if (self.joint_parts or ctx.site != self.receiving_site or not late
                or self.decision_reported is not None or "decision" in self.supervised_legs):
            return 0
        owner = self.business_sites[0]
        self._trigger(SupervisionNoted, ctx, leg="decision", responsible_site=owner,
                      detail=f"承诺办结日期 {self.decide_by} 已过，业务属地尚未作出决定")
        return 1

    def apply_remote_consultation_requested(self, event: RemoteConsultationRequested) -> None:
        self.consultation = event

    def apply_remote_consultation_held(self, event: RemoteConsultationHeld) -> None:
        self.consultation = None

    def apply_decision_reported(self, event: DecisionReported) -> None:
        self.decision_reported = event

    def check_party(self, site: str) -> None:
        if site not in self.parties:
            raise NotAParty(f"{site} 不是办件 {self.case_number} 的当事方")

    def recipients(self, event: DomainEvent) -> list[str]:
        """The parties other than the sender that need this event; a rating goes only to
        the site whose unit was rated (好差评 is nobody else's business)."""
        if event.name not in CARRIED_EVENTS:
            return []
        if isinstance(event, ServiceRated):
            return [event.rated_site] if event.rated_site != event.acting_site else []
        return [site for site in self.parties if site != event.acting_site]

    def repaired(self, sha256: str, from_site: str, reason: str, ctx: Context) -> None:
        self._trigger(FileReplicaRepaired, ctx, sha256=sha256, from_site=from_site, reason=reason)

    def record_file_read(self, sha256: str, ctx: Context) -> FileRef:
        """Reading a material's file is reading personal data: on the record, by whom."""
        file = self.files.get(sha256)
        if file is None:
            raise UnknownFile(sha256)
        self._trigger(MaterialFileRead, ctx, sha256=sha256, file_name=file.file_name)
        return file

    def apply_file_replica_repaired(self, event: FileReplicaRepaired) -> None:
        pass  # a fact for the audit trail

    def apply_material_file_read(self, event: MaterialFileRead) -> None:
        pass  # a fact for the audit trail

    def carried_head(self, party: str) -> str:
        return self.carried.get(party, GENESIS)

    def record_carried(self, party: str, event_hash: str, ctx: Context) -> None:
        self._trigger(EventCarried, ctx, party=party, event_hash=event_hash)

    def apply_event_carried(self, event: EventCarried) -> None:
        self.carried[event.party] = event.event_hash

    def apply_case_routed(self, event: CaseRouted) -> None:
        self._know(event)

    def apply_case_admitted(self, event: CaseAdmitted) -> None:
        self._know(event)

    def _know(self, event: CaseRouted | CaseAdmitted) -> None:
        self.receiving_site, self.business_sites = event.receiving_site, event.business_sites
        self.handling_mode, self.matter_code = event.handling_mode, event.matter_code
        self.manifests = {m.number: m for m in event.manifests}
        self.joint_parts, self.decide_by = event.joint_parts, event.decide_by
        self.files = {f.sha256: f for f in event.files}


def check_may_admit(routed: CaseRouted, site: str) -> None:
    if site not in routed.business_sites:
        raise NotAParty(f"本地 {site} 不是该办件的业务属地")
    if routed.acting_site != routed.receiving_site:
        raise NotAParty(f"发送方 {routed.acting_site} 不是该办件的受理地")
