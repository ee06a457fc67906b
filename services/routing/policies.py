"""How routing reacts: it routes accepted cases, admits cases sent here, and carries each event
of a case to exactly the other parties that need it."""

from __future__ import annotations

from uuid import UUID

import anyio

from contracts.intake import CaseAccepted, CaseCompleted
from contracts.routing import CaseRouted
from contracts.subjects import admitted_subject, inbox_subject
from services.directory import Directory
from services.routing import read_side
from services.routing.domain import NotAParty, RoutedCase
from services.routing.file_holders import FileHolders
from services.routing.shredding import Shredder
from services.runtime import files
from services.runtime.aggregate import Context, system_actor
from services.runtime.consumer import Delivery, Effect, Forward, Rejected
from services.runtime.host import ServiceHost
from services.runtime.keys import Sealable
from services.runtime.workdays import china_date


class Routing:
    def __init__(self, host: ServiceHost, directory: Directory) -> None:
        self.host, self.directory = host, directory
        self.shredder = Shredder(host, directory)

    def _routed(self, case_id: UUID) -> RoutedCase | None:
        """The case as routing here keeps it, if it was routed or admitted here."""
        case = self.host.store.load(RoutedCase, case_id)
        return case if case is not None and case.routed else None

    def parties_of(self, case_id: UUID) -> list[str] | None:
        """Who may have this site's keys to the case: its parties, as routed here."""
        case = self._routed(case_id)
        return None if case is None else case.parties

    def _ctx(self, delivery: Delivery) -> Context:
        return Context(self.host.site, system_actor("routing"), self.host.clock(),
                       delivery.event.correlation_id)

    def on_site_event(self, delivery: Delivery) -> Effect:
        """Everything this site's services publish passes here, in order."""
        if isinstance(delivery.event, CaseAccepted):
            effect = self._route(delivery.event, delivery)
        else:
            effect = self._carry(delivery)
        return _with(effect, self.shredder.noted(delivery.event, self._ctx(delivery)))

    def _route(self, accepted: CaseAccepted, delivery: Delivery) -> Effect:
        if self._routed(accepted.case_id) is not None:
            return Effect()  # routed before: the same acceptance seen again
        matter = self.directory.matter(accepted.matter_code)
        if matter is None:
            raise Rejected(f"unknown matter {accepted.matter_code}", "unknown_matter")
        case = RoutedCase.route(accepted, matter, self._ctx(delivery))
        return Effect(aggregates=[case, *self._hold_files(case, self._ctx(delivery))])

    def _hold_files(self, case: RoutedCase, ctx: Context) -> list[FileHolders]:
        """A case that brings files here becomes one of their holders."""
        holders = []
        for sha in case.files:
            file_id = FileHolders.id_for(sha)
            held = self.host.store.load(FileHolders, file_id) or FileHolders(file_id)
            held.hold(sha, case.id, case.case_number, ctx)
            holders.append(held)
        return holders

    def _carry(self, delivery: Delivery) -> Effect:
        """Each party gets the event under this site's seal, linked to the previous event of
        the case this site sent that party."""
        event = delivery.event
        case = self._routed(event.case_id)
        if case is None:
            return Effect()  # not a cross-site case (yet): nothing to carry
        ctx = self._ctx(delivery)
        case.take_note(event, ctx)  # our own part of a joint case, say
        if isinstance(event, CaseCompleted):
            case.start_retention(event, self.host.settings.files_retention_days, ctx)
        parties = case.recipients(event)
        if isinstance(event, CaseRouted) and event.files:  # the files go before the case
            anyio.from_thread.run(self._replicate, event.case_id, [f.sha256 for f in event.files],
                                  parties)
        seals = self.host.sealer.seal([
            Sealable(f"{self.host.site}>{party}", event.case_id, case.carried_head(party),
                     delivery.data) for party in parties], self.host.clock())
        for party, seal in zip(parties, seals, strict=True):
            case.record_carried(party, seal.event_hash, ctx)
        return Effect(aggregates=[case], forwards=[
            Forward(inbox_subject(party, event), delivery.data, f"{event.event_id}>{party}", seal)
            for party, seal in zip(parties, seals, strict=True)
        ])

    async def _replicate(self, case_id: UUID, hashes: list[str], parties: list[str]) -> None:
        for party in parties:
            for sha in hashes:
                await files.copy(self.host.js, self.host.site, self.host.js_for(party), party,
                                 case_id, sha)

    def check_files(self, case: RoutedCase, ctx: Context) -> int:
        """Every file of a case sent here, checked against its hash before anyone sees the
        case; a missing or changed copy is recorded and fetched again from the sender."""
        repaired = 0
        for sha in case.files:
            problem = anyio.from_thread.run(files.intact, self.host.js, self.host.site, case.id,
                                            sha, self.host.store.vault)
            if problem is not None:
                anyio.from_thread.run(lambda sha=sha: files.copy(
                    self.host.js_for(case.receiving_site), case.receiving_site, self.host.js,
                    self.host.site, case.id, sha, replace=True))
                case.repaired(sha, case.receiving_site, problem, ctx)
                repaired += 1
        return repaired

    def verify_files(self, after: str = "", batch: int = 100) -> tuple[int, str | None]:
        """Fired on demand: check the copies of a batch of the cases sent here, in id order
        after `after`; returns the repairs and the last case checked (None: no more)."""
        ctx = Context(self.host.site, system_actor("routing"), self.host.clock())
        repaired, last = 0, None
        for row in self.host.store.read(read_side.files_held_after(after, batch)):
            case = self.host.store.get(RoutedCase, UUID(row["id"]))
            repaired += self.check_files(case, ctx)
            self.host.store.record(case)
            last = row["id"]
        return repaired, last

    def remove_expired_files(self, batch: int = 100) -> int:
        """Fired by the clock: the files of cases past their retention go, unless another
        case here still keeps the same file. Reads only the cases due, a batch per tick.
        Returns how many cases were cleared."""
        ctx = Context(self.host.site, system_actor("routing"), self.host.clock())
        today = china_date(ctx.at)
        cleared = 0
        for row in self.host.store.read(read_side.files_expired(today, batch)):
            case = self.host.store.get(RoutedCase, UUID(row["id"]))
            hashes = sorted(case.files)  # this case's own sealed copies (files.object_name)
            for sha in hashes:
                anyio.from_thread.run(files.remove, self.host.js, self.host.site, case.id, sha)
            case.record_removed(hashes, ctx)
            self.host.store.record(case)
            cleared += 1
        return cleared

    def on_inbound(self, delivery: Delivery) -> Effect:
        """The gateway: what another site sends is admitted only if that site is a party of
        the case; admitted events go on to this site's services through TB_IN unchanged."""
        event = delivery.event
        case = self._routed(event.case_id)
        holders: list[FileHolders] = []
        try:
            if isinstance(event, CaseRouted) and case is None:
                case = RoutedCase.admit(event, self._ctx(delivery))
                self.check_files(case, self._ctx(delivery))
                holders = self._hold_files(case, self._ctx(delivery))
            elif case is None:
                raise NotAParty(f"本地不知办件 {event.case_number}，不接收 {event.acting_site} 的消息")
            else:
                case.check_party(event.acting_site)
                case.take_note(event, self._ctx(delivery))
                if isinstance(event, CaseCompleted):
                    case.start_retention(event, self.host.settings.files_retention_days,
                                         self._ctx(delivery))
        except NotAParty as refusal:
            raise Rejected(refusal.reason, "not_a_party") from None
        admit = Forward(admitted_subject(self.host.site, event), delivery.data,
                        f"{event.event_id}<{self.host.site}", delivery.seal)  # as sealed
        kept = self.shredder.noted(event, self._ctx(delivery), case)
        return _with(Effect(aggregates=[case, *holders], forwards=[admit]), kept)


def _with(effect: Effect, aggregates: list[object]) -> Effect:
    """The effect and these aggregates too, each once."""
    every = {id(a): a for a in [*effect.aggregates, *aggregates]}
    return Effect(aggregates=list(every.values()), forwards=effect.forwards)

