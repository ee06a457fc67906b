"""Use cases of the ledger: keep every event the site may see, project it for auditors, read
personal data only on the record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

from contracts.base import Actor
from contracts.identity import Company, Person
from contracts.personal import Withheld
from contracts.routing import PersonalDataDestroyed
from services.ledger import read_side as tables
from services.ledger.domain import CaseFile, EventObserved, timeline
from services.ledger.legs_by_unit import BY_UNIT, legs_by_unit
from services.ledger.person_record import holders_of, person_record
from services.ledger.projections import Row
from services.ledger.projections.work_ledger import STATUS_ZH, WorkLedger, timeliness
from services.ledger.work_ledger_query import CaseFilter, Key, key_of, work_ledger_page
from services.runtime.aggregate import CaseNotFound, Context, DomainError, system_actor
from services.runtime.consumer import Delivery, Effect
from services.runtime.host import ServiceHost
from services.runtime.paging import Page
from services.runtime.projections import Query
from services.runtime.workdays import china_date

AUDITOR_ROLE = "auditor"


class AuditorOnly(DomainError):
    status = 403
    field = "authorization"

    def __init__(self) -> None:
        super().__init__("查看未脱敏的个人信息须由审计岗（auditor）进行，并记录在案")


class ExportTooLarge(DomainError):
    status = 422
    field = "accepted_from"

    def __init__(self, limit: int) -> None:
        super().__init__(f"所选办件超过{limit:,}件，XLSX 无法一次导出：请按受理日期分段导出，或导出 CSV")


class Ledger:
    def __init__(self, host: ServiceHost, archiving: bool = True) -> None:
        """`archiving=False` replays streams into a lost store without archiving anew: the
        archive events are on the stream and come back with the rest."""
        self.host, self.store, self.archiving = host, host.store, archiving

    def on_event(self, delivery: Delivery) -> Effect:
        event = delivery.event
        case = self._open(event.case_id, shredded=isinstance(event, PersonalDataDestroyed))
        ctx = Context(self.host.site, system_actor("ledger"), self.host.clock(),
                      event.correlation_id)
        case.observe(event, delivery.stream, delivery.seq, delivery.subject, delivery.data,
                     delivery.seal.headers() if delivery.seal else {}, ctx, self.archiving,
                     holders_of(event, self.store.vault.blind))
        return Effect(aggregates=[case])

    def _open(self, case_id: UUID, shredded: bool = False) -> CaseFile:
        """The file from its rows, not its events; the same object again when an earlier
        message of the consumer's batch changed it (`CaseStore.unit_of_work`). Once the case's
        personal data is shredded, from its events: the rows still hold what was masked from
        it, the events now read 已销毁, and the rows must be what a rebuild makes of them."""
        batch: dict[UUID, Any] | None = getattr(self.store._work, "aggregates", None)
        if batch is not None and isinstance(batch.get(case_id), CaseFile):
            return batch[case_id]
        if shredded:
            return self.store.load(CaseFile, case_id) or CaseFile(case_id)
        return (tables.file_rows(self.store, case_id)
                or self.store.load(CaseFile, case_id)  # none yet: a new case (one empty read)
                or CaseFile(case_id))

    def _view(self, name: str, case_id: UUID) -> Row:
        row = tables.view(self.store, _table(name), case_id)
        if row is None:
            raise CaseNotFound(case_id)
        return row

    def timeline(self, case_id: UUID) -> dict[str, Any]:
        row = self._view("timeline", case_id)
        case = tables.view(self.store, tables.WORK_LEDGER, case_id)
        return {"case_id": str(case_id), "case_number": row["case_number"],
                "archived": bool(case and case["archived"]),
                "timeline": [{k: v for k, v in e.items() if k != "version"}
                             for e in row["events"]]}

    def legs(self, case_id: UUID) -> dict[str, Any]:
        row = self._view("legs", case_id)
        return {"case_id": str(case_id), "case_number": row["case_number"], "legs": row["legs"]}

    def custody(self, case_id: UUID) -> dict[str, Any]:
        row = tables.view(self.store, tables.CUSTODY, case_id)
        if row is None:
            self._view("timeline", case_id)  # 404 for a case never seen
            return {"case_id": str(case_id), "steps": []}
        return {"case_id": str(case_id), "case_number": row["case_number"],
                "steps": [{k: v for k, v in s.items() if k not in ("service", "version")}
                          for s in row["steps"]]}

    def cases(self, where: CaseFilter, page: Page) -> list[Row]:
        """A page of the 工作台账, earliest accepted first, filtered in the table."""
        today = china_date(self.host.clock())
        rows = work_ledger_page(self.store, where, today, page.limit, page.offset)
        return [_listed(row, today) for row in rows]

    def work_ledger_pages(self, where: CaseFilter, after: Key | None = None, size: int = 500
                          ) -> tuple[list[Row], Key | None]:
        """A page of the 工作台账 for an export, and the key to ask for the next one after."""
        today = china_date(self.host.clock())
        rows = work_ledger_page(self.store, where, today, size, after=after)
        return [_listed(row, today) for row in rows], key_of(rows[-1]) if rows else None

    def work_ledger(self, where: CaseFilter, at_most: int) -> Iterator[Row]:
        """The 工作台账's rows for a file held whole (XLSX), read a page at a time; more than
        `at_most` is refused, so a file's size never grows with the years kept."""
        (rows, after), given = self.work_ledger_pages(where), 0
        while rows:
            for row in rows:
                given += 1
                if given > at_most:
                    raise ExportTooLarge(at_most)
                yield row
            rows, after = self.work_ledger_pages(where, after)

    def state_at(self, case_id: UUID, at: datetime) -> dict[str, Any]:
        """The case as the ledger knew it at `at`: its events up to then, folded afresh."""
        file = self.store.get(CaseFile, case_id)
        events = [e for e in timeline(file.entries) if e.occurred_at <= at]
        if not events:
            raise CaseNotFound(case_id)
        ledger = WorkLedger()
        for position, event in enumerate(events, 1):
            ledger.apply(event, position)
        row = ledger.rows.get(str(case_id), {})
        return {"case_id": str(case_id), "as_of": at.isoformat(), "events": len(events),
                "last_event": events[-1].name,
                "work_ledger": {**row, "timeliness": timeliness(row, china_date(at))}
                if row else None}

    def legs_by_unit(self) -> list[Row]:
        """Time per leg per site and department: how many cases, and their mean hours."""
        return legs_by_unit(self.store.totals(tables.LEGS, BY_UNIT))

    def ratings(self, page: Page) -> list[Row]:
        """A page of rated cases, first rated first, each with its ratings."""
        query = Query(tables.RATINGS).ordered("first_rated_at").page(page.limit, page.offset)
        return [{"rating_id": key, **rating}
                for row in self.store.read(query)
                for key, rating in sorted(_entries(row).items(),
                                          key=lambda kv: (kv[1]["rated_at"], kv[0]))]

    def personal_data_reads(self, page: Page) -> list[Row]:
        """A page of cases whose personal data was read, first read first, each with its reads
        in the order they were made."""
        query = (Query(tables.PERSONAL_DATA_READS).ordered("first_read_at")
                 .page(page.limit, page.offset))
        return sorted((read for row in self.store.read(query) for read in _entries(row).values()),
                      key=lambda r: r["at"])

    def digests(self) -> dict[str, Any]:
        return {"position": self.store.recorder.max_notification_id() or 0,
                **tables.digests(self.store)}

    def read_personal_data(self, case_id: UUID, reason: str, actor: Actor,
                           correlation_id: UUID) -> dict[str, Any]:
        """The applicant unmasked, for an auditor, and the read itself on the record."""
        if actor.role != AUDITOR_ROLE:
            raise AuditorOnly()
        file = self.store.get(CaseFile, case_id)
        applicant = next((e.applicant for e in timeline(file.entries)  # type: ignore[attr-defined]
                          if hasattr(e, "applicant")), None)
        if applicant is None:
            raise CaseNotFound(case_id)
        fields = (["applicant.name", "applicant.id_number", "applicant.phone"]
                  if isinstance(applicant, Person | Withheld) else
                  ["applicant.legal_representative", "applicant.representative_id_number",
                   "applicant.phone"])
        file.read_personal_data(fields, reason, Context(self.host.site, actor, self.host.clock(),
                                                        correlation_id))
        self.store.record(file)
        shown = applicant.model_dump(mode="json")
        if isinstance(applicant, Withheld):  # shredded: it reads 已销毁 and so says the answer
            shown = {f.removeprefix("applicant."): str(applicant) for f in fields}
        if isinstance(applicant, Company):
            shown.pop("agent", None)
        return {"case_id": str(case_id), "case_number": file.case_number, "applicant": shown,
                "fields": fields}

    def person_record(self, id_number: str, actor: Actor, page: Page) -> dict[str, Any]:
        """A person's record (PIPL Art. 45), for an auditor: found by the number's blind index."""
        if actor.role != AUDITOR_ROLE:
            raise AuditorOnly()
        return person_record(self.store, id_number, self.host.site, page.limit, page.offset)

    def entries(self, case_id: UUID) -> list[EventObserved]:
        """What the file holds, in the order the ledger recorded it."""
        file = self.store.load(CaseFile, case_id)
        return file.entries if file else []


def _table(name: str) -> Any:
    return next(t for t in tables.VIEWS if t.name == name)


def _entries(row: dict[str, Any]) -> dict[str, Row]:
    return json.loads(row["body"])["entries"]


def _listed(row: dict[str, Any], today: date) -> Row:
    case = json.loads(row["body"])
    return {"case_id": row["id"], **case, "status_zh": STATUS_ZH[case["status"]],
            "timeliness": timeliness(case, today)}
