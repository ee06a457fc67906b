"""The receiving window's part: the applicant's choice of delivery, the result parcel signed
for at the window, handed over after an identity check, a result without paper explained, and
the reminder and supervision of a result nobody collects."""

from __future__ import annotations

from contracts.delivery import (
    CollectionReminded,
    CollectionSupervised,
    DeliveryChoiceChanged,
    ResultArrivedAtWindow,
    ResultFormExplained,
    ResultHandedToApplicant,
)
from contracts.intake import DeliveryChannel
from services.delivery.domain import errors
from services.delivery.domain.facts import DeliveryFacts
from services.runtime.aggregate import Context
from services.runtime.printing import zh_time
from services.runtime.workdays import WorkCalendar, china_date


class WindowDelivery(DeliveryFacts):
    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.reminded = False
        self.supervised = False

    def change_choice(self, channel: DeliveryChannel, address: str | None,
                      offered: list[DeliveryChannel], business_site: str, ctx: Context) -> None:
        """Changeable until dispatch, among the ways the matter offers; the business site has
        the last word (it may already have sent it: then it answers DeliveryChoiceTooLate)."""
        if channel not in offered:
            raise errors.ChannelNotOffered(channel)
        if not self.accepted:  # the choice made at opening travels with the acceptance
            raise errors.NotYetAccepted()
        how = self.dispatched or ("已送达" if self.reached_applicant or self.arrived else None)
        if how is not None:
            raise errors.AlreadyDispatched(how)
        if channel == self.choice and address == self.address:
            raise errors.SameChoice()
        self._trigger(DeliveryChoiceChanged, ctx, channel=channel, address=address,
                      business_site=business_site)

    def record_arrival(self, tracking_number: str, intact: bool, note: str, ctx: Context) -> None:
        parcel = self.mailings.get(tracking_number)
        if parcel is None or parcel.recipient != "window" or tracking_number in self.returned:
            raise errors.UnknownParcel(tracking_number)
        if self.arrived is not None:
            raise errors.ParcelAlreadySettled(tracking_number, f"于 {zh_time(self.arrived.occurred_at)} 签收")
        self._trigger(ResultArrivedAtWindow, ctx, tracking_number=tracking_number,
                      from_site=parcel.acting_site, intact=intact, note=note)

    def hand_over(self, id_number: str, identity_method: str, ctx: Context) -> None:
        """领取: only after arrival, only once, only to the applicant or who speaks for them."""
        if self.handed is not None:
            raise errors.AlreadyCollected(self.handed.collector_name,
                                          zh_time(self.handed.occurred_at))
        if self.arrived is None or self.result is None:
            raise errors.NotAtWindow()
        person = self.who_is(id_number)
        if person is None:
            raise errors.IdentityMismatch()
        collected_by, name = person
        self._trigger(ResultHandedToApplicant, ctx, collected_by=collected_by,
                      collector_name=name, identity_method=identity_method,
                      document_number=self.result.document_number, from_site=self.business_site)

    def explain_form(self, form: str, lookup_at: str, ctx: Context) -> None:
        if self.result is None:
            raise errors.NoResultYet()
        if self.result.result_type != "none":
            raise errors.NothingToExplain()
        if self.explained is not None:
            raise errors.AlreadyExplained()
        self._trigger(ResultFormExplained, ctx, form=form, lookup_at=lookup_at,
                      business_site=self.business_site)

    def watch_collection(self, calendar: WorkCalendar, remind_after: int, supervise_after: int,
                         ctx: Context) -> int:
        """Fired by the clock: a result waiting at the window is reminded once, then
        supervised once. Returns how many events it raised."""
        here = self.arrived is not None and self.arrived.acting_site == ctx.site
        if self.arrived is None or not here or self.handed is not None:
            return 0
        arrived_on, today = china_date(self.arrived.occurred_at), china_date(ctx.at)
        waiting = calendar.between(arrived_on, today)
        raised = 0
        if waiting >= remind_after and not self.reminded:
            self._trigger(CollectionReminded, ctx, arrived_on=arrived_on,
                          working_days_waiting=waiting)
            raised += 1
        if waiting >= supervise_after and not self.supervised:
            self._trigger(CollectionSupervised, ctx, arrived_on=arrived_on,
                          working_days_waiting=waiting)
            raised += 1
        return raised

    def apply_collection_reminded(self, event: CollectionReminded) -> None:
        self.reminded = True

    def apply_collection_supervised(self, event: CollectionSupervised) -> None:
        self.supervised = True
