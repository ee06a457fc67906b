"""The result of a case: issued once, then delivered by the applicant's chosen channel."""

from __future__ import annotations

from typing import Self

from contracts.approval import CaseApproved
from contracts.delivery import ResultIssued, ResultPushedOnline
from services.runtime.aggregate import Aggregate, Context


class CaseResult(Aggregate):
    issued: ResultIssued
    pushed_online: bool = False

    @classmethod
    def issue(cls, approved: CaseApproved, ctx: Context) -> Self:
        result = cls(approved.case_id)
        result._trigger(
            ResultIssued, ctx, case_number=approved.case_number,
            result_type=approved.result_type, document_number=approved.document_number,
            holder_name=approved.holder_name, valid_until=approved.valid_until,
            receiving_site=approved.receiving_site,
        )
        return result

    def push_online(self, ctx: Context) -> None:
        if self.pushed_online:
            return
        self._trigger(ResultPushedOnline, ctx, document_number=self.issued.document_number,
                      receiving_site=self.issued.receiving_site)

    def apply_result_issued(self, event: ResultIssued) -> None:
        self.issued = event

    def apply_result_pushed_online(self, event: ResultPushedOnline) -> None:
        self.pushed_online = True
