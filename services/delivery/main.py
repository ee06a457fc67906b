"""Wiring of the delivery service; nothing connects at import."""

from __future__ import annotations

from contracts.subjects import own_stream
from services.delivery.application import ResultDelivery
from services.delivery.http import add_routes
from services.runtime.host import Clock, ServiceHost, utc_now
from services.runtime.settings import ServiceSettings


def build(settings: ServiceSettings, clock: Clock = utc_now) -> ServiceHost:
    host = ServiceHost("delivery", settings, clock)
    delivery = ResultDelivery(host)
    add_routes(host.api, delivery)
    site = settings.site
    host.subscribe("delivery-on-case-approved", own_stream(site),
                   f"tb.{site}.approval.case_approved.>", delivery.on_case_approved)
    return host
