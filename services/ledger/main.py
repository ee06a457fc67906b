"""Wiring of the ledger; it reads the site's own stream and what the exchange admitted."""

from __future__ import annotations

from contracts.subjects import admitted_stream, own_stream
from services.ledger.application import Ledger
from services.ledger.http import add_routes
from services.runtime.host import Clock, ServiceHost, utc_now
from services.runtime.settings import ServiceSettings


def build(settings: ServiceSettings, clock: Clock = utc_now) -> ServiceHost:
    host = ServiceHost("ledger", settings, clock)
    ledger = Ledger(host)
    add_routes(host.api, ledger)
    site = settings.site
    host.subscribe("ledger-on-site-event", own_stream(site), f"tb.{site}.>", ledger.on_event)
    host.subscribe("ledger-on-admitted-event", admitted_stream(site), f"tb.in.{site}.>",
                   ledger.on_event)
    return host
