"""Use cases of delivery at one site: what it learns from the window, the approver and the
other party; what its staff record; the applicant's ratings; and the clock's sweep."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from contracts.approval import CaseApproved
from contracts.base import Actor, DomainEvent
from contracts.delivery import DeliveryChoiceChanged
from contracts.evaluation import ServiceRated
from contracts.intake import CaseCompleted, DeliveryChannel
from contracts.routing import PersonalDataDestroyed
from services.delivery import read_side
from services.delivery.domain.case import DeliveryCase
from services.delivery.domain.errors import CaseNumberUnknown
from services.delivery.domain.rating import RatingRules, Units
from services.delivery.views import shown_to
from services.directory import Directory
from services.runtime.aggregate import Context, system_actor
from services.runtime.blind_index import holds
from services.runtime.consumer import Delivery, Effect
from services.runtime.forgetting import forgotten
from services.runtime.host import ServiceHost
from services.runtime.misses import MissLimiter, MissLimits
from services.runtime.query_codes import QueryCodes
from services.runtime.workdays import WorkCalendar, china_date


class ResultDelivery:
    def __init__(self, host: ServiceHost, directory: Directory, calendar: WorkCalendar) -> None:
        self.host, self.directory, self.calendar = host, directory, calendar
        s = host.settings
        self.rules = RatingRules(s.rating_window_days, s.review_callback_days, s.review_fix_days)
        self.query_codes = QueryCodes.of(s, directory)  # the receiving window's, same site key
        self.misses = MissLimiter(host.clock, MissLimits.of(s))

    def _ctx(self, event: DomainEvent) -> Context:
        return Context(self.host.site, system_actor("delivery"), self.host.clock(),
                       event.correlation_id)

    def _learn(self, delivery: Delivery) -> DeliveryCase | None:
        event = delivery.event
        if not DeliveryCase.learns(event):
            return None
        case = self.host.store.load(DeliveryCase, event.case_id) or DeliveryCase(event.case_id)
        case.note(event, delivery.data, self._ctx(event))
        return case

    def on_site_event(self, delivery: Delivery) -> Effect:
        """The window's and the approver's events at this site; an approval issues the result."""
        if isinstance(delivery.event, PersonalDataDestroyed):
            return forgotten(self.host.store, DeliveryCase, delivery.event,
                             self._ctx(delivery.event))
        if delivery.event.service == "delivery":
            return Effect()  # our own
        case = self._learn(delivery)
        if case is None:
            return Effect()
        if isinstance(delivery.event, CaseApproved):
            case.issue(delivery.event, self._ctx(delivery.event))
        return Effect(aggregates=[case])

    def on_admitted(self, delivery: Delivery) -> Effect:
        """What the other party's delivery recorded about a case of ours, and the receiving
        window's 办结: the business site ends the case on the day the window did."""
        event = delivery.event
        if event.service != "delivery" and not isinstance(event, CaseCompleted):
            return Effect()
        case = self._learn(delivery)
        if case is None:
            return Effect()
        ctx = self._ctx(event)
        if isinstance(event, DeliveryChoiceChanged):
            case.answer_choice_change(event, ctx)
        if isinstance(event, ServiceRated) and event.rated_site == self.host.site:
            owner = case.decided_by or f"{case.department}负责人"
            case.open_review_if_bad(event, owner, self.calendar, self.rules, ctx)
        return Effect(aggregates=[case])

    # -- commands --------------------------------------------------------------------------

    def get(self, case_id: UUID) -> DeliveryCase:
        return self.host.store.get(DeliveryCase, case_id)

    def change(self, case_id: UUID, actor: Actor, correlation_id: UUID,
               command: Callable[[DeliveryCase, Context], object]) -> DeliveryCase:
        """Load a case, run one domain command on it as this person, store what it recorded."""
        case = self.get(case_id)
        command(case, Context(self.host.site, actor, self.host.clock(), correlation_id))
        self.host.store.record(case)
        return case

    def offered(self, case: DeliveryCase) -> list[DeliveryChannel]:
        matter = self.directory.matter(case.matter_code)
        return list(matter.delivery_options) if matter else [case.choice]

    def owner_site(self, case: DeliveryCase) -> str:
        matter = self.directory.matter(case.matter_code)
        return case.business_site or (matter.owner_site if matter else "")

    def window_address(self, case: DeliveryCase) -> str:
        site = self.directory.sites.get(case.receiving_site)
        return f"{site.address} {site.hall}跨域通办窗口" if site else case.receiving_site

    def units(self, case: DeliveryCase) -> Units:
        matter = self.directory.matter(case.matter_code)
        window = self.directory.sites.get(case.receiving_site)
        return Units(window=f"{window.hall if window else case.receiving_site}跨域通办窗口",
                     department=matter.department if matter else case.department)

    def find(self, case_number: str, id_number: str, query_code: str) -> DeliveryCase:
        """The applicant's case by its number, the ID and the query code of its receipt. Only
        the receiving site holds the key of that code, so a case received elsewhere is a miss
        like a wrong number: every miss gets one answer (`CaseNumberUnknown`). The ID number
        is matched by its blind index in the case's row: no case is opened to compare."""
        given = self.host.store.vault.blind(id_number)
        for row in self.host.store.read(read_side.by_number(case_number)):
            if not (holds(row["applicant_blinds"], given)
                    and self.query_codes.matches(UUID(row["id"]), query_code)):
                continue
            case = self.get(UUID(row["id"]))
            if case.receiving_site == self.host.site:
                return case
        raise CaseNumberUnknown()

    async def rate(self, case_number: str, id_number: str, query_code: str, address: str,
                   command: Callable[[DeliveryCase, Context], object],
                   correlation_id: UUID) -> DeliveryCase:
        """The applicant rates, its misses limited per case number and address; not staff, so
        the actor is the evaluation channel."""
        actor = Actor(staff_id="applicant", role="applicant")

        def rated() -> DeliveryCase:
            case = self.find(case_number, id_number, query_code)
            return self.change(case.id, actor, correlation_id, command)
        return await self.misses.attempt(case_number, address,
                                         lambda: self.host.command(rated))

    def sweep(self, batch: int = 200) -> int:
        """Fired by the clock: results waiting at the window, bad reviews past a deadline. Reads
        only the cases with a stage due, a batch of each per tick, so the writers' lock is held
        briefly; a case it handles leaves the rows it was read from."""
        ctx = Context(self.host.site, system_actor("delivery"), self.host.clock())
        s, today = self.host.settings, china_date(ctx.at)
        due = [read_side.collection_due("remind_pending", s.pickup_reminder_days, today,
                                        self.calendar, batch),
               read_side.collection_due("supervise_pending", s.pickup_supervision_days, today,
                                        self.calendar, batch),
               read_side.reviews_late(today, batch)]
        raised = 0
        for case_id in dict.fromkeys(UUID(r["id"]) for q in due for r in self.host.store.read(q)):
            case = self.get(case_id)
            raised += case.watch_collection(self.calendar, s.pickup_reminder_days,
                                            s.pickup_supervision_days, ctx)
            raised += case.flag_late_reviews(ctx)
            if case.has_pending:
                self.host.store.record(case)
        return raised

    # -- lists -------------------------------------------------------------------------------

    def listed(self, column: str, limit: int, offset: int) -> list[dict[str, Any]]:
        """A page of a work list (a column of the read table, see `read_side`), oldest first:
        the cases as the list shows them, read from their rows, not their events."""
        return read_side.case_views(self.host.store.read(read_side.listed(column, limit, offset)))

    def rated(self, limit: int, offset: int) -> list[dict[str, Any]]:
        """The ratings of this site on a page of rated cases, the first rated first."""
        rows = self.host.store.read(read_side.listed("rated_since", limit, offset))
        return read_side.expanded(rows, "rating_views")

    def reviewed(self, viewer: Actor, limit: int, offset: int) -> list[dict[str, Any]]:
        """The open follow-ups on a page of cases, the longest open first, from their rows:
        the evaluator masked for the follow-up's owner and supervisors (its case shows them
        whole, `GET /cases/{id}/reviews/{rating}`), withheld from everyone else."""
        rows = self.host.store.read(read_side.listed("reviews_since", limit, offset))
        return [shown_to(r, viewer) for r in read_side.expanded(rows, "review_records")]

    def ratings_by_level(self) -> dict[int, int]:
        """This site's ratings by level, voided ones left out, counted in the read table."""
        return read_side.ratings_by_level(
            self.host.store.totals(read_side.DELIVERY_CASES, read_side.RATINGS))
