"""How a party site gets the key another site sealed a case's personal fields with: it asks
that site's key desk (routing, which knows the case's parties), over core NATS request and
reply, never a stream, so no key is kept on the bus.

Request, on `tb.keys.<owner>.<asking site>` (NATS lets only the asking site's users publish
there): `{"case_id", "public"}`, a fresh X25519 public key. Reply: the data key encrypted
under a key both derive by X25519 from the two fresh keys (HKDF-SHA256, AES-256-GCM), signed
by the owner's site key (Ed25519, as its seals) — or why not: `refused` (not a party: the
message that needed it is dead-lettered), `unknown` (the case is not routed there yet: asked
again later), `destroyed` (shredded there: shredded here too).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import nats.errors
import structlog
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nats.aio.client import Client
from nats.aio.msg import Msg

from services.runtime.keys import KeyRing, SiteSealer
from services.runtime.personal.vault import Shredded, Vault

log = structlog.get_logger()
REQUEST_TIMEOUT_SECONDS = 5.0


def key_subject(owner: str, asking: str) -> str:
    return f"tb.keys.{owner}.{asking}"


class KeyRefused(Exception):
    """The owner site refused: this site is not a party to the case."""


class KeyUnavailable(Exception):
    """No answer yet (the owner's routing down or the link cut, or the case not routed there
    yet): an outage, waited out."""


class KeyDestroyed(Exception):
    """The owner destroyed the case's key: so must this site."""


def _grant_key(shared: bytes, case_id: UUID, owner: str, asking: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"tongban|key-grant|{case_id}|{owner}|{asking}".encode()).derive(shared)


def _signed(case_id: str, owner: str, asking: str, asked: str, answered: str, wrapped: str,
            signed_at: str) -> bytes:
    return f"tongban-key-grant-v1|{case_id}|{owner}|{asking}|{asked}|{answered}|{wrapped}|" \
           f"{signed_at}".encode()


class KeyDesk:
    """The owner's side: grants the case's key to the case's parties only."""

    def __init__(self, site: str, vault: Vault, sealer: SiteSealer,
                 parties: Callable[[UUID], list[str] | None], clock: Callable[[], datetime],
                 run: Callable[..., Any]) -> None:
        self.site, self.vault, self.sealer, self.parties = site, vault, sealer, parties
        self.clock, self.run = clock, run  # `run`: off the loop, as the store's calls go
        self.granted = self.refused = 0

    async def serve(self, nc: Client) -> None:
        await nc.subscribe(key_subject(self.site, "*"), queue=f"keydesk-{self.site}",
                           cb=self._answer)

    async def _answer(self, msg: Msg) -> None:
        asking = msg.subject.rsplit(".", 1)[-1]
        try:
            body = json.loads(msg.data)
            case_id, asked = UUID(str(body["case_id"])), str(body["public"])
            public = X25519PublicKey.from_public_bytes(base64.b64decode(asked, validate=True))
        except (ValueError, KeyError, TypeError):
            await msg.respond(json.dumps({"refused": "unreadable request"}).encode())
            return
        try:
            answer = await self.run(self._decide, case_id, asking, asked, public)
        except Exception as error:  # noqa: BLE001 - the store down: the party asks again
            log.warning("key_request_failed", case_id=str(case_id), asking=asking,
                        error=type(error).__name__)
            answer = {"unknown": f"site {self.site} cannot answer now"}
        log.info("key_request_answered", case_id=str(case_id), asking=asking,
                 answer=next(iter(answer)))
        await msg.respond(json.dumps(answer).encode())

    def _decide(self, case_id: UUID, asking: str, asked: str,
                public: X25519PublicKey) -> dict[str, str]:
        parties = self.parties(case_id)
        if parties is None:
            return {"unknown": f"case {case_id} not routed at {self.site}"}
        if asking not in parties or asking == self.site:
            self.refused += 1
            return {"refused": f"site {asking} is not a party to case {case_id}"}
        try:
            key = self.vault.get(case_id, self.site)
        except Shredded:
            return {"destroyed": str(case_id)}
        if key is None:
            return {"unknown": f"no key of {self.site} for case {case_id}"}
        mine = X25519PrivateKey.generate()
        answered = base64.b64encode(mine.public_key().public_bytes_raw()).decode()
        nonce = os.urandom(12)
        wrapped = base64.b64encode(nonce + AESGCM(_grant_key(
            mine.exchange(public), case_id, self.site, asking)).encrypt(nonce, key, None)).decode()
        at = self.clock()
        signed_at = at.isoformat()
        key_id, signature = self.sealer.sign(
            _signed(str(case_id), self.site, asking, asked, answered, wrapped, signed_at), at)
        self.granted += 1
        return {"wrapped": wrapped, "public": answered, "signed_at": signed_at,
                "key_id": key_id, "signature": signature}


class KeyClient:
    """The party's side: fetches the keys a message needs before it is read."""

    def __init__(self, site: str, ring: KeyRing) -> None:
        self.site, self.ring = site, ring
        self.nc: Client | None = None
        self.fetched = 0

    async def fetch(self, case_id: UUID, owner: str) -> bytes:
        """The owner's key for the case, to keep; KeyRefused, KeyUnavailable or KeyDestroyed."""
        assert self.nc is not None, "not started"
        mine = X25519PrivateKey.generate()
        asked = base64.b64encode(mine.public_key().public_bytes_raw()).decode()
        try:
            reply = await self.nc.request(key_subject(owner, self.site), json.dumps(
                {"case_id": str(case_id), "public": asked}).encode(),
                timeout=REQUEST_TIMEOUT_SECONDS)
            answer = json.loads(reply.data)
        except (nats.errors.Error, TimeoutError, ValueError) as error:
            raise KeyUnavailable(f"key of case {case_id} from {owner}: {error!r}") from None
        if "refused" in answer:
            raise KeyRefused(str(answer["refused"]))
        if "destroyed" in answer:
            raise KeyDestroyed(str(case_id))
        if "unknown" in answer:
            raise KeyUnavailable(str(answer["unknown"]))
        key = self._open(answer, case_id, owner, asked, mine)
        self.fetched += 1
        return key

    def _open(self, answer: dict[str, str], case_id: UUID, owner: str, asked: str,
              mine: X25519PrivateKey) -> bytes:
        try:
            key = self.ring.keys[answer["key_id"]]
            signed_at = datetime.fromisoformat(answer["signed_at"])
            if key.site != owner or not key.valid_at(signed_at):
                raise KeyRefused(f"grant signed by {answer['key_id']}, not {owner}'s valid key")
            key.key.verify(base64.b64decode(answer["signature"]), _signed(
                str(case_id), owner, self.site, asked, answer["public"], answer["wrapped"],
                answer["signed_at"]))
            theirs = X25519PublicKey.from_public_bytes(base64.b64decode(answer["public"]))
            raw = base64.b64decode(answer["wrapped"])
            return AESGCM(_grant_key(mine.exchange(theirs), case_id, owner, self.site)).decrypt(
                raw[:12], raw[12:], None)
        except (KeyError, ValueError, InvalidSignature, InvalidTag) as error:
            raise KeyRefused(f"grant from {owner} does not verify: {type(error).__name__}") from None
