"""The compliance report: the HTML page per day and the daily email per recipient group."""
