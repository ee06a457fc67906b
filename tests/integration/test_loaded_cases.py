"""A case kept loaded in memory (`services.runtime.loaded`) is only ever a shortcut: on SQLite
and PostgreSQL, it loads to the state its events fold to, another process's writes show at the
next load, and neither a write the store refused nor a change never stored is kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel

from contracts.base import Actor
from contracts.identity import Person
from contracts.subjects import own_stream, own_subject, parse_subject
from services.intake.domain.case import WindowCase
from services.intake.domain.inputs import HandedOver
from services.intake.main import build as build_window
from services.ledger.domain import CaseFile
from services.ledger.main import build as build_ledger
from services.runtime.aggregate import Aggregate, Context
from services.runtime.consumer import Delivery
from services.runtime.host import ServiceHost
from services.runtime.settings import for_service
from tests.support.clock import FakeClock
from tests.support.events import sample

YANTAI, MATTER = "370671", "370202GT0001"
CLERK = Actor(staff_id="370671-W01", role="window")
WANG = Person(name="王强", id_number="370602198803141233", phone="13805351234")


def state_form(value: Any) -> Any:
    """Everything an aggregate holds, as plain data to compare: every attribute, every event."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): state_form(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [state_form(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(repr(state_form(v)) for v in value)
    if hasattr(value, "__dict__"):
        return {"type": type(value).__qualname__, **state_form(vars(value))}
    return value if isinstance(value, int | float | str | None) else str(value)


@pytest.fixture
def windows(store_overrides: dict[str, Any]) -> Iterator[tuple[ServiceHost, ServiceHost]]:
    """Two windows on one store, as two processes of the service would be."""
    clock = FakeClock()
    hosts = [build_window(for_service("intake", site=YANTAI, **store_overrides), clock)
             for _ in range(2)]
    yield hosts[0], hosts[1]
    for host in hosts:
        host.store.close()


def ctx(host: ServiceHost) -> Context:
    return Context(YANTAI, CLERK, host.clock(), uuid4())


def opened_case(host: ServiceHost, submissions: int = 1) -> UUID:
    """王强's licence change, opened, with each material handed over `submissions` times."""
    matter = host.directory.matter(MATTER)
    assert matter is not None
    case = WindowCase.open(uuid4(), f"{YANTAI}202611260000001", matter, WANG, "online", ctx(host))
    host.store.record(case)
    for _ in range(submissions):
        for material in matter.materials:
            case = host.store.get(WindowCase, case.id)
            case.submit([HandedOver(material_code=material.code)], matter, ctx(host))
            host.store.record(case)
    return case.id


def folded_afresh(host: ServiceHost, cls: type[Aggregate], case_id: UUID) -> Aggregate:
    return cls.replay(case_id, list(host.store.events.get(case_id)))  # type: ignore[arg-type]


def test_a_case_of_many_events_loads_to_the_state_its_events_fold_to(
    windows: tuple[ServiceHost, ServiceHost],
) -> None:
    host, _ = windows
    case_id = opened_case(host, submissions=10)
    host.store.get(WindowCase, case_id)  # now kept
    case = host.store.get(WindowCase, case_id)
    case.verify_identity("applicant", "id_card_reader", ctx(host))
    host.store.record(case)

    loaded = host.store.get(WindowCase, case_id)  # the kept case and the event after it
    assert loaded.version == 52  # opened, 5 materials 10 times, identity
    assert state_form(loaded) == state_form(folded_afresh(host, WindowCase, case_id))


def test_a_case_another_process_changed_is_never_served_stale(
    windows: tuple[ServiceHost, ServiceHost],
) -> None:
    here, there = windows
    case_id = opened_case(here)
    before = here.store.get(WindowCase, case_id)
    changed = there.store.get(WindowCase, case_id)
    changed.verify_identity("applicant", "face_match", ctx(there))
    there.store.record(changed)

    loaded = here.store.get(WindowCase, case_id)
    assert (before.version, loaded.version) == (6, 7)
    assert [i.method for i in loaded.identities] == ["face_match"]


def test_a_write_the_store_refused_is_not_kept(
    windows: tuple[ServiceHost, ServiceHost],
) -> None:
    here, there = windows
    case_id = opened_case(here)
    first, second = here.store.get(WindowCase, case_id), there.store.get(WindowCase, case_id)
    first.verify_identity("applicant", "id_card_reader", ctx(here))
    here.store.record(first)
    second.reject("申请事项不属于本窗口受理范围", None, ctx(there))  # over the same version
    with pytest.raises(IntegrityError):
        there.store.record(second)

    loaded = there.store.get(WindowCase, case_id)
    assert (loaded.version, loaded.status, loaded.ended) == (7, "opened", None)
    assert state_form(loaded) == state_form(folded_afresh(there, WindowCase, case_id))


def test_a_loaded_case_changed_but_never_stored_leaves_the_next_load_as_stored(
    windows: tuple[ServiceHost, ServiceHost],
) -> None:
    host, _ = windows
    case_id = opened_case(host)
    host.store.get(WindowCase, case_id)  # kept as stored
    abandoned = host.store.get(WindowCase, case_id)
    abandoned.verify_identity("applicant", "id_card_reader", ctx(host))  # a refused request
    abandoned.submitted.clear()

    loaded = host.store.get(WindowCase, case_id)
    assert (loaded.version, loaded.identities, loaded.has_pending) == (6, [], False)
    assert len(loaded.submitted) == 5
    assert state_form(loaded) == state_form(folded_afresh(host, WindowCase, case_id))


def test_a_long_ledger_file_loads_to_the_file_its_observations_fold_to(
    store_overrides: dict[str, Any],
) -> None:
    clock = FakeClock()
    host = build_ledger(for_service("ledger", site=YANTAI, **store_overrides), clock)
    try:
        case_id, kinds = uuid4(), ("intake.case_opened.v1", "routing.case_routed.v1",
                                   "delivery.service_rated.v1")
        for seq in range(1, 61):
            event = sample(kinds[seq % 3], case_id, case_number="370671202611260000001")
            event = event.model_copy(update={"occurred_at": clock() + timedelta(minutes=seq)})
            subject = own_subject(event)
            effect = host.subscriptions[0].handler(Delivery(
                event=event, envelope=parse_subject(subject), subject=subject,
                stream=own_stream(YANTAI), seq=seq, data=event.model_dump_json().encode()))
            host.store.record(*effect.aggregates)
            if seq in (20, 40):
                host.store.get(CaseFile, case_id)  # kept at 20 and 40, caught up after

        loaded = host.store.get(CaseFile, case_id)
        assert (loaded.version, len(loaded.entries)) == (60, 60)
        assert state_form(loaded) == state_form(folded_afresh(host, CaseFile, case_id))
    finally:
        host.store.close()
