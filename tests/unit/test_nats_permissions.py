"""The NATS permissions, read against the published language: every event a service publishes
is its own to publish and nobody else's; every stream's subjects have a publisher at their
site or at its parties; no user may purge or delete a stream. A new event or stream without
its rule fails here before any server runs."""

from __future__ import annotations

import pytest

from contracts import all_event_classes
from contracts.base import DomainEvent
from contracts.subjects import admitted_subject, dead_letter_stream, inbox_subject, own_subject
from services.runtime.personal.desk import key_subject
from services.runtime.settings import SERVICES
from services.runtime.streams import domain, outbox_stream, site_stream_configs
from tests.support.events import sample
from tongban.nats_permissions import service_permissions, site_permissions

A, B, C = "370671", "370202", "370602"
SITES = (A, B, C)
PUBLISHED = [c for c in all_event_classes() if c.published]


def granted(patterns: list[str], subject: str) -> bool:
    """NATS matching: `*` one token, `>` the rest."""
    def match(pattern: list[str], tokens: list[str]) -> bool:
        if not pattern:
            return not tokens
        if pattern[0] == ">":
            return bool(tokens)
        return bool(tokens) and pattern[0] in ("*", tokens[0]) and match(pattern[1:], tokens[1:])
    return any(match(p.split("."), subject.split(".")) for p in patterns)


def may_publish(site: str, service: str, subject: str, topology: str = "single") -> bool:
    return granted(service_permissions(site, service, topology, SITES)["publish"]["allow"],
                   subject)


def event_of(cls: type[DomainEvent], site: str) -> DomainEvent:
    return sample(cls.type_key(), acting_site=site)


@pytest.mark.parametrize("cls", PUBLISHED, ids=lambda c: c.type_key())
def test_each_event_is_published_by_its_own_service_at_its_own_site_only(
    cls: type[DomainEvent],
) -> None:
    subject = own_subject(event_of(cls, A))
    assert may_publish(A, cls.service, subject)
    assert not any(may_publish(A, s, subject) for s in SERVICES if s != cls.service)
    assert not any(may_publish(C, s, subject) for s in SERVICES)


@pytest.mark.parametrize("cls", PUBLISHED, ids=lambda c: c.type_key())
def test_only_a_sites_routing_carries_to_parties_and_admits_into_its_inbox(
    cls: type[DomainEvent],
) -> None:
    from_a, from_b = event_of(cls, A), event_of(cls, B)
    for topology in ("single", "hub"):
        assert may_publish(A, "routing", inbox_subject(B, from_a), topology)
        assert may_publish(A, "routing", admitted_subject(A, from_b), topology)
        for service in SERVICES:
            assert not may_publish(C, service, inbox_subject(B, from_a), topology)
            assert not may_publish(C, service, admitted_subject(A, from_b), topology)
            if service != "routing":
                assert not may_publish(A, service, admitted_subject(A, from_b), topology)


@pytest.mark.parametrize("topology", ["single", "hub"])
def test_every_stream_of_a_site_is_used_by_its_services_and_purged_or_deleted_by_none(
    topology: str,
) -> None:
    """Only one message at a time may go, and only a dead letter (`tongban dlq drop`)."""
    for config in site_stream_configs(A, topology, SITES):
        for subject in config.subjects or []:
            samples = [subject.replace("*", B).replace(">", f"{token}.case_x.v1")
                       for token in (*SERVICES, *SITES)]  # a service, or the sending site
            assert any(may_publish(site, s, sample, topology)  # its inbox: by its parties
                       for site in SITES for s in SERVICES for sample in samples), subject
        for service in SERVICES:
            assert may_publish(A, service, f"$JS.API.STREAM.INFO.{config.name}", topology)
            for verb in ("PURGE", "DELETE", "MSG.DELETE"):
                allowed = verb == "MSG.DELETE" and config.name == dead_letter_stream(A)
                assert may_publish(A, service, f"$JS.API.STREAM.{verb}.{config.name}",
                                   topology) is allowed, (service, verb, config.name)


def test_across_the_hub_a_site_may_only_source_what_another_addresses_to_it() -> None:
    allowed = site_permissions(C, SITES)["publish"]["allow"]
    create = f"$JS.{domain(A)}.API.CONSUMER.CREATE.{outbox_stream(A)}.src"
    assert granted(allowed, f"{create}.tb.to.{C}.>")
    assert not granted(allowed, f"{create}.tb.to.{B}.>")
    assert not granted(allowed, f"{create}.tb.to.>")
    assert not granted(allowed, f"$JS.{domain(A)}.API.CONSUMER.CREATE.{outbox_stream(A)}")
    for verb in ("STREAM.PURGE", "STREAM.DELETE", "STREAM.INFO", "STREAM.MSG.GET"):
        assert not granted(allowed, f"$JS.{domain(A)}.API.{verb}.{outbox_stream(A)}")


@pytest.mark.parametrize("topology", ["single", "hub"])
def test_a_site_asks_for_personal_data_keys_only_in_its_own_name_and_only_routing_answers(
    topology: str,
) -> None:
    for service in SERVICES:
        assert may_publish(B, service, key_subject(A, B), topology)
        assert not may_publish(C, service, key_subject(A, B), topology)  # posing as Qingdao
        rules = service_permissions(A, service, topology, SITES)
        answers = granted(rules["subscribe"]["allow"], key_subject(A, B))
        assert answers == (service == "routing") == rules.get("allow_responses", False)
        assert not granted(rules["subscribe"]["allow"], key_subject(B, A))
    assert granted(site_permissions(B, SITES)["publish"]["allow"], key_subject(A, B))
    assert not granted(site_permissions(C, SITES)["publish"]["allow"], key_subject(A, B))
