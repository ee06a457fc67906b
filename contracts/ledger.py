"""Events of the auditor's ledger."""

from __future__ import annotations

from pydantic import Field

from contracts.base import DomainEvent


class CaseArchived(DomainEvent):
    """资料归档: the ledger closed the case file with every event it had seen."""

    service = "ledger"
    event_count: int


class PersonalDataRead(DomainEvent):
    """An auditor read personal data of a case unmasked: who (the actor), what, and why."""

    service = "ledger"
    fields: list[str] = Field(min_length=1)
    reason: str = Field(min_length=2, max_length=500)
