"""Hostile messages on every subject a site listens to, while real cases run across two sites.

Each kind is a way a message can be wrong: not JSON, the wrong schema, an unknown event type, a
seal missing, broken, unreadable, made with an unknown or expired key, a sender who is not the
subject's site, a case the site is no party to, a real message sent again, a body far too big.
What must hold: every hostile message ends in the dead letters with a reason (a replay is
dropped instead), every real case completes once, and no consumer stalls."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from uuid import uuid4

from contracts.base import DomainEvent
from tests.support.events import sample
from tests.support.sealing import HandSealer

YANTAI, QINGDAO, HARBIN = "370671", "370202", "230102"


@dataclass(frozen=True)
class Hostile:
    kind: str
    subject: str
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _opened(site: str) -> DomainEvent:
    return sample("intake.case_opened.v1", uuid4(), acting_site=site)


def _sealed(event: DomainEvent, sealer: HandSealer, **seal: str) -> dict[str, str]:
    return {**sealer.headers(event), **seal}


def kinds(site: str, sealer: HandSealer) -> dict[str, Callable[[], Hostile]]:
    """The hostile messages of each kind for `site`'s own subjects and its inbox."""
    own = f"tb.{site}.intake.case_opened.v1"
    other = QINGDAO if site == YANTAI else YANTAI
    inbox = f"tb.to.{site}.{other}.case_opened.v1"

    def sealed_opened(**seal: str) -> tuple[bytes, dict[str, str]]:
        event = _opened(site)
        return event.model_dump_json().encode(), _sealed(event, sealer, **seal)

    def expired_key() -> Hostile:
        event = _opened(site)
        return Hostile("expired key", own, event.model_dump_json().encode(),
                       sealer.headers(event, key_id=f"{site}-2025"))

    def wrong_sender() -> Hostile:
        event = _opened(HARBIN)  # Harbin's own seal, on this site's subject
        return Hostile("wrong sender", own, event.model_dump_json().encode(),
                       sealer.headers(event))

    def not_a_party() -> Hostile:
        event = _opened(other)  # carried to this site for a case it has no part in
        data = event.model_dump_json().encode()
        return Hostile("not a party", inbox, data,
                       sealer.headers(event, chain=f"{other}>{site}"))

    def zeroed_signature() -> Hostile:
        data, headers = sealed_opened()
        return Hostile("broken seal", own, data,
                       {**headers, "Tb-Signature": base64.b64encode(bytes(64)).decode()})

    def unknown_key() -> Hostile:
        data, headers = sealed_opened()
        return Hostile("unknown key", own, data, {**headers, "Tb-Key": f"{site}-1999"})

    def non_hex_proof() -> Hostile:
        data, headers = sealed_opened()
        return Hostile("non-hex proof", own, data, {**headers, "Tb-Proof": "R" + "zz" * 32})

    def missing_seal() -> Hostile:
        return Hostile("missing seal", own, _opened(site).model_dump_json().encode())

    return {
        "malformed JSON": lambda: Hostile("malformed JSON", own, b'{"case_id": "not json'),
        "wrong schema": lambda: Hostile("wrong schema", own, b'{"hello": "world"}'),
        "unknown type": lambda: Hostile("unknown type", f"tb.{site}.intake.case_teleported.v1",
                                        b"{}"),
        "missing seal": missing_seal,
        "broken seal": zeroed_signature,
        "non-hex proof": non_hex_proof,
        "unknown key": unknown_key,
        "expired key": expired_key,
        "wrong sender": wrong_sender,
        "not a party": not_a_party,
        "oversized": lambda: Hostile("oversized", own,
                                     b'{"case_id": "' + b"\xe5\x8a\x9e" * 200_000 + b'"}'),
    }


def stream_of(count: int, sealer: HandSealer) -> Iterator[Hostile]:
    """`count` hostile messages, the kinds and the two sites taken in turn."""
    makers = [m for site in (YANTAI, QINGDAO) for k, m in kinds(site, sealer).items()
              if k != "oversized"]
    for site in (YANTAI, QINGDAO):  # once each: 600 KB copied into every dead letter
        yield kinds(site, sealer)["oversized"]()
    for n in range(max(count - 2, 0)):
        yield makers[n % len(makers)]()
