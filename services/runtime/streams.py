"""The JetStream streams of a site: its own events, its inbox, its dead letters.

On one server (`single`) every site's inbox takes what is published to it. Across servers
(`hub`) each site keeps what it sends others in its outbox, `TB_OUT_<site>`, on its own server,
and each site's inbox *sources* what is addressed to it from every other site's outbox through
the hub (the other site's JetStream domain `S<site>`): a site cut off from the hub keeps
sending into its outbox, and its parties' inboxes catch up when the link is back."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import ExternalStream, StreamConfig, StreamSource
from nats.js.errors import BadRequestError

from contracts.subjects import (
    admitted_into,
    admitted_stream,
    carried_from,
    carried_to,
    dead_letter_stream,
    dead_letters_of,
    inbox_stream,
    own_events,
    own_stream,
)

DUPLICATE_WINDOW_SECONDS = 120.0


def domain(site: str) -> str:
    """The JetStream domain of a site's own server in the hub topology."""
    return f"S{site}"


def outbox_stream(site: str) -> str:
    return f"TB_OUT_{site}"


def sync_prefix(site: str) -> str:
    """Where a site's inbox takes what it sources from the others' outboxes: subjects of its
    own, so that no other site may listen in."""
    return f"tb.sync.{site}"


def site_stream_configs(site: str, topology: str = "single",
                        others: tuple[str, ...] = ()) -> list[StreamConfig]:
    if topology == "hub":
        return [*_own_and_local(site), StreamConfig(
            name=outbox_stream(site), subjects=[carried_from(site)],
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ), StreamConfig(
            name=inbox_stream(site), duplicate_window=DUPLICATE_WINDOW_SECONDS,
            sources=[StreamSource(name=outbox_stream(other), filter_subject=carried_to(site),
                                  external=ExternalStream(api=f"$JS.{domain(other)}.API",
                                                       deliver=sync_prefix(site)))
                     for other in others if other != site],
        )]
    return [*_own_and_local(site), StreamConfig(
        name=inbox_stream(site),
        subjects=[carried_to(site)],
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )]


def _own_and_local(site: str) -> list[StreamConfig]:
    return [
        StreamConfig(
            name=own_stream(site),
            subjects=[own_events(site)],
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ),
        StreamConfig(
            name=admitted_stream(site),
            subjects=[admitted_into(site)],
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ),
        StreamConfig(
            name=dead_letter_stream(site),
            subjects=[dead_letters_of(site)],
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ),
    ]


async def ensure_site_streams(js: JetStreamContext, site: str, topology: str = "single",
                              others: tuple[str, ...] = ()) -> None:
    """Create the site's streams if missing; idempotent, so every service may call it at start."""
    for config in site_stream_configs(site, topology, others):
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)
