"""The SMTP server as a Dagster resource, shared by the report email and the alert channels."""
from __future__ import annotations

import dagster as dg

from mmwatch.mail import SmtpSettings


class SmtpResource(dg.ConfigurableResource):
    """SMTP delivery; every field defaults to the MMWATCH_SMTP_* environment (mmwatch/mail/smtp.py),
    read when a run uses the resource, so secrets stay in the environment."""

    def settings(self) -> SmtpSettings:
        return SmtpSettings.from_env()
