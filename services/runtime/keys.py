"""Site keys: a site seals what it publishes with its private key; every receiver checks seals
against the public keys in the site directory, each valid for a period.

Batch sealing keeps the per-event cost low: one Ed25519 signature per relay batch, and a
receiver checks each batch's signature once (a small cache of verified roots), the rest is
hashing. Without a configured key a site signs with a development key derived from the key id —
the directory ships those public keys; a real deployment sets its own (TB_<SERVICE>_SIGNING_KEY_SEED).
A service seals with the newest key it holds that is valid at the moment of sealing, so keys roll
over by the clock; with none valid it refuses to seal rather than seal what would be refused.
"""

from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import structlog
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from contracts.base import DomainEvent
from contracts.seal import Seal, digest, leaf, merkle, signed_message
from services.directory import Directory

log = structlog.get_logger()


class SealBroken(Exception):
    """A seal that does not hold: the reason names what is wrong, `rule` which check failed
    (a dead letter is filed under it)."""

    def __init__(self, reason: str, rule: str = "seal_broken") -> None:
        super().__init__(reason)
        self.rule = rule


def dev_seed(key_id: str) -> bytes:
    """A development key, derivable by anyone: never for a real deployment."""
    return hashlib.sha256(b"tongban-dev-key|" + key_id.encode()).digest()


@dataclass(frozen=True)
class PublicKey:
    site: str
    key_id: str
    key: Ed25519PublicKey
    valid_from: datetime
    valid_until: datetime | None

    def valid_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)


class KeyRing:
    def __init__(self, keys: list[PublicKey]) -> None:
        self.keys = {k.key_id: k for k in keys}

    @classmethod
    def of(cls, directory: Directory) -> KeyRing:
        return cls([
            PublicKey(site.code, k.id, Ed25519PublicKey.from_public_bytes(
                base64.b64decode(k.public_key)), k.valid_from, k.valid_until)
            for site in directory.sites.values() for k in site.keys])

    def current(self, site: str, at: datetime) -> PublicKey:
        valid = [k for k in self.keys.values() if k.site == site and k.valid_at(at)]
        if not valid:
            raise LookupError(f"no valid signing key for site {site} at {at.isoformat()}")
        return max(valid, key=lambda k: k.valid_from)


@dataclass(frozen=True)
class Sealable:
    chain: str
    case_id: UUID
    prev: str
    data: bytes


class Sealer:
    """Seals batches of events with one site key."""

    def __init__(self, key_id: str, private: Ed25519PrivateKey) -> None:
        self.key_id, self.private = key_id, private
        self.signatures = 0

    def seal(self, items: list[Sealable], at: datetime) -> list[Seal]:
        if not items:
            return []
        hashes = [digest(i.data) for i in items]
        root, proofs = merkle([leaf(i.chain, i.case_id, i.prev, h)
                               for i, h in zip(items, hashes, strict=True)])
        signed_at = at.isoformat()
        signature = base64.b64encode(
            self.private.sign(signed_message(root, self.key_id, signed_at))).decode()
        self.signatures += 1
        return [Seal(h, i.prev, i.chain, self.key_id, signed_at, signature, p)
                for i, h, p in zip(items, hashes, proofs, strict=True)]


def sealer_for(site: str, ring: KeyRing, at: datetime, key_id: str | None = None,
               seed: bytes | None = None) -> Sealer:
    """One key, chosen now: for tests and tools that seal at a time they name."""
    key_id = key_id or ring.current(site, at).key_id
    if seed is None:
        log.warning("development_signing_key", site=site, key_id=key_id)
        seed = dev_seed(key_id)
    return Sealer(key_id, Ed25519PrivateKey.from_private_bytes(seed))


class NoSigningKey(Exception):
    """No key this service holds is valid at the sealing time: what it sealed would be refused
    by every receiver, so it seals nothing until the clock reaches a valid key."""


class SiteSealer:
    """Seals each batch with the newest key, among those it holds, valid at the sealing time:
    a key rolls over by the clock, without a restart."""

    def __init__(self, site: str, ring: KeyRing, held: dict[str, Ed25519PrivateKey]) -> None:
        self.site, self.ring = site, ring
        self._sealers = {key_id: Sealer(key_id, key) for key_id, key in held.items()}

    @property
    def signatures(self) -> int:
        return sum(s.signatures for s in self._sealers.values())

    def key_at(self, at: datetime) -> str:
        valid = [k for k in self.ring.keys.values()
                 if k.site == self.site and k.key_id in self._sealers and k.valid_at(at)]
        if not valid:
            raise NoSigningKey(f"no signing key of site {self.site} valid at {at.isoformat()} "
                               f"among those held ({', '.join(sorted(self._sealers))})")
        return max(valid, key=lambda k: k.valid_from).key_id

    def seal(self, items: list[Sealable], at: datetime) -> list[Seal]:
        if not items:
            return []
        return self._sealers[self.key_at(at)].seal(items, at)

    def sign(self, message: bytes, at: datetime) -> tuple[str, str]:
        """Sign something other than events (a key grant): (key id, base64 signature)."""
        key_id = self.key_at(at)
        return key_id, base64.b64encode(self._sealers[key_id].private.sign(message)).decode()


def site_sealer(site: str, ring: KeyRing, key_id: str | None = None,
                seed: bytes | None = None) -> SiteSealer:
    """The keys a service holds: a configured seed is the key it names (or the directory's key
    with its public half); without one, every development key of the site."""
    if seed is None:
        own = [key_id] if key_id else [k.key_id for k in ring.keys.values() if k.site == site]
        log.warning("development_signing_key", site=site, key_ids=own)
        return SiteSealer(site, ring, {k: Ed25519PrivateKey.from_private_bytes(dev_seed(k))
                                       for k in own})
    private = Ed25519PrivateKey.from_private_bytes(seed)
    if key_id is None:
        public = private.public_key().public_bytes_raw()
        matching = [k.key_id for k in ring.keys.values()
                    if k.site == site and k.key.public_bytes_raw() == public]
        if not matching:
            raise ValueError(f"the configured signing key is none of site {site}'s keys "
                             "in the directory")
        key_id = matching[0]
    return SiteSealer(site, ring, {key_id: private})


class Verifier:
    """Checks seals; a batch's signature is verified once and remembered."""

    def __init__(self, ring: KeyRing, cache_size: int = 4096) -> None:
        self.ring, self.cache_size = ring, cache_size
        self._verified: OrderedDict[tuple[bytes, str, str, str], None] = OrderedDict()
        self.signatures_checked = 0

    def check(self, seal: Seal | None, data: bytes, event: DomainEvent) -> None:
        self.check_raw(seal, data, event.acting_site, event.case_id)

    def check_raw(self, seal: Seal | None, data: bytes, acting_site: str, case_id: UUID) -> None:
        """The same check from the two facts it needs, for readers that skip decoding."""
        if seal is None:
            raise SealBroken("unsealed: no signature headers", "unsealed")
        if digest(data) != seal.event_hash:
            raise SealBroken("hash mismatch: the event is not the one that was signed", "hash_mismatch")
        signer = seal.chain.split(">")[0].split(".")[0]
        if signer != acting_site:
            raise SealBroken(f"chain {seal.chain} is not the acting site {acting_site}'s", "foreign_chain")
        key = self.ring.keys.get(seal.key_id)
        if key is None or key.site != signer:
            raise SealBroken(f"unknown key {seal.key_id} for site {signer}", "unknown_key")
        try:
            signed_at = datetime.fromisoformat(seal.signed_at)
        except ValueError:
            raise SealBroken(f"bad signing time {seal.signed_at!r}", "bad_signing_time") from None
        if signed_at.tzinfo is None or not key.valid_at(signed_at):
            raise SealBroken(f"key {seal.key_id} not valid at {seal.signed_at}", "key_not_valid")
        try:
            root = seal.root(case_id)
        except ValueError as error:  # not hex, not a path: nothing a signature could cover
            raise SealBroken(f"unreadable proof: {error}", "unreadable_proof") from None
        memo = (root, seal.key_id, seal.signed_at, seal.signature)
        if memo in self._verified:
            self._verified.move_to_end(memo)
            return
        try:
            key.key.verify(base64.b64decode(seal.signature),
                           signed_message(root, seal.key_id, seal.signed_at))
        except (InvalidSignature, ValueError):
            raise SealBroken(f"bad signature by key {seal.key_id}", "bad_signature") from None
        self.signatures_checked += 1
        self._verified[memo] = None
        if len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)
