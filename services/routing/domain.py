"""A case as the exchange of one site sees it: who its parties are.

At the receiving site the case is routed (CaseRouted); at a business site the case sent by the
receiving site is admitted (CaseAdmitted) only if this site is one of its business sites.
"""

from __future__ import annotations

from typing import Self

from contracts.intake import CaseAccepted, SubmittedItem
from contracts.routing import CaseAdmitted, CaseRouted
from services.directory import Matter
from services.runtime.aggregate import Aggregate, Context, DomainError

# What another party needs to see of a case. The window's steps before acceptance stay at the
# receiving site: the routed case carries what the business site needs of them.
CARRIED_EVENTS = frozenset({
    "case_routed", "case_admitted", "case_received", "case_approved",
    "result_issued", "result_pushed_online", "case_completed",
})


class NotAParty(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)


class RoutedCase(Aggregate):
    receiving_site: str
    business_sites: list[str]
    handling_mode: str
    paper_items: list[SubmittedItem]

    @classmethod
    def route(cls, accepted: CaseAccepted, matter: Matter, ctx: Context) -> Self:
        case = cls(accepted.case_id)
        case._trigger(
            CaseRouted, ctx, case_number=accepted.case_number, matter_code=matter.code,
            matter_name=matter.name, handling_mode=matter.handling_mode,
            applicant=accepted.applicant, receiving_site=accepted.receiving_site,
            business_sites=matter.business_sites, department=matter.department,
            delivery_channel=accepted.delivery_channel, paper_items=accepted.paper_items,
        )
        return case

    @classmethod
    def admit(cls, routed: CaseRouted, ctx: Context) -> Self:
        check_may_admit(routed, ctx.site)
        case = cls(routed.case_id)
        fields = routed.model_dump(include={
            "matter_code", "matter_name", "handling_mode", "applicant", "receiving_site",
            "business_sites", "department", "delivery_channel", "paper_items",
        })
        case._trigger(CaseAdmitted, ctx, case_number=routed.case_number, **fields)
        return case

    @property
    def parties(self) -> list[str]:
        return [self.receiving_site, *self.business_sites]

    def check_party(self, site: str) -> None:
        if site not in self.parties:
            raise NotAParty(f"{site} 不是办件 {self.case_number} 的当事方")

    def recipients(self, event_name: str, from_site: str) -> list[str]:
        """The parties other than the sender that need this event."""
        if event_name not in CARRIED_EVENTS:
            return []
        return [site for site in self.parties if site != from_site]

    def apply_case_routed(self, event: CaseRouted) -> None:
        self._know(event)

    def apply_case_admitted(self, event: CaseAdmitted) -> None:
        self._know(event)

    def _know(self, event: CaseRouted | CaseAdmitted) -> None:
        self.receiving_site, self.business_sites = event.receiving_site, event.business_sites
        self.handling_mode, self.paper_items = event.handling_mode, event.paper_items


def check_may_admit(routed: CaseRouted, site: str) -> None:
    if site not in routed.business_sites:
        raise NotAParty(f"本地 {site} 不是该办件的业务属地")
    if routed.acting_site != routed.receiving_site:
        raise NotAParty(f"发送方 {routed.acting_site} 不是该办件的受理地")
