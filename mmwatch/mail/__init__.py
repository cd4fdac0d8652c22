"""Outgoing email shared by the daily report and the alert channels."""
from mmwatch.mail.smtp import MailDeliveryError, SmtpSettings, check_server, send_message

__all__ = ["MailDeliveryError", "SmtpSettings", "check_server", "send_message"]
