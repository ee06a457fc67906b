"""The AsyncAPI document of the published events, built by faststream from the contracts."""

from __future__ import annotations

from typing import Any

from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI

import contracts
from contracts.base import all_event_classes


def asyncapi_document(nats_url: str = "nats://127.0.0.1:4222") -> dict[str, Any]:
    assert contracts  # importing the package registers every event
    broker = NatsBroker(nats_url)
    for event in sorted(all_event_classes(), key=lambda c: c.type_key()):
        if not event.published:
            continue
        v = event.version_of_schema()
        broker.publisher(
            f"tb.{{site}}.{event.service}.{event.name}.v{v}", schema=event,
            title=event.type_key(), description=(event.__doc__ or "").strip() + (
                f" Sealed on the wire: {', '.join(event.personal)}." if event.personal else ""),
        )
    spec = AsyncAPI(broker, title="tongban 通办 events", version="0.1.0",
                    description="Own events: tb.<site>.<service>.<event>.v<N>; carried to another "
                                "party: tb.to.<party>.<from-site>.<event>.v<N>. A personal "
                                "field travels sealed, as {\"sealed\": \"tb-pd1\", \"site\": "
                                "<sealing site>, \"ct\": <base64 AES-256-GCM>} in place of the "
                                "value the schema shows (contracts/personal.py); a party asks "
                                "the sealing site for the key on tb.keys.<site>.<asking site>.")
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    return document
