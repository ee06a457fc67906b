"""The JetStream streams of a site: its own events, its inbox, its dead letters."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import BadRequestError

from contracts.subjects import admitted_stream, dead_letter_stream, inbox_stream, own_stream

DUPLICATE_WINDOW_SECONDS = 120.0


def site_stream_configs(site: str) -> list[StreamConfig]:
    return [
        StreamConfig(
            name=own_stream(site),
            subjects=[f"tb.{site}.>"],
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ),
        StreamConfig(
            name=inbox_stream(site),
            subjects=[f"tb.to.{site}.>"],
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ),
        StreamConfig(
            name=admitted_stream(site),
            subjects=[f"tb.in.{site}.>"],
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ),
        StreamConfig(
            name=dead_letter_stream(site),
            subjects=[f"tb.dlq.{site}.>"],
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ),
    ]


async def ensure_site_streams(js: JetStreamContext, site: str) -> None:
    """Create the site's streams if missing; idempotent, so every service may call it at start."""
    for config in site_stream_configs(site):
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)
