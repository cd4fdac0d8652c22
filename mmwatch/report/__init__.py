"""The daily compliance report (HTML) rendered from the marts."""
from mmwatch.report.compliance import (
    ComplianceRow,
    check_day,
    load_compliance_rows,
    render_compliance_html,
    render_compliance_report,
)

__all__ = [
    "ComplianceRow", "check_day", "load_compliance_rows", "render_compliance_html", "render_compliance_report",
]
