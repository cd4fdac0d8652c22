"""A real SMTP server on loopback (aiosmtpd, a dev dependency) that keeps what it receives:
for the tests, the benchmark and trying the report email on a laptop. Not for production."""
from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from mmwatch.ports import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def parsed(self) -> EmailMessage:
        return message_from_bytes(self.content, policy=policy.default)


@dataclass
class _Collector:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


class LoopbackSmtp:
    """`with LoopbackSmtp() as server:` serves on 127.0.0.1:server.port; `server.received` lists the
    messages. With `login=(user, password)` the server requires that login (AUTH without TLS)."""

    def __init__(self, login: tuple[str, str] | None = None):
        self.port = free_port()
        self._collector = _Collector()
        self._login = login
        self._controller = None

    @property
    def received(self) -> list[Received]:
        return self._collector.received

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received, parsed."""
        return [received.parsed() for received in self.received]

    def env(self, **extra: str) -> dict[str, str]:
        """MMWATCH_SMTP_* variables pointing at this server."""
        env = {"MMWATCH_SMTP_HOST": "127.0.0.1", "MMWATCH_SMTP_PORT": str(self.port), "MMWATCH_SMTP_SECURITY": "none",
               "MMWATCH_SMTP_FROM": "reports@mmwatch.test", "MMWATCH_SMTP_TIMEOUT_S": "10"}
        return {**env, **extra}

    def __enter__(self) -> "LoopbackSmtp":
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        kwargs = {}
        if self._login:
            def authenticate(server, session, envelope, mechanism, auth_data):
                ok = (auth_data.login.decode(), auth_data.password.decode()) == self._login
                return AuthResult(success=ok, handled=False)
            kwargs = {"authenticator": authenticate, "auth_require_tls": False, "auth_required": True}
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
