"""Delivery (结果送达): issuing the result and bringing it to the applicant."""
