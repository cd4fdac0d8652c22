"""Alert evaluation over the marts (spec section 6): the alert ledger asset."""
from assets.alerts.ledger import alerts_ledger

ALERT_ASSETS = [alerts_ledger]
