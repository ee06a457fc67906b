"""A case as one site's delivery service sees it: the result's way to the applicant (the
business site dispatches, the receiving window hands over) and the applicant's ratings."""

from __future__ import annotations

from services.delivery.domain.dispatch import Dispatch
from services.delivery.domain.rating import Ratings
from services.delivery.domain.window import WindowDelivery


class DeliveryCase(Ratings, WindowDelivery, Dispatch):
    pass
