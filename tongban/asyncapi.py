"""The AsyncAPI document of a site's bus: every subject it publishes or subscribes to, made from
the functions that make them (contracts/subjects.py, the key desk's, the streams'), the seal
headers every event carries, and each service's consumers (`x-consumers`) and streams
(`x-streams`). The events' schemas are built by faststream from the contracts."""

from __future__ import annotations

from typing import Any

from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI

import contracts
from contracts.base import DomainEvent, all_event_classes
from contracts.seal import HEADERS
from contracts.subjects import (
    admitted_subject_of,
    carried_subject_of,
    dead_letter_subject,
    own_subject_of,
)
from services.runtime.dead_letters import REASON, SEQ, STREAM, SUBJECT
from services.runtime.personal.desk import key_subject
from services.runtime.relay import NOTIFICATION_ID_HEADER
from tongban import bus_map

SEAL_HEADERS = {
    "Tb-Hash": "SHA-256 of the message body (hex)",
    "Tb-Prev": "Tb-Hash of the previous event of the case in the same chain; 64 zeros first",
    "Tb-Chain": "`<site>.<service>` for a service's own events, `<from>><to>` for carried ones",
    "Tb-Key": "the id of the site key that signed (sites.json)",
    "Tb-Signed-At": "when the batch was signed (ISO 8601, UTC)",
    "Tb-Signature": "Ed25519 over the batch's Merkle root, key id and time (base64)",
    "Tb-Proof": "the event's Merkle path to the root: `L<hex>`/`R<hex>`, comma-separated",
}
OTHER_HEADERS = {
    "Nats-Msg-Id": "the event id (own events) or `<event id>><party>` (carried): the stream's "
                   "duplicate window drops a re-send",
    NOTIFICATION_ID_HEADER: "own events only: the store's notification id, where the relay "
                            "resumes after a restart",
    "traceparent": "W3C trace context (`00-<trace id>-<span id>-<flags>`), only where the "
                   "publishing service traces (TB_<SERVICE>_OTLP_ENDPOINT): one case's spans "
                   "at every site join in one trace",
    "tracestate": "W3C trace state, beside `traceparent` when the tracer has one",
}
DEAD_LETTER_HEADERS = {
    STREAM: "the stream the refused message was in", SEQ: "its sequence there",
    SUBJECT: "its subject", REASON: "why it was refused (one line, at most 500 characters)",
}
DESCRIPTION = (
    "A site's own events: tb.<site>.<service>.<event>.v<N> (stream TB_<site>); carried by the "
    "site's exchange (routing) to a party: tb.to.<party>.<from-site>.<event>.v<N> (the party's "
    "inbox TB_TO_<party>); admitted by the party's exchange, byte for byte: "
    "tb.in.<site>.<from-site>.<event>.v<N> (TB_IN_<site>); refused by a consumer: "
    "tb.dlq.<site>.<consumer>.<rule> (TB_DLQ_<site>). Every event carries the seal headers "
    "(components/schemas/SealHeaders). A personal field travels sealed, as {\"sealed\": "
    "\"tb-pd1\", \"site\": <sealing site>, \"ct\": <base64 AES-256-GCM>} in place of the value "
    "the schema shows (contracts/personal.py); a party asks the sealing site's key desk for the "
    "key on tb.keys.<owner>.<asking site> (core NATS request-reply, never a stream). "
    "x-streams: each topology's streams; x-consumers: each service's consumers and the "
    "channels their filters take.")


def asyncapi_document(nats_url: str = "nats://127.0.0.1:4222") -> dict[str, Any]:
    assert contracts  # importing the package registers every event
    broker = NatsBroker(nats_url)
    events = sorted((e for e in all_event_classes() if e.published), key=lambda c: c.type_key())
    for event in events:
        broker.publisher(own_subject_of("{site}", event), schema=event, title=event.type_key(),
                         description=_described(event))
    spec = AsyncAPI(broker, title="tongban 通办 bus", version="0.1.0", description=DESCRIPTION)
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    schemas = document["components"]["schemas"]
    schemas["SealHeaders"] = _headers_schema({**SEAL_HEADERS, **OTHER_HEADERS},
                                             required=[*HEADERS[:-1], "Nats-Msg-Id"])
    for message in document["components"]["messages"].values():
        message["headers"] = {"$ref": "#/components/schemas/SealHeaders"}
    for event in events:
        _carried_and_admitted(document, event)
    _dead_letters(document)
    _key_desk(document)
    document["x-streams"] = bus_map.streams()
    document["x-consumers"] = _with_channels(bus_map.consumers(), document["channels"])
    return document


def _described(event: type[DomainEvent]) -> str:
    sealed = f" Sealed on the wire: {', '.join(event.personal)}." if event.personal else ""
    return (event.__doc__ or "").strip() + sealed


def _channel(document: dict[str, Any], key: str, address: str, description: str,
             message: str, parameters: dict[str, str], sender: str) -> None:
    document["channels"][key] = {
        "address": address, "description": description,
        "parameters": {p: {"description": d} for p, d in parameters.items()},
        "messages": {"Message": {"$ref": f"#/components/messages/{message}"}},
        "bindings": {"nats": {"subject": address, "bindingVersion": "custom"}}}
    document["operations"][key] = {
        "action": "send", "description": sender, "channel": {"$ref": f"#/channels/{key}"},
        "messages": [{"$ref": f"#/channels/{key}/messages/Message"}]}


def _carried_and_admitted(document: dict[str, Any], event: type[DomainEvent]) -> None:
    key, message = event.type_key(), f"{event.type_key()}:Message"
    _channel(document, f"{key}.carried", carried_subject_of("{party}", "{site}", event),
             f"{key} of a cross-site case, carried to a party's inbox under the site's seal",
             message, {"party": "the receiving site", "site": "the sending site"},
             "routing (the exchange) of the sending site")
    _channel(document, f"{key}.admitted", admitted_subject_of("{site}", "{from_site}", event),
             f"{key} admitted from a party, byte for byte as carried",
             message, {"site": "the admitting site", "from_site": "the sending site"},
             "routing (the exchange) of the admitting site")


def _dead_letters(document: dict[str, Any]) -> None:
    document["components"]["messages"]["DeadLetter"] = {
        "title": "DeadLetter", "payload": {
            "type": "object", "required": ["consumer", "stream", "seq", "subject", "reason",
                                           "data", "rule"],
            "properties": {"consumer": {"type": "string"}, "stream": {"type": "string"},
                           "seq": {"type": "integer"}, "subject": {"type": "string"},
                           "reason": {"type": "string"}, "data": {
                               "type": "string", "description": "the refused body as text"},
                           "rule": {"type": "string"}}},
        "headers": _headers_schema({**DEAD_LETTER_HEADERS, **SEAL_HEADERS},
                                   required=list(DEAD_LETTER_HEADERS))}
    _channel(document, "dead_letter", dead_letter_subject("{site}", "{consumer}", "{rule}"),
             "a message a consumer (or a relay) could not process, with why; kept, counted "
             "and replayed by `tongban dlq`", "DeadLetter",
             {"site": "the site", "consumer": "the consumer that refused it",
              "rule": "the rule it broke"}, "every service's consumers and relay")


def _key_desk(document: dict[str, Any]) -> None:
    document["components"]["messages"]["KeyRequest"] = {
        "title": "KeyRequest", "payload": {
            "type": "object", "required": ["case_id", "public"],
            "properties": {"case_id": {"type": "string", "format": "uuid"},
                           "public": {"type": "string", "description": "a fresh X25519 public "
                                      "key (base64)"}}},
        "description": "answered with the case's data key encrypted to that key and signed by "
                       "the owner's site key, or `refused`, `unknown` or `destroyed`"}
    _channel(document, "key_request", key_subject("{owner}", "{asking}"),
             "a party asks the site that sealed a case's personal fields for its key (core "
             "NATS request-reply, answered by the owner's routing)", "KeyRequest",
             {"owner": "the sealing site", "asking": "the party asking"},
             "any service of a party that opens a personal field")


def _headers_schema(headers: dict[str, str], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "required": required,
            "properties": {h: {"type": "string", "description": d} for h, d in headers.items()}}


def _with_channels(consumers: list[dict[str, Any]],
                   channels: dict[str, Any]) -> list[dict[str, Any]]:
    """Each consumer with the channels its filters take."""
    for consumer in consumers:
        consumer["channels"] = sorted(
            key for key, channel in channels.items()
            if any(subject_matches(f, channel["address"]) for f in consumer["filter_subjects"]))
    return consumers


def subject_matches(filter_subject: str, address: str) -> bool:
    """Whether a filter (NATS wildcards) takes messages of a channel, whose parameters
    (`{site}`) stand for any one token."""
    want, have = filter_subject.split("."), address.split(".")
    for n, token in enumerate(want):
        if token == ">":
            return len(have) > n
        if n >= len(have) or not (token in ("*", have[n]) or have[n].startswith("{")):
            return False
    return len(want) == len(have)
