"""SMTP delivery: one place that knows hosts, TLS modes and credentials.

Settings come from the environment (secrets never from files in the repo):
MMWATCH_SMTP_HOST (default 127.0.0.1), MMWATCH_SMTP_PORT (default 25, or 465 for `tls`),
MMWATCH_SMTP_SECURITY (`none`, `starttls` or `tls`; default `none`), MMWATCH_SMTP_USER,
MMWATCH_SMTP_PASSWORD (login only when a user is set), MMWATCH_SMTP_FROM
(default mmwatch@localhost) and MMWATCH_SMTP_TIMEOUT_S (default 30).
"""
from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses

from mmwatch.errors import ConfigError, MmwatchError

SECURITY_MODES = ("none", "starttls", "tls")


class MailDeliveryError(MmwatchError):
    """The SMTP server could not be reached or refused the message; nothing was delivered."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. `security`: none | starttls | tls (implicit TLS, e.g. port 465)."""

    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"
    user: str | None = None
    password: str | None = None
    sender: str = "mmwatch@localhost"
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ConfigError(
                f"SMTP security {self.security!r} is not one of {', '.join(SECURITY_MODES)} "
                "(set MMWATCH_SMTP_SECURITY)"
            )
        if not 0 < int(self.port) < 65536:
            raise ConfigError(f"SMTP port {self.port!r} is out of range (set MMWATCH_SMTP_PORT)")
        if self.user and not self.password:
            raise ConfigError(f"SMTP user {self.user!r} has no password: set MMWATCH_SMTP_PASSWORD")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "SmtpSettings":
        """The MMWATCH_SMTP_* settings; a variable set to an empty value counts as unset (docker compose
        passes `${VAR:-}` for what .env leaves out)."""
        env = {name: value for name, value in (os.environ if environ is None else environ).items() if value}
        security = env.get("MMWATCH_SMTP_SECURITY", "none").strip().lower() or "none"
        default_port = "465" if security == "tls" else "25"
        port_text = env.get("MMWATCH_SMTP_PORT", default_port)
        try:
            port = int(port_text)
        except ValueError:
            raise ConfigError(f"MMWATCH_SMTP_PORT={port_text!r} is not a port number") from None
        try:
            timeout = float(env.get("MMWATCH_SMTP_TIMEOUT_S", "30"))
        except ValueError:
            raise ConfigError(f"MMWATCH_SMTP_TIMEOUT_S={env['MMWATCH_SMTP_TIMEOUT_S']!r} is not a number") from None
        return cls(
            host=env.get("MMWATCH_SMTP_HOST", "127.0.0.1"),
            port=port,
            security=security,
            user=env.get("MMWATCH_SMTP_USER") or None,
            password=env.get("MMWATCH_SMTP_PASSWORD") or None,
            sender=env.get("MMWATCH_SMTP_FROM", "mmwatch@localhost"),
            timeout_s=timeout,
        )

    def describe(self) -> str:
        """host:port (security), for messages; never the password."""
        return f"{self.host}:{self.port} ({self.security})"


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "tls":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_s,
                                context=ssl.create_default_context())
    client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    if settings.security == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


def check_server(settings: SmtpSettings) -> None:
    """Connect, greet and log in (when a user is set) without sending anything; MailDeliveryError
    says what failed (what `mmwatch config check` asks before a deployment starts)."""
    where = settings.describe()
    try:
        with _connect(settings) as client:
            client.ehlo_or_helo_if_needed()
            if settings.user:
                client.login(settings.user, settings.password or "")
    except smtplib.SMTPAuthenticationError as error:
        raise MailDeliveryError(f"SMTP login as {settings.user!r} refused by {where}: {error.smtp_code}; "
                                "check MMWATCH_SMTP_USER/PASSWORD") from error
    except (smtplib.SMTPException, OSError) as error:
        raise MailDeliveryError(f"cannot reach the SMTP server {where}: {type(error).__name__}: {error}; "
                                "check MMWATCH_SMTP_HOST/PORT/SECURITY and that the server is up") from error


def send_message(settings: SmtpSettings, message: EmailMessage) -> list[str]:
    """Deliver `message` (From defaults to settings.sender); return the accepted recipients.

    Raises MailDeliveryError naming the server and the reason when the server is down, the login
    is refused or every recipient is refused. Recipients refused one by one are left out of the
    returned list (the caller decides whether a partial delivery counts).
    """
    if "From" not in message:
        message["From"] = settings.sender
    headers = [value for field in ("To", "Cc", "Bcc") for value in message.get_all(field, [])]
    recipients = [address for _, address in getaddresses(headers) if address]
    if not recipients:
        raise MailDeliveryError("the message has no recipient (To/Cc/Bcc are empty); nothing was sent")
    where = settings.describe()
    try:
        with _connect(settings) as client:
            if settings.user:
                client.login(settings.user, settings.password or "")
            refused = client.send_message(message, to_addrs=recipients)
    except smtplib.SMTPAuthenticationError as error:
        raise MailDeliveryError(f"SMTP login as {settings.user!r} refused by {where}: {error.smtp_code} "
                                f"{error.smtp_error.decode(errors='replace')}; check MMWATCH_SMTP_USER/PASSWORD") from error
    except smtplib.SMTPRecipientsRefused as error:
        raise MailDeliveryError(f"{where} refused every recipient: {', '.join(error.recipients)}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise MailDeliveryError(f"cannot send through {where}: {type(error).__name__}: {error}; "
                                "check MMWATCH_SMTP_HOST/PORT/SECURITY and that the server is up") from error
    return [r for r in recipients if r not in refused]
