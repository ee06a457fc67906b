"""How routing reacts: it routes accepted cases, admits cases sent here, and carries each event
of a case to exactly the other parties that need it."""

from __future__ import annotations

from contracts.intake import CaseAccepted
from contracts.routing import CaseRouted
from contracts.subjects import inbox_subject
from services.directory import Directory
from services.routing.domain import NotAParty, RoutedCase
from services.runtime.aggregate import Context, system_actor
from services.runtime.consumer import Delivery, Effect, Forward, Rejected
from services.runtime.host import ServiceHost


class Routing:
    def __init__(self, host: ServiceHost, directory: Directory) -> None:
        self.host, self.directory = host, directory

    def _ctx(self, delivery: Delivery) -> Context:
        return Context(self.host.site, system_actor("routing"), self.host.clock(),
                       delivery.event.correlation_id)

    def on_site_event(self, delivery: Delivery) -> Effect:
        """Everything this site's services publish passes here, in order."""
        if isinstance(delivery.event, CaseAccepted):
            return self._route(delivery.event, delivery)
        return self._carry(delivery)

    def _route(self, accepted: CaseAccepted, delivery: Delivery) -> Effect:
        if self.host.store.load(RoutedCase, accepted.case_id) is not None:
            return Effect()  # routed before: the same acceptance seen again
        matter = self.directory.matter(accepted.matter_code)
        if matter is None:
            raise Rejected(f"unknown matter {accepted.matter_code}")
        return Effect(aggregates=[RoutedCase.route(accepted, matter, self._ctx(delivery))])

    def _carry(self, delivery: Delivery) -> Effect:
        event = delivery.event
        case = self.host.store.load(RoutedCase, event.case_id)
        if case is None:
            return Effect()  # not a cross-site case (yet): nothing to carry
        return Effect(forwards=[
            Forward(inbox_subject(party, event), delivery.data, f"{event.event_id}>{party}")
            for party in case.recipients(event.name, event.acting_site)
        ])

    def on_case_routed_here(self, delivery: Delivery) -> Effect:
        routed = delivery.event
        assert isinstance(routed, CaseRouted)
        if self.host.store.load(RoutedCase, routed.case_id) is not None:
            return Effect()
        try:
            return Effect(aggregates=[RoutedCase.admit(routed, self._ctx(delivery))])
        except NotAParty as refusal:
            raise Rejected(refusal.reason) from None
