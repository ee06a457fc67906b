"""Approval (审批): the business site's inbox, review and decision."""
