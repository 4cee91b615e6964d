"""The channel adapter interface: what every provider turns its webhooks into and what it
needs to send a reply.

inbound:  verify(account, headers, body) -> bool
          parse(account, payload) -> [NormalisedMessage]
          download(account, media) -> AttachmentInput       (bounded by max_bytes)
outbound: send_text / send_template(account, identity, ...) -> the provider's message id
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ticketdesk.tickets.actions.attachments import AttachmentInput

from ..models import ChannelAccount, Identity


@dataclass
class MediaRef:
    """A file the message refers to, fetched later through the provider's API."""

    ref: str  # the provider's file/media id or a URL
    name: str = ""
    content_type: str = ""
    size: int | None = None  # as the provider declared it, when it does


@dataclass
class NormalisedMessage:
    sender_id: str
    display_name: str
    text: str
    provider_message_id: str
    timestamp: dt.datetime
    media: list[MediaRef] = field(default_factory=list)
    phone: str = ""


class Adapter(ABC):
    provider: ClassVar[str]
    # the GET subscription handshake (Meta): hub.mode / hub.verify_token / hub.challenge
    verify_handshake: ClassVar[bool] = False
    # the 24-hour customer-service window (WhatsApp): outside it only templates are sent
    service_window_hours: ClassVar[int | None] = None

    @abstractmethod
    def verify(self, account: ChannelAccount, headers: Any, body: bytes) -> bool:
        """Is the webhook signed by the provider (signature or secret token)?"""

    @abstractmethod
    def parse(self, account: ChannelAccount, payload: Any) -> list[NormalisedMessage]:
        """The webhook's customer messages, normalised (others are ignored)."""

    @abstractmethod
    def download(self, account: ChannelAccount, media: MediaRef, max_bytes: int) -> AttachmentInput:
        """The media's bytes, at most `max_bytes`, as an attachment."""

    @abstractmethod
    def send_text(self, account: ChannelAccount, identity: Identity, text: str) -> str:
        """Send `text`; the provider's message id."""

    def send_template(self, account: ChannelAccount, identity: Identity) -> str:
        raise NotImplementedError(f"{self.provider} has no template messages")


def meta_signature_valid(app_secret: str, header: str, body: bytes) -> bool:
    """X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body with the app secret."""
    if not app_secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


def from_unix(value: Any) -> dt.datetime:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if seconds > 1e11:  # milliseconds (Messenger)
        seconds /= 1000
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
