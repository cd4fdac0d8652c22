"""The compliance report: the HTML page per day and the daily email per recipient group."""
from assets.report.compliance_html import compliance_report
from assets.report.email import report_email

REPORT_ASSETS = [compliance_report, report_email]
