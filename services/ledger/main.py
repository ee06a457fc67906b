"""Wiring of the ledger; it reads the site's own stream and what the exchange admitted, and
keeps its read tables in its own store (`services.ledger.read_side`)."""

from __future__ import annotations

from contracts.subjects import admitted_stream, own_stream
from services.ledger.application import Ledger
from services.ledger.http import add_routes
from services.ledger.read_side import PROJECTIONS
from services.runtime.host import Clock, ServiceHost
from services.runtime.settings import ServiceSettings


def subscriptions(site: str) -> list[tuple[str, str, str]]:
    """(consumer, stream, subject): everything this site's services publish, and everything
    the exchange admitted from other sites."""
    return [("ledger-on-site-event", own_stream(site), f"tb.{site}.>"),
            ("ledger-on-admitted-event", admitted_stream(site), f"tb.in.{site}.>")]


def build(settings: ServiceSettings, clock: Clock, archiving: bool = True
          ) -> ServiceHost:
    host = ServiceHost("ledger", settings, clock, PROJECTIONS)
    ledger = Ledger(host, archiving)
    site = host.directory.sites.get(settings.site)
    add_routes(host.api, ledger, site.name if site else settings.site)
    for consumer, stream, subject in subscriptions(settings.site):
        host.subscribe(consumer, stream, subject, ledger.on_event)
    return host
