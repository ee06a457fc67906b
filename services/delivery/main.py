"""Wiring of the delivery service; nothing connects at import."""

from __future__ import annotations

from functools import partial

from contracts.base import DomainEvent, all_event_classes
from contracts.intake import CaseCompleted
from contracts.routing import PersonalDataDestroyed
from contracts.subjects import admitted_stream, own_stream
from services.delivery import read_side
from services.delivery.application import ResultDelivery
from services.delivery.domain.case import DeliveryCase
from services.delivery.http import add_routes
from services.runtime.host import Clock, ServiceHost
from services.runtime.metrics import ReadSide
from services.runtime.misses_http import answer_too_many
from services.runtime.settings import ServiceSettings
from services.runtime.workdays import calendar_for


def build(settings: ServiceSettings, clock: Clock) -> ServiceHost:
    host = ServiceHost("delivery", settings, clock, partial(read_side.projections, settings.site))
    host.metrics.read_side = ReadSide(read_side.DELIVERY_CASES)
    delivery = ResultDelivery(host, host.directory, calendar_for(settings))
    add_routes(host.api, delivery)
    answer_too_many(host.api)
    site = settings.site
    # what ResultDelivery.on_site_event and .on_admitted take; the server sends nothing else
    host.subscribe_events("delivery-on-site-event", own_stream(site),  # the window's, approver's
                          [*(e for e in learned() if e.service in ("intake", "approval")),
                           PersonalDataDestroyed],
                          delivery.on_site_event)
    host.subscribe_events("delivery-on-admitted", admitted_stream(site),
                          [e for e in learned()
                           if e.service == "delivery" or issubclass(e, CaseCompleted)],
                          delivery.on_admitted)
    host.every(settings.clock_tick_seconds, "delivery-watch", delivery.sweep)
    return host


def learned() -> list[type[DomainEvent]]:
    """The events a delivery case notes (`Learning.learns`): the only ones it is sent."""
    return [e for e in all_event_classes() if hasattr(DeliveryCase, f"learn_{e.name}")]
