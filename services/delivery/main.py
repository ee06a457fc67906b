"""Wiring of the delivery service; nothing connects at import."""

from __future__ import annotations

from contracts.subjects import admitted_stream, own_stream
from services.delivery import read_side
from services.delivery.application import ResultDelivery
from services.delivery.http import add_routes
from services.runtime.host import Clock, ServiceHost
from services.runtime.settings import ServiceSettings
from services.runtime.workdays import calendar_for


def build(settings: ServiceSettings, clock: Clock) -> ServiceHost:
    host = ServiceHost("delivery", settings, clock, read_side.projections(settings.site))
    delivery = ResultDelivery(host, host.directory, calendar_for(settings))
    add_routes(host.api, delivery)
    site = settings.site
    host.subscribe("delivery-on-site-event", own_stream(site),  # the window's and the approver's
                   [f"tb.{site}.{service}.>" for service in ("intake", "approval")],
                   delivery.on_site_event)
    host.subscribe("delivery-on-admitted", admitted_stream(site), f"tb.in.{site}.>",
                   delivery.on_admitted)
    host.every(settings.clock_tick_seconds, "delivery-watch", delivery.sweep)
    return host
