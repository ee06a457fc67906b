"""Ledger (台账): the auditor's side; keeps every event the site may see and rebuilds timelines."""
