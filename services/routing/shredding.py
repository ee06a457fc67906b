"""Crypto-shredding at this site: when a case's retention period has run out, when an admin
records a lawful erasure request, or when a party of the case records that it shredded, this
site destroys every key it holds to the case's personal fields (the vault keeps a tombstone),
removes the case's files unless another case here still keeps them, and records
`PersonalDataDestroyed`, which the exchange carries to the case's other parties.

Every site's exchange sees the case's events: its own site's on its stream (a case that was
never accepted too) and what its parties send. The clock's job reads only the cases due."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import anyio

from contracts.base import Actor, DomainEvent
from contracts.files import MaterialFileAttached
from contracts.intake import CaseCompleted, CaseRejected, CaseTerminated
from contracts.personal import DATA_KINDS_ZH
from contracts.routing import PersonalDataDestroyed
from services.directory import Directory
from services.directory.models import DEFAULT_PERSONAL_DATA_RETENTION_DAYS
from services.routing import read_side
from services.routing.domain import RoutedCase
from services.routing.file_holders import FileHolders
from services.routing.personal_retention import CaseRetention, Shredding, UnroutedCase
from services.runtime import files
from services.runtime.aggregate import CaseNotFound, Context, system_actor
from services.runtime.host import ServiceHost
from services.runtime.workdays import china_date

ENDS = (CaseCompleted, CaseRejected, CaseTerminated)  # 办结 (approved or denied), 不予受理, 终止


class Shredder:
    def __init__(self, host: ServiceHost, directory: Directory) -> None:
        self.host, self.directory = host, directory

    def noted(self, event: DomainEvent, ctx: Context, case: RoutedCase | None = None
              ) -> list[Any]:
        """What an event of a case seen here changes in its retention: kinds of data, files,
        its end; a party's shredding is followed here. `case`: the case as the exchange has
        it loaded for this message, if routed here."""
        if not _concerns_retention(event):
            return []
        store = self.host.store
        retention = (store.load(CaseRetention, CaseRetention.id_for(event.case_id))
                     or CaseRetention.of(event.case_id))
        if retention.shredded:
            return []
        retention.note(event, ctx)
        if isinstance(event, PersonalDataDestroyed):
            if event.acting_site == self.host.site:
                return [retention]
            return self.shred(retention, event.basis, event.legal_basis, ctx,
                              following=event.acting_site, case=case)
        if isinstance(event, ENDS):
            retention.start(event, self._keep_days(retention), ctx)
        if isinstance(event, MaterialFileAttached):
            file_id = FileHolders.id_for(event.file.sha256)
            held = store.load(FileHolders, file_id) or FileHolders(file_id)
            held.hold(event.file.sha256, event.case_id, event.case_number, ctx)
            return [retention, held]
        return [retention]

    def shred_expired(self, batch: int = 100) -> int:
        """Fired by the clock: the cases whose retention ran out lose their keys here. Reads
        only the cases due, a batch per tick. Returns how many were shredded."""
        ctx = Context(self.host.site, system_actor("routing"), self.host.clock())
        rows = self.host.store.read(read_side.personal_data_expired(china_date(ctx.at), batch))
        for row in rows:
            retention = self.host.store.get(CaseRetention, UUID(row["id"]))
            self.host.store.record(*self.shred(retention, "retention", None, ctx))
        return len(rows)

    def erase(self, case_id: UUID, legal_basis: str, actor: Actor,
              correlation_id: UUID) -> dict[str, Any]:
        """A lawful erasure request (依法删除), recorded with its written basis: shred now."""
        retention = self.host.store.load(CaseRetention, CaseRetention.id_for(case_id))
        if retention is None:
            raise CaseNotFound(case_id)
        retention.check_may_erase()
        ctx = Context(self.host.site, actor, self.host.clock(), correlation_id)
        case, _ = shredded = self.shred(retention, "erasure", legal_basis, ctx)
        self.host.store.record(*shredded)
        return destroyed_view(case.personal_data_destroyed)

    def shred(self, retention: CaseRetention, basis: str, legal_basis: str | None,
              ctx: Context, following: str | None = None, case: RoutedCase | None = None
              ) -> list[Any]:
        """Keys destroyed, files removed, and the case's record of it; returns what to store
        (the case's aggregate here first)."""
        assert retention.of_case is not None
        case_id = retention.of_case
        record: Shredding = case or self._case(retention)
        self.host.store.vault.destroy(case_id, basis if following is None
                                      else f"{basis} at {following}", ctx.at)
        today = china_date(ctx.at)
        removed = self._remove_files(record, retention)
        if removed:
            record.record_files_gone(retention, removed, retention.keep_until or today, ctx)
        record.record_destroyed(retention, basis, legal_basis, following, ctx)
        retention.mark_shredded(basis, ctx)
        return [record, retention]

    def _case(self, retention: CaseRetention) -> Shredding:
        assert retention.of_case is not None
        if retention.routed:
            return self.host.store.get(RoutedCase, retention.of_case)
        return (self.host.store.load(UnroutedCase, retention.of_case)
                or UnroutedCase(retention.of_case))

    def _remove_files(self, case: Shredding, retention: CaseRetention) -> list[str]:
        held = set(retention.files)
        if isinstance(case, RoutedCase):
            held = held - set(case.files) if case.files_removed else held | set(case.files)
        gone = sorted(held)  # this case's own sealed copies: another case keeps its own
        for sha in gone:
            anyio.from_thread.run(files.remove, self.host.js, self.host.site, retention.of_case,
                                  sha)
        return gone

    def _keep_days(self, retention: CaseRetention) -> int:
        matter = self.directory.matter(retention.matter_code or "")
        return (matter.personal_data_retention_days if matter is not None
                else DEFAULT_PERSONAL_DATA_RETENTION_DAYS)


def _concerns_retention(event: DomainEvent) -> bool:
    return bool(type(event).personal) or isinstance(
        event, (*ENDS, MaterialFileAttached, PersonalDataDestroyed)) or event.name in (
        "case_routed", "case_admitted")


def destroyed_view(event: PersonalDataDestroyed | None) -> dict[str, Any]:
    assert event is not None
    return {"case_id": str(event.case_id), "case_number": event.case_number,
            "site": event.acting_site, "basis": event.basis, "legal_basis": event.legal_basis,
            "kept_until": event.kept_until.isoformat() if event.kept_until else None,
            "kinds": [{"kind": k, "name": DATA_KINDS_ZH.get(k, k)} for k in event.kinds],
            "destroyed_at": event.occurred_at.isoformat(), "by": event.actor.staff_id}
