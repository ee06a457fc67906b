"""The query code (查询码) printed on a case's receipt: what the applicant gives, besides the
case number and the ID number, to follow the case and to rate it.

It is derived, not stored: eight digits of the SHA-256 of the site key's Ed25519 signature of
the case id. Ed25519 signs deterministically, so the same key gives the same code every time —
a receipt printed again shows the code printed first — and nothing new is kept anywhere, no
event carries it, no read table holds it. The window (intake) prints it and the delivery
service of the same site checks it for a rating; both hold the site's key. Without the key
nobody can compute a code, and a stranger who knows a case number and guesses an ID number
still has one chance in 10^8 per try, tries being limited (`services.runtime.misses`).

The key is the one `query_code_seed` names, else the site's signing key
(`signing_key_seed`), else the development key of the site's first key in the directory.
When the signing key rolls over, set `query_code_seed` to the old seed: every code is a
function of the key, so a new key would silently void every receipt already handed out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.directory import Directory
from services.runtime.keys import dev_seed
from services.runtime.settings import ServiceSettings

DIGITS = 8
PURPOSE = b"tongban query code|"  # never a message the site seals events with


class QueryCodes:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def of(cls, settings: ServiceSettings, directory: Directory) -> QueryCodes:
        """The codes of the site `settings` name, from the key the module docstring says."""
        seed = settings.query_code_seed or settings.signing_key_seed
        if seed is not None:
            raw = base64.b64decode(seed.get_secret_value())
        else:
            site = directory.site(settings.site)
            keys = sorted(site.keys, key=lambda k: k.valid_from) if site else []
            raw = dev_seed(keys[0].id if keys else f"{settings.site}-dev")
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def code(self, case_id: UUID) -> str:
        """The case's code: eight digits, the same for as long as the key is."""
        signature = self._key.sign(PURPOSE + str(case_id).encode())
        number = int.from_bytes(hashlib.sha256(signature).digest(), "big") % 10**DIGITS
        return f"{number:0{DIGITS}d}"

    def matches(self, case_id: UUID, given: str) -> bool:
        """Whether `given` is the case's code, however it was typed (full-width digits, spaces
        or a hyphen between the groups); compared in constant time."""
        typed = "".join(c for c in unicodedata.normalize("NFKC", given) if c not in " -")
        return hmac.compare_digest(typed.encode(), self.code(case_id).encode())
