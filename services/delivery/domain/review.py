"""The follow-up of a bad rating (差评整改): the owner calls back and verifies, then fixes it at
once, puts it on the rectification list with a deadline, or explains why it has no legal
basis; a wrong or malicious rating is appealed and a supervisor reviews it. Every stage has a
deadline in working days, and a stage that passes it is flagged once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from contracts.base import Actor
from contracts.evaluation import (
    AppealDecided,
    RectificationCompleted,
    Resolution,
    ReviewAppealed,
    ReviewCalledBack,
    ReviewOpened,
    ReviewOverdue,
    ReviewResolved,
    Stage,
)
from services.delivery.domain import errors
from services.delivery.domain.facts import DeliveryFacts
from services.runtime.aggregate import Context
from services.runtime.workdays import WorkCalendar, china_date

REVIEWER_ROLE = "supervisor"
STATUS_ZH = {"awaiting_callback": "待回访", "awaiting_resolution": "待处理", "appealed": "申诉复核中",
             "rectifying": "整改中", "closed": "已办结", "voided": "差评已撤销"}


@dataclass
class BadReview:
    opened: ReviewOpened
    callback: ReviewCalledBack | None = None
    resolution: ReviewResolved | None = None
    rectified: RectificationCompleted | None = None
    appeal: ReviewAppealed | None = None
    appeal_decision: AppealDecided | None = None
    overdue: set[str] = field(default_factory=set)

    @property
    def status(self) -> str:
        if self.appeal_decision is not None and self.appeal_decision.upheld:
            return "voided"
        if self.appeal is not None and self.appeal_decision is None:
            return "appealed"
        if self.callback is None:
            return "awaiting_callback"
        if self.resolution is None:
            return "awaiting_resolution"
        if self.resolution.resolution == "rectification" and self.rectified is None:
            return "rectifying"
        return "closed"

    def late_stages(self, today: date) -> list[tuple[Stage, date]]:
        """Stages whose deadline passed with the stage still open."""
        late: list[tuple[Stage, date]] = []
        if self.status == "awaiting_callback" and today > self.opened.callback_due:
            late.append(("callback", self.opened.callback_due))
        by = self.resolution.rectify_by if self.resolution else None
        if self.status == "rectifying" and by is not None and today > by:
            late.append(("rectification", by))
        if self.status == "appealed" and self.appeal and today > self.appeal.decide_by:
            late.append(("appeal", self.appeal.decide_by))
        return [(stage, due) for stage, due in late if stage not in self.overdue]


class Reviews(DeliveryFacts):
    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.reviews: dict[UUID, BadReview] = {}

    def open_review(self, rating_id: UUID, owner: str, callback_due: date, ctx: Context) -> None:
        self._trigger(ReviewOpened, ctx, rating_id=rating_id, owner=owner,
                      callback_due=callback_due)

    def call_back(self, rating_id: UUID, reached: bool, verified: bool, notes: str,
                  ctx: Context) -> None:
        self._owned(rating_id, ctx.actor, "awaiting_callback", "已回访")
        self._trigger(ReviewCalledBack, ctx, rating_id=rating_id, reached=reached,
                      verified=verified, notes=notes)

    def resolve(self, rating_id: UUID, resolution: Resolution, detail: str,
                calendar: WorkCalendar, fix_days: int, ctx: Context) -> None:
        self._owned(rating_id, ctx.actor, "awaiting_resolution", "须先回访核实，且不在申诉中")
        rectify_by = (calendar.add(china_date(ctx.at), fix_days)
                      if resolution == "rectification" else None)
        self._trigger(ReviewResolved, ctx, rating_id=rating_id, resolution=resolution,
                      detail=detail, rectify_by=rectify_by)

    def complete_rectification(self, rating_id: UUID, detail: str, ctx: Context) -> None:
        self._owned(rating_id, ctx.actor, "rectifying", "不在整改中")
        self._trigger(RectificationCompleted, ctx, rating_id=rating_id, detail=detail)

    def appeal(self, rating_id: UUID, reason: str, calendar: WorkCalendar, fix_days: int,
               ctx: Context) -> None:
        """申诉: after the call-back, before the rating is otherwise resolved; once."""
        review = self._owned(rating_id, ctx.actor, "awaiting_resolution",
                             "须在回访核实后、处理前提出申诉")
        if review.appeal is not None:
            raise errors.ReviewOutOfOrder("该差评已申诉过一次")
        self._trigger(ReviewAppealed, ctx, rating_id=rating_id, reason=reason,
                      decide_by=calendar.add(china_date(ctx.at), fix_days))

    def decide_appeal(self, rating_id: UUID, upheld: bool, opinion: str, ctx: Context) -> None:
        if ctx.actor.role != REVIEWER_ROLE:
            raise errors.NotAReviewer()
        if self.review(rating_id).status != "appealed":
            raise errors.ReviewOutOfOrder("该差评没有待复核的申诉")
        self._trigger(AppealDecided, ctx, rating_id=rating_id, upheld=upheld, opinion=opinion)

    def flag_late_reviews(self, ctx: Context) -> int:
        """Fired by the clock: each stage past its deadline is flagged once."""
        raised, today = 0, china_date(ctx.at)
        for rating_id, review in self.reviews.items():
            for stage, due in review.late_stages(today):
                self._trigger(ReviewOverdue, ctx, rating_id=rating_id, stage=stage, due=due,
                              owner=review.opened.owner)
                raised += 1
        return raised

    def review(self, rating_id: UUID) -> BadReview:
        if rating_id not in self.reviews:
            raise errors.UnknownRating()
        return self.reviews[rating_id]

    def _owned(self, rating_id: UUID, actor: Actor, status: str, refusal: str) -> BadReview:
        review = self.review(rating_id)
        if actor.staff_id != review.opened.owner:
            raise errors.NotTheOwner(review.opened.owner)
        if review.status != status:
            raise errors.ReviewOutOfOrder(f"{refusal}（当前：{STATUS_ZH[review.status]}）")
        return review

    def apply_review_opened(self, event: ReviewOpened) -> None:
        self.reviews[event.rating_id] = BadReview(event)

    def apply_review_called_back(self, event: ReviewCalledBack) -> None:
        self.reviews[event.rating_id].callback = event

    def apply_review_resolved(self, event: ReviewResolved) -> None:
        self.reviews[event.rating_id].resolution = event

    def apply_rectification_completed(self, event: RectificationCompleted) -> None:
        self.reviews[event.rating_id].rectified = event

    def apply_review_appealed(self, event: ReviewAppealed) -> None:
        self.reviews[event.rating_id].appeal = event

    def apply_appeal_decided(self, event: AppealDecided) -> None:
        self.reviews[event.rating_id].appeal_decision = event

    def apply_review_overdue(self, event: ReviewOverdue) -> None:
        self.reviews[event.rating_id].overdue.add(event.stage)
