"""The seal every event carries on the bus: its hash, the hash of the previous event of the
same case in the same chain, and a site's Ed25519 signature — made once per batch over a Merkle
root, as X-Road does, so that one signature covers many events.

A chain is `<site>.<service>` for a service's own events, and `<from>><to>` for what one site's
exchange sends another. What is signed for each event (its leaf) covers the chain, the case,
the previous hash and the event's own hash, so none of them can be changed alone.

Headers (all text): Tb-Hash, Tb-Prev, Tb-Chain, Tb-Key, Tb-Signed-At, Tb-Signature (the batch's,
base64), Tb-Proof (the Merkle path: `L<hex>` / `R<hex>` joined by commas). Pure; no keys here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

GENESIS = "0" * 64  # the `prev` of the first event of a chain
HEADERS = ("Tb-Hash", "Tb-Prev", "Tb-Chain", "Tb-Key", "Tb-Signed-At", "Tb-Signature", "Tb-Proof")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leaf(chain: str, case_id: UUID, prev: str, event_hash: str) -> bytes:
    return hashlib.sha256(f"{chain}|{case_id}|{prev}|{event_hash}".encode()).digest()


def _pair(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle(leaves: list[bytes]) -> tuple[bytes, list[str]]:
    """The root over the leaves and each leaf's proof (its path of siblings to the root)."""
    paths: list[list[str]] = [[] for _ in leaves]
    level = [(node, [i]) for i, node in enumerate(leaves)]
    while len(level) > 1:
        upper = []
        for n in range(0, len(level), 2):
            left, members_left = level[n]
            if n + 1 == len(level):
                upper.append((left, members_left))  # an odd node rises unchanged
                continue
            right, members_right = level[n + 1]
            for i in members_left:
                paths[i].append(f"R{right.hex()}")
            for i in members_right:
                paths[i].append(f"L{left.hex()}")
            upper.append((_pair(left, right), members_left + members_right))
        level = upper
    return level[0][0], [",".join(p) for p in paths]


def root_from_proof(node: bytes, proof: str) -> bytes:
    """Raises ValueError on a proof that is not a path of `L`/`R` and 32-byte hashes."""
    for step in filter(None, proof.split(",")):
        if step[0] not in "LR" or len(step) != 65:
            raise ValueError(f"bad proof step {step[:16]!r}")
        sibling = bytes.fromhex(step[1:])
        node = _pair(sibling, node) if step[0] == "L" else _pair(node, sibling)
    return node


def signed_message(root: bytes, key_id: str, signed_at: str) -> bytes:
    """What the site's key signs: the batch root, which key, and when."""
    return b"tongban-seal-v1|" + root + f"|{key_id}|{signed_at}".encode()


@dataclass(frozen=True)
class Seal:
    event_hash: str
    prev: str
    chain: str
    key_id: str
    signed_at: str  # ISO 8601, UTC
    signature: str  # base64, over signed_message(root, key_id, signed_at)
    proof: str

    def headers(self) -> dict[str, str]:
        return dict(zip(HEADERS, (self.event_hash, self.prev, self.chain, self.key_id,
                                  self.signed_at, self.signature, self.proof), strict=True))

    @classmethod
    def from_headers(cls, headers: dict[str, str] | None) -> Seal | None:
        if not headers or any(h not in headers for h in HEADERS[:-1]):
            return None
        values = [headers.get(h, "") for h in HEADERS]
        return cls(*values)

    def root(self, case_id: UUID) -> bytes:
        return root_from_proof(leaf(self.chain, case_id, self.prev, self.event_hash), self.proof)
