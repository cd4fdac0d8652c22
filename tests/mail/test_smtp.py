"""mmwatch.mail.smtp against a real SMTP server on loopback (aiosmtpd)."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from mmwatch.errors import ConfigError
from mmwatch.mail import MailDeliveryError, SmtpSettings, send_message
from mmwatch.mail.loopback import LoopbackSmtp
from mmwatch.ports import free_port


@pytest.fixture
def smtp_server():
    with LoopbackSmtp(login=("reporter", "s3cret")) as server:
        yield server


def _message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = "compliance 2026-11-20"
    message.set_content("body")
    return message


def test_delivers_to_every_recipient_with_login(smtp_server):
    settings = SmtpSettings(port=smtp_server.port, user="reporter", password="s3cret", sender="mm@example.org")
    accepted = send_message(settings, _message("Ann <a@example.org>, b@example.org"))
    assert accepted == ["a@example.org", "b@example.org"]
    (envelope,) = smtp_server.received
    assert envelope.mail_from == "mm@example.org"
    assert envelope.rcpt_tos == ["a@example.org", "b@example.org"]
    assert b"Subject: compliance 2026-11-20" in envelope.content


def test_wrong_password_names_the_user_and_delivers_nothing(smtp_server):
    settings = SmtpSettings(port=smtp_server.port, user="reporter", password="wrong")
    with pytest.raises(MailDeliveryError, match="login as 'reporter' refused"):
        send_message(settings, _message("a@example.org"))
    assert smtp_server.received == []


def test_server_down_names_host_and_port():
    port = free_port()  # nothing listens there
    with pytest.raises(MailDeliveryError, match=rf"127\.0\.0\.1:{port} \(none\)"):
        send_message(SmtpSettings(port=port, timeout_s=2), _message("a@example.org"))


def test_no_recipient_is_refused_before_connecting():
    with pytest.raises(MailDeliveryError, match="no recipient"):
        send_message(SmtpSettings(port=free_port()), _message(""))


def test_settings_from_env_validate_values():
    settings = SmtpSettings.from_env({"MMWATCH_SMTP_SECURITY": "TLS", "MMWATCH_SMTP_HOST": "mail"})
    assert (settings.host, settings.port, settings.security) == ("mail", 465, "tls")
    with pytest.raises(ConfigError, match="MMWATCH_SMTP_PORT='x'"):
        SmtpSettings.from_env({"MMWATCH_SMTP_PORT": "x"})
    with pytest.raises(ConfigError, match="'ssl' is not one of none, starttls, tls"):
        SmtpSettings.from_env({"MMWATCH_SMTP_SECURITY": "ssl"})
    with pytest.raises(ConfigError, match="MMWATCH_SMTP_PASSWORD"):
        SmtpSettings.from_env({"MMWATCH_SMTP_USER": "reporter"})
