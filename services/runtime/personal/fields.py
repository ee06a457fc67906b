"""Sealing and opening an event's personal fields (contracts/personal.py has the format).

What is stored and published is the sealed form; what handlers and views see is the opened
form, or `Withheld` where the key is destroyed or not held. An event without personal fields
is stored exactly as before, and opened without parsing twice.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contracts.base import DomainEvent
from contracts.personal import DESTROYED, ENVELOPE, SEALED, Withheld
from services.runtime.personal.vault import Shredded, Vault

_MARK = b'"sealed"'  # in every envelope however it is spaced; without it, nothing to open


class FieldUnreadable(ValueError):
    """A sealed field that does not open with its key: changed on the way, or sealed wrong."""


def seal(event: DomainEvent, vault: Vault | None) -> bytes:
    """The event as stored and published: each personal field replaced by its envelope."""
    names = [n for n in type(event).personal
             if getattr(event, n) is not None and not isinstance(getattr(event, n), Withheld)]
    if not names:
        return event.model_dump_json().encode()
    if vault is None:
        raise RuntimeError(f"{event.type_key()} holds personal data and no vault seals it")
    data = event.model_dump(mode="json")
    key = vault.own(event.case_id)
    for name in names:
        nonce = os.urandom(12)
        plain = json.dumps(data[name], ensure_ascii=False, separators=(",", ":")).encode()
        sealed = AESGCM(key).encrypt(nonce, plain, _aad(event.case_id, vault.site, name))
        data[name] = {"sealed": ENVELOPE, "site": vault.site,
                      "ct": base64.b64encode(nonce + sealed).decode()}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def open_event(cls: type[DomainEvent], data: bytes, vault: Vault | None) -> DomainEvent:
    """The event with its personal fields opened where the vault holds their keys."""
    if _MARK not in data:
        return cls.model_validate_json(data)
    fields = json.loads(data)
    case_id = UUID(str(fields.get("case_id")))
    for name in cls.personal:
        value = fields.get(name)
        if is_envelope(value):
            fields[name] = _open(value, case_id, name, vault)
    return cls.model_validate(fields)


def sealed_by(data: bytes, personal: tuple[str, ...]) -> set[tuple[UUID, str]]:
    """(case, site) of every key the message's sealed fields need; empty when none is sealed."""
    if _MARK not in data:
        return set()
    try:
        fields = json.loads(data)
        case_id = UUID(str(fields["case_id"]))
    except (ValueError, KeyError, TypeError):
        return set()  # unreadable: decoding says why
    return {(case_id, str(fields[n].get("site"))) for n in personal
            if is_envelope(fields.get(n))}


def is_envelope(value: Any) -> bool:
    return isinstance(value, dict) and value.get("sealed") == ENVELOPE


def _open(envelope: dict[str, Any], case_id: UUID, name: str, vault: Vault | None) -> Any:
    site = str(envelope.get("site"))
    if vault is None:
        return SEALED.model_dump()
    try:
        key = vault.get(case_id, site)
    except Shredded:
        return DESTROYED.model_dump()
    if key is None:
        return SEALED.model_dump()
    try:
        raw = base64.b64decode(str(envelope.get("ct")), validate=True)
        return json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], _aad(case_id, site, name)))
    except (InvalidTag, ValueError) as error:
        raise FieldUnreadable(f"{name}: sealed by {site}, does not open with its key "
                              f"({type(error).__name__})") from None


def _aad(case_id: UUID, site: str, name: str) -> bytes:
    return f"{ENVELOPE}|{case_id}|{site}|{name}".encode()
