"""Use cases of the window: take in, review, decide, and follow a case to its end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import IO, Literal
from uuid import UUID, uuid5

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.approval import CaseDenied, DeadlineExtended, SupplementRequested
from contracts.base import Actor
from contracts.delivery import (
    MailDelivered,
    ResultFormExplained,
    ResultHandedToApplicant,
    ResultPushedOnline,
)
from contracts.files import FileRef
from contracts.identity import Applicant
from contracts.intake import DeliveryChannel
from contracts.routing import JointCaseDecided, PersonalDataDestroyed
from services.directory import Directory, Matter
from services.intake import read_side
from services.intake.domain.case import WindowCase
from services.intake.domain.counters import Sequence
from services.intake.guide_desk import UnknownMatter
from services.runtime import files
from services.runtime.aggregate import Context, system_actor
from services.runtime.blind_index import holds
from services.runtime.consumer import Delivery, Effect, Rejected
from services.runtime.files import FileRefused, check_upload
from services.runtime.forgetting import forgotten
from services.runtime.host import ServiceHost
from services.runtime.misses import CaseNumberUnknown, MissLimiter, MissLimits
from services.runtime.query_codes import QueryCodes
from services.runtime.reasons_zh import reason_zh
from services.runtime.workdays import WorkCalendar, china_date


def file_ref(**fields: object) -> FileRef:
    """The event's name for a file, or FileRefused: checked before any byte is stored."""
    try:
        return FileRef.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        raise FileRefused(422, f"{'.'.join(map(str, first['loc']))}：{reason_zh(first)}") from None


class OpenCase(BaseModel):
    """What the window clerk enters to take in an application."""

    model_config = ConfigDict(extra="forbid")

    matter_code: str = Field(min_length=1, max_length=33)
    applicant: Applicant
    delivery_channel: DeliveryChannel = "online"


# What a business site tells the receiving window about a case, from afar or from this hall.
BusinessSiteOutcome = (ResultPushedOnline | MailDelivered | CaseDenied | SupplementRequested
                       | DeadlineExtended)


OPENED_BY = UUID("0b6c1f0e-3f7a-5c2e-9d41-7a0e5b8c2d13")  # case ids named by site and request


class Intake:
    def __init__(self, host: ServiceHost, directory: Directory, calendar: WorkCalendar) -> None:
        self.host, self.directory, self.calendar = host, directory, calendar
        self.query_codes = QueryCodes.of(host.settings, directory)
        self.misses = MissLimiter(host.clock, MissLimits.of(host.settings))

    def ctx(self, actor: Actor, correlation_id: UUID) -> Context:
        return Context(self.host.site, actor, self.host.clock(), correlation_id)

    def matter(self, code: str) -> Matter:
        matter = self.directory.matter(code)
        if matter is None:
            raise UnknownMatter(code)
        return matter

    def open_case(self, request: OpenCase, actor: Actor, correlation_id: UUID) -> WindowCase:
        matter = self.matter(request.matter_code)
        ctx = self.ctx(actor, correlation_id)
        case_id, day = uuid5(OPENED_BY, f"{self.host.site}:{correlation_id}"), china_date(ctx.at)
        opened = self.host.store.load(WindowCase, case_id)
        if opened is not None:  # the same 收件 sent again: the case its first sending opened
            return opened
        sequence = self.sequence(f"case:{day.year}")
        number = f"{self.host.site}{day:%Y%m%d}{sequence.allocate(case_id, ctx):07d}"
        case = WindowCase.open(case_id, number, matter, request.applicant,
                               request.delivery_channel, ctx)
        self.host.store.record(case, sequence)
        return case

    def sequence(self, name: str) -> Sequence:
        """A yearly sequence of this site, loaded from the last number it gave."""
        sequence_id = Sequence.id_for(self.host.site, name)
        return (self.host.store.load_from_last_event(Sequence, sequence_id)
                or Sequence.start(self.host.site, name))

    def change(self, case_id: UUID, actor: Actor, correlation_id: UUID,
               command: Callable[[WindowCase, Matter, Context], object]) -> WindowCase:
        """Load a case, run one domain command on it, store what it recorded."""
        case = self.get(case_id)
        command(case, self.matter(case.opened.matter_code), self.ctx(actor, correlation_id))
        self.host.store.record(case)
        return case

    def accept(self, case_id: UUID, actor: Actor, correlation_id: UUID,
               tolerant_due: date | None = None) -> WindowCase:
        """受理 or 容缺受理; the acceptance number is taken in the same transaction."""
        case = self.get(case_id)
        matter = self.matter(case.opened.matter_code)
        ctx = self.ctx(actor, correlation_id)
        year = china_date(ctx.at).year
        sequence = self.sequence(f"acceptance:{year}")
        number = f"{self.host.site}受〔{year}〕{sequence.allocate(case.id, ctx):05d}号"
        if tolerant_due is None:
            case.accept(matter, self.calendar, number, ctx)
        else:
            case.accept_tolerantly(matter, self.calendar, number, tolerant_due, ctx)
        self.host.store.record(case, sequence)
        return case

    async def attach_file(self, case_id: UUID, upload: IO[bytes], file_name: str,
                          declared: str | None, material_code: str, pages: int, actor: Actor,
                          correlation_id: UUID) -> WindowCase:
        """Check the case, the file and every field it is named by, store the bytes under their
        hash, then name them in the case. A refused file stores nothing: bytes this call stored
        are removed again when the case refuses them."""
        case = await self.host.query(lambda: self.get(case_id))
        case.check_can_attach(material_code, self.matter(case.opened.matter_code))
        s = self.host.settings
        media_type, sha, size = await anyio.to_thread.run_sync(
            check_upload, upload, file_name, declared, s.files_allowed_types, s.files_max_bytes)
        ref = file_ref(sha256=sha, size=size, media_type=media_type, file_name=file_name,
                       material_code=material_code, pages=pages)
        stored = await files.put(self.host.js, self.host.site, case_id, sha, upload,
                                self.host.store.vault)
        try:
            return await self.host.command(lambda: self.change(
                case_id, actor, correlation_id, lambda c, m, x: c.attach_file(ref, m, x)))
        except BaseException:
            if stored:
                await files.remove(self.host.js, self.host.site, case_id, sha)
            raise

    def get(self, case_id: UUID) -> WindowCase:
        return self.host.store.get(WindowCase, case_id)

    async def progress(self, case_number: str, id_number: str, query_code: str,
                       address: str) -> WindowCase:
        """The applicant's progress query, its misses limited per case number and address."""
        return await self.misses.attempt(case_number, address, lambda: self.host.query(
            lambda: self.find(case_number, id_number, query_code)))

    def find(self, case_number: str, id_number: str, query_code: str) -> WindowCase:
        """The applicant's case: the number, the ID (by its blind index in the case's row,
        so no case is opened to compare) and the receipt's query code must all match; any miss
        is CaseNumberUnknown."""
        given = self.host.store.vault.blind(id_number)
        for row in self.host.store.read(read_side.by_number(case_number)):
            if holds(row["applicant_blinds"], given) and self.query_codes.matches(
                    UUID(row["id"]), query_code):
                return self.get(UUID(row["id"]))
        raise CaseNumberUnknown()

    def terminate_overdue(self, batch: int = 200) -> int:
        """Fired by the clock: ends tolerant acceptances whose promise was not kept. Reads only
        the cases whose promise ran out, a batch per tick, so the writers' lock is held briefly."""
        ctx = Context(self.host.site, system_actor("intake"), self.host.clock())
        ended = 0
        for row in self.host.store.read(read_side.promises_lapsed(china_date(ctx.at), batch)):
            case = self.get(UUID(row["id"]))
            if case.terminate_if_overdue(ctx):
                self.host.store.record(case)
                ended += 1
        return ended

    def on_admitted(self, delivery: Delivery) -> Effect:
        """What another business site sends back about a case received here."""
        event = delivery.event
        if not isinstance(event, BusinessSiteOutcome):
            return Effect()
        if event.receiving_site != self.host.site:
            raise Rejected(f"case {event.case_id} was not received at site {self.host.site}",
                           "not_received_here")
        return self._follow_business_site(event)

    def on_site_event(self, delivery: Delivery) -> Effect:
        """Done here: this window handed the result over, or explained a result without paper;
        or the joint case this site coordinates was decided, every part approving or one
        denying (the window then tells the applicant); or this hall is itself the business
        site of a case it received (a local matter), so its outcome never crosses the bus."""
        event = delivery.event
        if isinstance(event, PersonalDataDestroyed):
            return forgotten(self.host.store, WindowCase, event,
                             self._system_ctx(event.correlation_id))
        if isinstance(event, BusinessSiteOutcome):
            if event.receiving_site != self.host.site:
                return Effect()  # decided here for a case received elsewhere
            return self._follow_business_site(event)
        if not isinstance(event, ResultHandedToApplicant | ResultFormExplained
                          | JointCaseDecided):
            return Effect()
        case = self._received_case(event.case_id)
        ctx = self._system_ctx(event.correlation_id)
        if isinstance(event, JointCaseDecided):
            case.complete(event.denied_part or self.host.site, ctx,
                          "approved" if event.approved else "denied")
        else:
            business_site = (event.from_site if isinstance(event, ResultHandedToApplicant)
                             else event.business_site)
            case.complete(business_site, ctx)
        return Effect(aggregates=[case])

    def _follow_business_site(self, event: BusinessSiteOutcome) -> Effect:
        """The business site's outcome completes the case at the window: the result pushed
        online or delivered by mail, or the denial (the window then tells the applicant the
        reasons and rights); a supplement request or an extension is passed on."""
        case = self._received_case(event.case_id)
        ctx = self._system_ctx(event.correlation_id)
        if isinstance(event, SupplementRequested):
            case.relay_supplement_request(event.acting_site, event.items, ctx)
        elif isinstance(event, DeadlineExtended):
            case.notify_extension(event.acting_site, event.extra_days, event.reason,
                                  event.due_date, ctx)
        else:
            case.complete(event.acting_site, ctx,
                          "denied" if isinstance(event, CaseDenied) else "approved")
        return Effect(aggregates=[case])

    def _received_case(self, case_id: UUID) -> WindowCase:
        case = self.host.store.load(WindowCase, case_id)
        if case is None:
            raise Rejected(f"case {case_id} was not received at site {self.host.site}",
                           "not_received_here")
        return case

    def _system_ctx(self, correlation_id: UUID) -> Context:
        return Context(self.host.site, system_actor("intake"), self.host.clock(), correlation_id)



IdentitySubject = Literal["applicant", "legal_representative", "agent"]
