"""Use cases of the ledger: keep every event the site may see, project it for auditors, read
personal data only on the record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from contracts.base import Actor
from contracts.identity import Company, Person
from services.ledger.domain import CaseFile
from services.ledger.projections import Projector, Row
from services.ledger.projections.work_ledger import STATUS_ZH, WorkLedger, timeliness
from services.runtime.aggregate import CaseNotFound, Context, DomainError, system_actor
from services.runtime.consumer import Delivery, Effect
from services.runtime.host import ServiceHost
from services.runtime.workdays import china_date

AUDITOR_ROLE = "auditor"


class AuditorOnly(DomainError):
    status = 403
    field = "X-Staff-Role"

    def __init__(self) -> None:
        super().__init__("查看未脱敏的个人信息须由审计岗（auditor）进行，并记录在案")


class Ledger:
    def __init__(self, host: ServiceHost, projector: Projector, archiving: bool = True) -> None:
        """`archiving=False` replays streams into a lost store without archiving anew: the
        archive events are on the stream and come back with the rest."""
        self.host, self.projector, self.archiving = host, projector, archiving

    def on_event(self, delivery: Delivery) -> Effect:
        event = delivery.event
        case = self.host.store.load(CaseFile, event.case_id) or CaseFile(event.case_id)
        ctx = Context(self.host.site, system_actor("ledger"), self.host.clock(),
                      event.correlation_id)
        case.observe(event, delivery.stream, delivery.seq, delivery.subject, delivery.data,
                     delivery.seal.headers() if delivery.seal else {}, ctx, self.archiving)
        return Effect(aggregates=[case])

    def project(self) -> int:
        return self.projector.catch_up(self.host.store)

    def _row(self, name: str, case_id: UUID) -> Row:
        with self.projector.lock:
            row = self.projector[name].rows.get(str(case_id))
            if row is None:
                raise CaseNotFound(case_id)
            return dict(row)

    def timeline(self, case_id: UUID) -> dict[str, Any]:
        row = self._row("timeline", case_id)
        archived = self._row("work_ledger", case_id)["archived"] if self._known(case_id) else False
        return {"case_id": str(case_id), "case_number": row["case_number"], "archived": archived,
                "timeline": [{k: v for k, v in e.items() if k != "version"}
                             for e in row["events"]]}

    def _known(self, case_id: UUID) -> bool:
        return str(case_id) in self.projector["work_ledger"].rows

    def legs(self, case_id: UUID) -> dict[str, Any]:
        row = self._row("legs", case_id)
        return {"case_id": str(case_id), "case_number": row["case_number"], "legs": row["legs"]}

    def custody(self, case_id: UUID) -> dict[str, Any]:
        with self.projector.lock:
            row = self.projector["custody"].rows.get(str(case_id))
        if row is None:
            self._row("timeline", case_id)  # 404 for a case never seen
            return {"case_id": str(case_id), "steps": []}
        return {"case_id": str(case_id), "case_number": row["case_number"],
                "steps": [{k: v for k, v in s.items() if k not in ("service", "version")}
                          for s in row["steps"]]}

    def work_ledger(self, today: date | None = None) -> list[Row]:
        today = today or china_date(self.host.clock())
        with self.projector.lock:
            rows = [(key, dict(row)) for key, row in self.projector.rows("work_ledger")]
        return sorted(({"case_id": key, **row, "status_zh": STATUS_ZH[row["status"]],
                        "timeliness": timeliness(row, today)} for key, row in rows),
                      key=lambda r: (r["accepted_on"] or "", r["case_number"]))

    def cases(self, site: str | None = None, matter: str | None = None,
              status: str | None = None, accepted_from: date | None = None,
              accepted_to: date | None = None, overdue: bool | None = None) -> list[Row]:
        def keep(row: Row) -> bool:
            sites = [row["receiving_site"], *row["business_sites"]]
            accepted = row["accepted_on"]
            return ((site is None or site in sites)
                    and (matter is None or row["matter_code"] == matter)
                    and (status is None or row["status"] == status)
                    and (accepted_from is None or (accepted and accepted >= accepted_from.isoformat()))
                    and (accepted_to is None or (accepted and accepted <= accepted_to.isoformat()))
                    and (overdue is None or (row["timeliness"] == "超期") == overdue))
        return [row for row in self.work_ledger() if keep(row)]

    def state_at(self, case_id: UUID, at: datetime) -> dict[str, Any]:
        """The case as the ledger knew it at `at`: its events up to then, folded afresh."""
        file = self.host.store.get(CaseFile, case_id)
        events = [e for e in file.timeline() if e.occurred_at <= at]
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
        with self.projector.lock:
            legs = {k: r["legs"] for k, r in self.projector.rows("legs")}
            cases = {k: dict(r) for k, r in self.projector.rows("work_ledger")}
        groups: dict[tuple[str, str, str, str], list[float]] = {}
        for key, rows in legs.items():
            case = cases.get(key)
            if case is None:
                continue
            business = case["business_sites"][0] if case["business_sites"] else ""
            for leg in rows:
                if leg["hours"] is None or leg["leg"] == "paused":
                    continue
                at_window = leg["responsible"] in ("receiving_site", "applicant")
                site = case["receiving_site"] if at_window else business
                unit = "跨域通办窗口" if at_window else case["department"]
                groups.setdefault((leg["leg"], leg["responsible"], site, unit), []).append(
                    leg["hours"])
        return [{"leg": leg, "responsible": who, "site": site, "unit": unit,
                 "cases": len(hours), "mean_hours": round(sum(hours) / len(hours), 2)}
                for (leg, who, site, unit), hours in sorted(groups.items())]

    def ratings(self) -> list[Row]:
        with self.projector.lock:
            return [{"rating_id": k, **r} for k, r in self.projector.rows("ratings")]

    def personal_data_reads(self) -> list[Row]:
        with self.projector.lock:
            return sorted((dict(r) for _, r in self.projector.rows("personal_data_reads")),
                          key=lambda r: r["at"])

    def read_personal_data(self, case_id: UUID, reason: str, actor: Actor,
                           correlation_id: UUID) -> dict[str, Any]:
        """The applicant unmasked, for an auditor, and the read itself on the record."""
        if actor.role != AUDITOR_ROLE:
            raise AuditorOnly()
        file = self.host.store.get(CaseFile, case_id)
        applicant = next((e.applicant for e in file.timeline()  # type: ignore[attr-defined]
                          if hasattr(e, "applicant")), None)
        if applicant is None:
            raise CaseNotFound(case_id)
        fields = (["applicant.name", "applicant.id_number", "applicant.phone"]
                  if isinstance(applicant, Person) else
                  ["applicant.legal_representative", "applicant.representative_id_number",
                   "applicant.phone"])
        file.read_personal_data(fields, reason, Context(self.host.site, actor, self.host.clock(),
                                                        correlation_id))
        self.host.store.record(file)
        shown = applicant.model_dump(mode="json")
        if isinstance(applicant, Company):
            shown.pop("agent", None)
        return {"case_id": str(case_id), "case_number": file.case_number, "applicant": shown,
                "fields": fields}
