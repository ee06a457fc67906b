"""After this site destroyed a case's keys (routing records PersonalDataDestroyed on the site's
own stream), a service whose read rows show something of the case's personal data (a masked
name, say) makes those rows again: its case now reads 已销毁, and so do the rows, as a rebuild
from the events would make them."""

from __future__ import annotations

from typing import Any

from contracts.base import DomainEvent
from services.runtime.aggregate import Context
from services.runtime.consumer import Effect
from services.runtime.store import CaseStore


class PersonalDataForgotten(DomainEvent):
    """Private bookkeeping, never published: the case's rows here were made again after its
    personal data was destroyed at this site."""

    service = "runtime"
    published = False


def forgotten(store: CaseStore, cls: type[Any], destroyed: DomainEvent, ctx: Context) -> Effect:
    """The case of type `cls`, if this site holds one, with its rows to be made again."""
    if destroyed.acting_site != ctx.site:
        return Effect()  # a party's record: our own routing shreds, and records it here
    case = store.load(cls, destroyed.case_id)
    if case is None:
        return Effect()
    case._trigger(PersonalDataForgotten, ctx)
    return Effect(aggregates=[case])
