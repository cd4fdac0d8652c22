"""Outgoing email shared by the daily report and the alert channels."""
from mmwatch.mail.smtp import MailDeliveryError, SmtpSettings, send_message

__all__ = ["MailDeliveryError", "SmtpSettings", "send_message"]
