"""Events of service evaluation (好差评): one rating per visit at the window, one per matter,
and the handling of a bad rating by whoever handled the service (谁办理谁负责)."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import DivisionCode, DomainEvent
from contracts.identity import Phone
from contracts.personal import Kept

Scope = Literal["visit", "matter"]  # 一次一评 / 一事一评
RatedUnit = Literal["window", "department"]
Stage = Literal["callback", "rectification", "appeal"]
Resolution = Literal["fixed", "rectification", "explained"]  # 立行立改 / 整改台账 / 解释说明

LEVELS_ZH = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
BAD_LEVELS = frozenset({4, 5})


class Evaluator(BaseModel):
    """Who rated: confidential, shown only to those who must act on the rating."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    phone: Phone


class ServiceRated(DomainEvent):
    """One rating of one unit: the receiving window, or the business-site department."""

    service = "delivery"
    scope: Scope
    service_day: date  # the visit, or the day the matter ended
    unit: RatedUnit
    rated_site: DivisionCode
    rated_unit_name: str
    served_by: str | None  # the window clerk of the visit; the department resolves its own
    level: int = Field(ge=1, le=5)
    comment: str = ""
    evaluator: Kept[Evaluator]
    personal = ("evaluator",)


class ReviewOpened(DomainEvent):
    """A bad rating (levels 4 and 5) is owned by whoever handled the service."""

    service = "delivery"
    rating_id: UUID
    owner: str
    callback_due: date


class ReviewCalledBack(DomainEvent):
    """回访核实: the owner called the evaluator and verified what happened."""

    service = "delivery"
    rating_id: UUID
    reached: bool
    verified: bool
    notes: str


class ReviewResolved(DomainEvent):
    """Fixed at once, put on the rectification list with a deadline, or explained."""

    service = "delivery"
    rating_id: UUID
    resolution: Resolution
    detail: str
    rectify_by: date | None = None


class RectificationCompleted(DomainEvent):
    service = "delivery"
    rating_id: UUID
    detail: str


class ReviewAppealed(DomainEvent):
    """申诉: the owner holds the rating wrong or malicious and asks for a review."""

    service = "delivery"
    rating_id: UUID
    reason: str
    decide_by: date


class AppealDecided(DomainEvent):
    """复核: upheld voids the rating; rejected leaves it, and the owner must still resolve it."""

    service = "delivery"
    rating_id: UUID
    upheld: bool
    opinion: str


class ReviewOverdue(DomainEvent):
    """A stage of a bad-review follow-up passed its deadline (raised once per stage)."""

    service = "delivery"
    rating_id: UUID
    stage: Stage
    due: date
    owner: str
