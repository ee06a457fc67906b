"""多地联办 coordinated at the receiving site: one part per participating site, a joint session,
and the case decided when every part approved or one part denied. Each step is an event of the
case, so a restart in the middle resumes exactly where it stood."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.approval import JointPartDecided
from contracts.routing import (
    JointCaseDecided,
    JointPart,
    JointPartReported,
    JointSessionHeld,
    JointSessionScheduled,
    SupervisionNoted,
)
from services.runtime.aggregate import Aggregate, Context, DomainError
from services.runtime.workdays import china_date


class NotJoint(DomainError):
    def __init__(self) -> None:
        super().__init__("该办件不是多地联办")


class JointCoordination(Aggregate):
    receiving_site: str

    def __init__(self, case_id: Any) -> None:
        super().__init__(case_id)
        self.joint_parts: list[JointPart] = []
        self.decide_by = None
        self.reports: dict[str, JointPartReported] = {}
        self.joint_decision: JointCaseDecided | None = None
        self.session: JointSessionScheduled | None = None
        self.supervised: set[str] = set()  # sites supervised for their joint part
        self.supervised_legs: set[str] = set()

    def schedule_session(self, starts_at: datetime, link: str, ctx: Context) -> None:
        self.check_joint()
        self._trigger(JointSessionScheduled, ctx, starts_at=starts_at, link=link,
                      participants=[p.site for p in self.joint_parts])

    def record_session(self, minutes: str, ctx: Context) -> None:
        self.check_joint()
        if self.session is None:
            raise NoSessionScheduled()
        self._trigger(JointSessionHeld, ctx, minutes=minutes)

    def report_part(self, decided: JointPartDecided, ctx: Context) -> None:
        """Only the coordinating site records parts; each part once, the outcome once."""
        if (not self.joint_parts or ctx.site != self.receiving_site
                or decided.part_site in self.reports or self.joint_decision is not None):
            return
        self._trigger(JointPartReported, ctx, part_site=decided.part_site,
                      approved=decided.approved, reason=decided.reason)
        if not decided.approved:
            self._trigger(JointCaseDecided, ctx, approved=False, denied_part=decided.part_site,
                          reason=decided.reason)
        elif set(self.reports) == {p.site for p in self.joint_parts}:
            self._trigger(JointCaseDecided, ctx, approved=True, reason="各参与地均已准予")

    def supervise_silent_parts(self, ctx: Context) -> int:
        """A part with no decision after the promised date is supervised, once."""
        if (not self.joint_parts or self.joint_decision is not None or self.decide_by is None
                or china_date(ctx.at) <= self.decide_by):
            return 0
        silent = [p for p in self.joint_parts
                  if p.site not in self.reports and p.site not in self.supervised]
        for part in silent:
            self._trigger(SupervisionNoted, ctx, leg="joint_part", responsible_site=part.site,
                          detail=f"{part.department}（{part.role}）逾期未作出决定，"
                                 f"承诺办结日期 {self.decide_by}")
        return len(silent)

    def check_joint(self) -> None:
        if not self.joint_parts:
            raise NotJoint()

    def apply_joint_part_reported(self, event: JointPartReported) -> None:
        self.reports[event.part_site] = event

    def apply_joint_case_decided(self, event: JointCaseDecided) -> None:
        self.joint_decision = event

    def apply_joint_session_scheduled(self, event: JointSessionScheduled) -> None:
        self.session = event

    def apply_joint_session_held(self, event: JointSessionHeld) -> None:
        pass

    def apply_supervision_noted(self, event: SupervisionNoted) -> None:
        self.supervised_legs.add(event.leg)
        if event.leg == "joint_part":
            self.supervised.add(event.responsible_site)


class NoSessionScheduled(DomainError):
    def __init__(self) -> None:
        super().__init__("尚未安排联办会商")
