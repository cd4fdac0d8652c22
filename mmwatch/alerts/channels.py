"""Notification channels: email (mmwatch.mail), Slack incoming webhook, Telegram bot API and a
generic JSON webhook. Secrets (webhook URLs, bot tokens, headers) are read from the environment
variables the config names, when a message is sent; a missing one is a delivery error that names
the variable (the message stays pending)."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from email.message import EmailMessage

from mmwatch.alerts.config import EmailChannel, SlackChannel, TelegramChannel, WebhookChannel
from mmwatch.mail import MailDeliveryError, SmtpSettings, send_message


class ChannelError(Exception):
    """The channel did not take the message (down, refused, misconfigured)."""


def _secret(variable: str, channel: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise ChannelError(f"channel {channel!r}: environment variable {variable} is not set")
    return value


def _post_json(url: str, body: dict, timeout_s: float, headers: dict[str, str] | None = None) -> bytes:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise ChannelError(f"HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        raise ChannelError(f"cannot reach the endpoint: {getattr(error, 'reason', error)}") from error


def send(name: str, channel, payload: dict, timeout_s: float, smtp: SmtpSettings | None = None) -> None:
    """Deliver one alert event (`payload` from mmwatch.alerts.messages) through `channel`; raises
    ChannelError with the reason when it was not delivered."""
    if isinstance(channel, SlackChannel):
        _post_json(_secret(channel.webhook_url_env, name), {"text": payload["text"]}, timeout_s)
    elif isinstance(channel, TelegramChannel):
        token = _secret(channel.bot_token_env, name)
        answer = _post_json(f"{channel.base_url.rstrip('/')}/bot{token}/sendMessage",
                            {"chat_id": channel.chat_id, "text": payload["text"]}, timeout_s)
        try:
            ok = json.loads(answer or b"{}").get("ok", False)
        except ValueError:
            ok = False
        if not ok:
            raise ChannelError(f"Telegram answered without ok: {answer[:200]!r}")
    elif isinstance(channel, WebhookChannel):
        headers = {header: _secret(variable, name) for header, variable in channel.headers_env.items()}
        _post_json(_secret(channel.url_env, name), payload, timeout_s, headers)
    elif isinstance(channel, EmailChannel):
        message = EmailMessage()
        message["Subject"] = payload["subject"]
        message["To"] = ", ".join(channel.to)
        message.set_content(payload["text"] + "\n\n" + json.dumps(payload, indent=2, sort_keys=True))
        try:
            settings = smtp or SmtpSettings.from_env()
            settings = SmtpSettings(settings.host, settings.port, settings.security, settings.user, settings.password,
                                    settings.sender, min(settings.timeout_s, timeout_s))
            if not send_message(settings, message):
                raise ChannelError(f"no recipient of {channel.to} was accepted")
        except MailDeliveryError as error:
            raise ChannelError(str(error)) from error
    else:  # pragma: no cover - the config's discriminator admits no other type
        raise ChannelError(f"channel {name!r} has an unknown type")
