"""Events of bringing the result to the applicant (结果送达)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from contracts.base import DivisionCode, DomainEvent

ResultType = Literal["licence", "document", "none"]


class ResultIssued(DomainEvent):
    """The result (licence, document) exists and has a number."""

    service = "delivery"
    result_type: ResultType
    document_number: str
    holder_name: str
    valid_until: date | None = None
    receiving_site: DivisionCode


class ResultPushedOnline(DomainEvent):
    """The electronic result was made available to the applicant, who was notified."""

    service = "delivery"
    document_number: str
    receiving_site: DivisionCode
