"""The published language of tongban: events, subjects, versions. No I/O here."""

from contracts import approval, delivery, evaluation, files, intake, ledger, routing
from contracts.base import Actor, DomainEvent, all_event_classes, event_class
from contracts.identity import Applicant

__all__ = [
    "Actor",
    "Applicant",
    "DomainEvent",
    "all_event_classes",
    "approval",
    "delivery",
    "evaluation",
    "event_class",
    "files",
    "intake",
    "ledger",
    "routing",
]
