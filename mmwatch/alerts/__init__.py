"""Surveillance alerts (spec §6): rules, the alert ledger, notification channels."""
