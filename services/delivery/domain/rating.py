"""好差评 at the receiving site: the applicant rates each visit to the window once, and the
matter once when it ended, within a number of working days; a matter rating judges the
receiving window and the business-site department separately."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from contracts.evaluation import BAD_LEVELS, Evaluator, RatedUnit, ServiceRated
from services.delivery.domain import errors
from services.delivery.domain.review import Reviews
from services.runtime.aggregate import Context
from services.runtime.workdays import WorkCalendar, china_date


@dataclass(frozen=True)
class RatingRules:
    window_days: int  # a rating may be added within this many working days of the service
    callback_days: int  # a bad rating is called back within this many working days
    fix_days: int  # rectification and appeal review within this many working days


@dataclass(frozen=True)
class Units:
    """The names of the rated units, as the public sees them."""

    window: str
    department: str


class Ratings(Reviews):
    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.ratings: dict[UUID, ServiceRated] = {}

    def rate_visit(self, id_number: str, visit_day: date, level: int, comment: str,
                   units: Units, calendar: WorkCalendar, rules: RatingRules,
                   ctx: Context) -> list[ServiceRated]:
        """一次一评: one rating per day the applicant was served at the window."""
        evaluator = self._evaluator(id_number)
        if visit_day not in self.visits:
            raise errors.NoSuchVisit(visit_day)
        if any(r.scope == "visit" and r.service_day == visit_day for r in self.ratings.values()):
            raise errors.AlreadyRated(f"{visit_day} 的窗口服务")
        self._check_open(visit_day, calendar, rules, ctx)
        return [self._rate("visit", visit_day, "window", units.window, self.visits[visit_day],
                           level, comment, evaluator, calendar, rules, ctx)]

    def rate_matter(self, id_number: str, window_level: int, department_level: int | None,
                    comment: str, units: Units, calendar: WorkCalendar, rules: RatingRules,
                    ctx: Context) -> list[ServiceRated]:
        """一事一评: once the matter ended; the department is rated when the case reached it."""
        evaluator = self._evaluator(id_number)
        if self.ended_on is None:
            raise errors.NotEnded()
        if any(r.scope == "matter" for r in self.ratings.values()):
            raise errors.AlreadyRated("本事项")
        self._check_open(self.ended_on, calendar, rules, ctx)
        rated = [self._rate("matter", self.ended_on, "window", units.window, self.window_owner,
                            window_level, comment, evaluator, calendar, rules, ctx)]
        if department_level is not None and self.business_site:
            rated.append(self._rate("matter", self.ended_on, "department", units.department,
                                    None, department_level, comment, evaluator, calendar, rules,
                                    ctx))
        return rated

    def _evaluator(self, id_number: str) -> Evaluator:
        person = self.who_is(id_number)
        if person is None or self.applicant is None:
            raise errors.CaseNumberUnknown()
        return Evaluator(name=person[1], phone=self.applicant.phone)

    @staticmethod
    def _check_open(service_day: date, calendar: WorkCalendar, rules: RatingRules,
                    ctx: Context) -> None:
        last_day = calendar.add(service_day, rules.window_days)
        if china_date(ctx.at) > last_day:
            raise errors.RatingClosed(last_day)

    def _rate(self, scope: str, day: date, unit: RatedUnit, unit_name: str, served_by: str | None,
              level: int, comment: str, evaluator: Evaluator, calendar: WorkCalendar,
              rules: RatingRules, ctx: Context) -> ServiceRated:
        site = self.receiving_site if unit == "window" else self.business_site
        rating = self._trigger(ServiceRated, ctx, scope=scope, service_day=day, unit=unit,
                               rated_site=site, rated_unit_name=unit_name, served_by=served_by,
                               level=level, comment=comment, evaluator=evaluator)
        assert isinstance(rating, ServiceRated)
        if unit == "window":
            self.open_review_if_bad(rating, served_by or self.window_owner, calendar, rules, ctx)
        return rating

    def open_review_if_bad(self, rating: ServiceRated, owner: str, calendar: WorkCalendar,
                           rules: RatingRules, ctx: Context) -> None:
        """谁办理谁负责: a bad rating is owned by whoever handled the service."""
        if rating.level in BAD_LEVELS and rating.event_id not in self.reviews:
            self.open_review(rating.event_id, owner,
                             calendar.add(china_date(ctx.at), rules.callback_days), ctx)

    def apply_service_rated(self, event: ServiceRated) -> None:
        self.ratings[event.event_id] = event

    learn_service_rated = apply_service_rated
