"""Events of the auditor's ledger."""

from __future__ import annotations

from contracts.base import DomainEvent


class CaseArchived(DomainEvent):
    """资料归档: the ledger closed the case file with every event it had seen."""

    service = "ledger"
    event_count: int
