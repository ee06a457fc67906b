"""`tongban dlq list|show|replay|drop`: an operator's look at a site's dead letters, run beside
the site with its services' settings (TB_<SERVICE>_*), like `tongban ledger verify`.

Reading (list, counts, show) connects as the site's routing, its gateway; a replay or a drop
acts as the service whose consumer refused the letter: with its NATS user (which may delete a
dead letter and publish what the handler forwards) and its store, where the replay's effect and
the record of what the operator did (`services.runtime.dead_letter_record`) commit together.

Nothing here reads the whole stream: counts come from the server's count per subject (a
letter's subject names its consumer and rule), a page skips and reads only headers."""

from __future__ import annotations

import asyncio
import getpass
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from contracts.subjects import dead_letter_stream, dead_letters_for
from services.runtime.aggregate import Context
from services.runtime.consumer import TrackedConsumer
from services.runtime.dead_letter_record import (
    DeadLetterDropped,
    DeadLetterHandling,
    DeadLetterReplayed,
    letter_id,
    operator,
)
from services.runtime.dead_letters import REASON, SEQ, STREAM, SUBJECT, DeadLetter, DeadLetters
from services.runtime.host import ServiceHost, clock_for
from services.runtime.nats_client import connect
from services.runtime.settings import SERVICES, ServiceSettings
from services.runtime.store import CaseStore

SettingsFor = Callable[[str], ServiceSettings]  # a service's settings at the site
READER = "routing"  # the site's gateway: whose NATS user lists and shows letters
REPLAY_SECONDS = 60.0  # a key another site must send, waited for at most this long


class NoLetter(LookupError):
    pass


@dataclass(frozen=True)
class Listed:
    """A letter as a list shows it: from its subject and headers, never its body."""

    dlq_seq: int
    at: datetime
    consumer: str
    rule: str
    stream: str
    seq: int
    subject: str
    reason: str


@dataclass
class Page:
    letters: list[Listed]
    total: int  # letters matching the filters, this page's and the rest


@dataclass
class Shown:
    dlq_seq: int
    at: datetime
    letter: DeadLetter
    headers: dict[str, str]
    history: list[DeadLetterReplayed | DeadLetterDropped] = field(default_factory=list)


def operator_name(by: str | None) -> str:
    """Who acts: `--by`, else the account running the command."""
    return by or getpass.getuser()


async def _connect(settings: ServiceSettings, service: str) -> Client:
    return await connect(settings, service, f"dlq-{service}-{settings.site}")


def _filter(site: str, consumer: str | None, rule: str | None) -> str:
    return dead_letters_for(site, consumer or "*", rule or "*")


async def page(settings: ServiceSettings, consumer: str | None = None, rule: str | None = None,
               since: datetime | None = None, limit: int = 20, offset: int = 0) -> Page:
    """The letters matching the filters, oldest first, `limit` of them after `offset`."""
    nc = await _connect(settings, READER)
    try:
        return await _page(nc.jetstream(), settings.site, _filter(settings.site, consumer, rule),
                           since, limit, offset)
    finally:
        await nc.close()


async def _page(js: JetStreamContext, site: str, subject: str, since: datetime | None,
                limit: int, offset: int) -> Page:
    sub = await js.pull_subscribe(subject, stream=dead_letter_stream(site), config=ConsumerConfig(
        deliver_policy=DeliverPolicy.BY_START_TIME if since else DeliverPolicy.ALL,
        opt_start_time=since, headers_only=True, inactive_threshold=60.0))
    try:
        total = pending = (await sub.consumer_info()).num_pending
        letters: list[Listed] = []
        skip = offset
        while pending and len(letters) < limit:
            wanted = min(pending, skip + limit - len(letters), 500)
            for msg in await sub.fetch(wanted, timeout=10.0):
                pending = msg.metadata.num_pending
                if skip:
                    skip -= 1
                    continue
                if len(letters) < limit:
                    letters.append(_listed(msg))
        return Page(letters, total)
    finally:
        await sub.unsubscribe()


def _listed(msg: Any) -> Listed:
    headers = msg.headers or {}
    _, _, _, consumer, rule = msg.subject.split(".", 4)
    return Listed(msg.metadata.sequence.stream, msg.metadata.timestamp, consumer, rule,
                  headers.get(STREAM, ""), int(headers.get(SEQ, 0)), headers.get(SUBJECT, ""),
                  headers.get(REASON, ""))


async def counts(settings: ServiceSettings, consumer: str | None = None,
                 rule: str | None = None, since: datetime | None = None
                 ) -> dict[tuple[str, str], int]:
    """Letters by (consumer, rule): the server's count per subject, or, since a time, the
    pending count of one throwaway consumer per subject (a few dozen at most)."""
    nc = await _connect(settings, READER)
    try:
        js, stream = nc.jetstream(), dead_letter_stream(settings.site)
        subject = _filter(settings.site, consumer, rule)
        info = await js.stream_info(stream, subjects_filter=subject)
        by_subject = dict(info.state.subjects or {})
        if since is not None:
            for name in by_subject:
                by_subject[name] = (await _page(js, settings.site, name, since, 0, 0)).total
        counted: Counter[tuple[str, str]] = Counter()
        for name, n in by_subject.items():
            _, _, _, of, under = name.split(".", 4)
            counted[(of, under)] += n
        return {k: n for k, n in sorted(counted.items()) if n}
    finally:
        await nc.close()


async def _letter(js: JetStreamContext, site: str, dlq_seq: int) -> tuple[DeadLetter, Any]:
    try:
        raw = await js.get_msg(dead_letter_stream(site), dlq_seq)
    except nats.js.errors.NotFoundError:
        raise NoLetter(f"no dead letter #{dlq_seq} in {dead_letter_stream(site)} (dropped or "
                       "replayed already: see its service's records)") from None
    return DeadLetter(**json.loads(raw.data or b"{}")), raw


async def show(settings_for: SettingsFor, dlq_seq: int) -> Shown:
    """One letter: where the message was, why it was refused, its headers (the seal), its body
    as stored (personal fields still sealed); and what operators did with it so far."""
    letter, raw = await _peek(settings_for(READER), dlq_seq)
    shown = Shown(dlq_seq, raw.time, letter, dict(raw.headers or {}))
    if letter.service in SERVICES:
        store = CaseStore(letter.service, settings_for(letter.service))
        try:
            handling = store.load(DeadLetterHandling, letter_id(letter.key))
            shown.history = handling.history if handling else []
        finally:
            store.close()
    return shown


@dataclass
class Done:
    letter: DeadLetter
    outcome: str  # processed | duplicate | refused | failed | dropped
    detail: str

    @property
    def removed(self) -> bool:
        """Whether the letter left the stream: handled, or dropped."""
        return self.outcome in ("processed", "duplicate", "dropped")


async def replay(settings_for: SettingsFor, site: str, dlq_seq: int, by: str, note: str = "") -> Done:
    """Send the letter's message, as its stream still holds it (bytes and seal headers), through
    the refusing consumer's checks and handler, in the store of that consumer's service; the
    letter goes once its effect is stored (or found stored before), and stays if it is refused
    or fails again. `settings_for(service)`: that service's settings at this site."""
    letter, _ = await _peek(settings_for(READER), dlq_seq)
    if letter.service not in SERVICES or letter.consumer.endswith("-relay"):
        raise NoLetter(f"{letter.consumer}'s letters are events its store keeps, not messages: "
                       "nothing to replay (drop it once the event is dealt with)")
    settings = settings_for(letter.service)
    from tongban.registry import BUILDERS

    host = BUILDERS[letter.service](settings, clock_for(settings))
    nc = host.nc = await _connect(settings, letter.service)
    host.key_client.nc = nc
    try:
        js = nc.jetstream()
        original = await js.get_msg(letter.stream, letter.seq)
        consumer = _consumer_of(host, letter.consumer, js)

        def noted(outcome: str, detail: str) -> DeadLetterHandling:
            handling = _handling(host.store, letter)
            handling.replayed(letter.key, dlq_seq, letter.rule, outcome, detail, note,
                              _ctx(host, by))
            return handling

        outcome, detail = await asyncio.wait_for(consumer.replay(
            original.subject, original.data or b"", original.headers, letter.seq, noted),
            REPLAY_SECONDS)
        done = Done(letter, outcome, detail)
        if done.removed:
            await js.delete_msg(dead_letter_stream(site), dlq_seq)
        return done
    finally:
        await nc.close()
        host.store.close()
        for close in host.closers:
            close()


async def drop(settings_for: SettingsFor, site: str, dlq_seq: int, by: str, note: str = "") -> Done:
    """Remove a letter unprocessed, recorded first in its consumer's service's store."""
    letter, _ = await _peek(settings_for(READER), dlq_seq)
    service = letter.service if letter.service in SERVICES else READER
    settings = settings_for(service)
    store = CaseStore(service, settings)
    try:
        handling = _handling(store, letter)
        handling.dropped(letter.key, dlq_seq, letter.rule, note, Context(
            site, operator(by), clock_for(settings)()))
        store.record(handling)
    finally:
        store.close()
    nc = await _connect(settings, service)
    try:
        await nc.jetstream().delete_msg(dead_letter_stream(site), dlq_seq)
    finally:
        await nc.close()
    return Done(letter, "dropped", "")


async def _peek(settings: ServiceSettings, dlq_seq: int) -> tuple[DeadLetter, Any]:
    nc = await _connect(settings, READER)
    try:
        return await _letter(nc.jetstream(), settings.site, dlq_seq)
    finally:
        await nc.close()


def _handling(store: CaseStore, letter: DeadLetter) -> DeadLetterHandling:
    return store.load(DeadLetterHandling, letter_id(letter.key)) or DeadLetterHandling.of(
        letter.key)


def _ctx(host: ServiceHost, by: str) -> Context:
    return Context(host.site, operator(by), host.clock())


def _consumer_of(host: ServiceHost, name: str, js: JetStreamContext) -> TrackedConsumer:
    subscription = next((s for s in host.subscriptions if s.name == name), None)
    if subscription is None:
        raise NoLetter(f"{host.service} has no consumer {name} (any more)")
    return TrackedConsumer(
        name=name, site=host.site, store=host.store, js=js, stream=subscription.stream,
        subject=subscription.subject, handler=subscription.handler,
        dead_letters=DeadLetters(js, host.site), lock=asyncio.Lock(), verifier=host.verifier,
        clock=host.clock, check_links=False, keys=host.key_client)
