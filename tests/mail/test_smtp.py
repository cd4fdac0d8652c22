"""mmwatch.mail.smtp against a real SMTP server on loopback (aiosmtpd)."""
from __future__ import annotations

from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from mmwatch.errors import ConfigError
from mmwatch.mail import MailDeliveryError, SmtpSettings, send_message
from mmwatch.ports import free_port


class _Inbox:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = _Inbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"reporter" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    yield inbox, controller.port
    controller.stop()


def _message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = "compliance 2026-11-20"
    message.set_content("body")
    return message


def test_delivers_to_every_recipient_with_login(smtp_server):
    inbox, port = smtp_server
    settings = SmtpSettings(port=port, user="reporter", password="s3cret", sender="mm@example.org")
    accepted = send_message(settings, _message("Ann <a@example.org>, b@example.org"))
    assert accepted == ["a@example.org", "b@example.org"]
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "mm@example.org"
    assert envelope.rcpt_tos == ["a@example.org", "b@example.org"]
    assert b"Subject: compliance 2026-11-20" in envelope.content


def test_wrong_password_names_the_user_and_delivers_nothing(smtp_server):
    inbox, port = smtp_server
    settings = SmtpSettings(port=port, user="reporter", password="wrong")
    with pytest.raises(MailDeliveryError, match="login as 'reporter' refused"):
        send_message(settings, _message("a@example.org"))
    assert inbox.envelopes == []


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
