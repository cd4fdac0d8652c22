"""Where alerts go: channel types (secrets by environment-variable name), routes, delivery retries."""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmailChannel(_Strict):
    type: Literal["email"]
    to: list[str] = Field(min_length=1)


class SlackChannel(_Strict):
    type: Literal["slack"]
    webhook_url_env: str = Field(description="environment variable holding the incoming-webhook URL")


class TelegramChannel(_Strict):
    type: Literal["telegram"]
    bot_token_env: str = Field(description="environment variable holding the bot token")
    chat_id: str
    base_url: str = "https://api.telegram.org"


class WebhookChannel(_Strict):
    type: Literal["webhook"]
    url_env: str = Field(description="environment variable holding the URL (it may carry a token)")
    headers_env: dict[str, str] = Field(default_factory=dict, description="header -> environment variable")


Channel = Annotated[Union[EmailChannel, SlackChannel, TelegramChannel, WebhookChannel], Field(discriminator="type")]


class Route(_Strict):
    """Events matching every given filter go to `channels` (unset filter = any)."""

    rules: list[str] | None = None
    route: Literal["market", "data"] | None = None
    severities: list[Literal["warning", "critical"]] | None = None
    channels: list[str] = Field(min_length=1)


class Delivery(_Strict):
    """Each channel tries a message `attempts` times, waiting backoff_s, 2 x backoff_s, ... (at most
    backoff_max_s) between tries; what is still undelivered is retried at the next evaluation."""

    attempts: int = Field(3, ge=1, le=20)
    backoff_s: float = Field(1.0, ge=0)
    backoff_max_s: float = Field(30.0, ge=0)
    timeout_s: float = Field(10.0, gt=0)
