"""NATS subjects and streams: a site's own events, and the inbox of what is addressed to a site.

- own events:   tb.<site>.<service>.<event>.v<N>      in stream TB_<site>
- carried:      tb.to.<party>.<from-site>.<event>.v<N> in stream TB_TO_<party> (the inbox)
- admitted:     tb.in.<site>.<from-site>.<event>.v<N>  in stream TB_IN_<site>
- dead letters: tb.dlq.<site>.<consumer>.<rule>       in stream TB_DLQ_<site>

Only the site's exchange (routing) reads the inbox: it admits what comes from a party of the
case into TB_IN, byte for byte, and dead-letters the rest. Every other service reads TB_IN.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from contracts.base import DomainEvent, all_event_classes, event_class, event_class_by_name


def own_subject(event: DomainEvent) -> str:
    return own_subject_of(event.acting_site, type(event))


def inbox_subject(party: str, event: DomainEvent) -> str:
    return carried_subject_of(party, event.acting_site, type(event))


def admitted_subject(site: str, event: DomainEvent) -> str:
    return admitted_subject_of(site, event.acting_site, type(event))


# The same by event type, for a site or a placeholder (`{site}`: the AsyncAPI document) or `*`.

def own_subject_of(site: str, t: type[DomainEvent]) -> str:
    return f"tb.{site}.{t.service}.{t.name}.v{t.version_of_schema()}"


def carried_subject_of(party: str, from_site: str, t: type[DomainEvent]) -> str:
    return f"tb.to.{party}.{from_site}.{t.name}.v{t.version_of_schema()}"


def admitted_subject_of(site: str, from_site: str, t: type[DomainEvent]) -> str:
    return f"tb.in.{site}.{from_site}.{t.name}.v{t.version_of_schema()}"


def own_subjects(site: str, types: Iterable[type[DomainEvent]]) -> list[str]:
    """The subjects of `site`'s own events of these types and their later versions: what a
    consumer that takes only them asks the server for."""
    return sorted({own_subject_of(site, t) for t in _published(types)})


def admitted_subjects(site: str, types: Iterable[type[DomainEvent]]) -> list[str]:
    """The same for the events of these types admitted into `site`, from any site."""
    return sorted({admitted_subject_of(site, "*", t) for t in _published(types)})


def _published(types: Iterable[type[DomainEvent]]) -> list[type[DomainEvent]]:
    """Every published event class that is one of `types`: a handler's isinstance takes a
    later version (a subclass) too."""
    wanted = tuple(types)
    return [c for c in all_event_classes() if c.published and issubclass(c, wanted)]


# Every subject of a kind, as the streams take them and the NATS permissions grant them.

def own_events(site: str, service: str | None = None) -> str:
    """The site's own events, or those of one of its services."""
    return f"tb.{site}.{service}.>" if service else f"tb.{site}.>"


def carried_from(site: str) -> str:
    return f"tb.to.*.{site}.>"


def carried_to(party: str) -> str:
    return f"tb.to.{party}.>"


def admitted_into(site: str) -> str:
    return f"tb.in.{site}.>"


def dead_letters_of(site: str) -> str:
    return f"tb.dlq.{site}.>"


def own_stream(site: str) -> str:
    return f"TB_{site}"


def inbox_stream(site: str) -> str:
    return f"TB_TO_{site}"


def admitted_stream(site: str) -> str:
    return f"TB_IN_{site}"


def dead_letter_stream(site: str) -> str:
    return f"TB_DLQ_{site}"


def dead_letter_subject(site: str, consumer: str, rule: str) -> str:
    """The rule a letter broke is a token of its subject, so that the server counts the
    letters by consumer and rule (stream info per subject) and filters them without reading
    one."""
    return f"tb.dlq.{site}.{consumer}.{rule}"


def dead_letters_for(site: str, consumer: str = "*", rule: str = "*") -> str:
    """The dead letters of one consumer, or of one rule, or both (`*`: any)."""
    return f"tb.dlq.{site}.{consumer}.{rule}"


@dataclass(frozen=True)
class Envelope:
    """What a subject says about the event it carries."""

    event_type: type[DomainEvent]
    from_site: str
    to_site: str | None  # set for carried and admitted events


class BadSubject(ValueError):
    pass


def parse_subject(subject: str) -> Envelope:
    parts = subject.split(".")
    if len(parts) == 5 and parts[0] == "tb" and parts[1] not in ("to", "in", "dlq"):
        _, site, service, name, version = parts
        return Envelope(event_class(f"{service}.{name}.{version}"), site, None)
    if len(parts) == 6 and parts[0] == "tb" and parts[1] in ("to", "in"):
        _, _, party, site, name, version = parts
        return Envelope(event_class_by_name(name, _version(version)), site, party)
    raise BadSubject(f"not an event subject: {subject!r}")


def _version(token: str) -> int:
    if not token.startswith("v") or not token[1:].isdigit():
        raise BadSubject(f"bad version token {token!r}")
    return int(token[1:])
