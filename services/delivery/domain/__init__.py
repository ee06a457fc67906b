"""The delivery service's domain: the result's way to the applicant, and the applicant's
rating of the service. `case.DeliveryCase` puts the parts together."""
