"""Facebook Messenger and Instagram direct messages through the Graph webhook format
(object "page" or "instagram", entry[].messaging[]): signed like WhatsApp's
(X-Hub-Signature-256), the same GET verify-token handshake; replies go to
POST /me/messages (Send API); attachments come as URLs.
https://developers.facebook.com/docs/messenger-platform/webhooks"""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import urlsplit

from ticketdesk.tickets.actions.attachments import AttachmentInput

from .. import provider_api
from ..models import ChannelAccount, Identity, Provider
from .base import Adapter, MediaRef, NormalisedMessage, from_unix, meta_signature_valid

MAX_TEXT = 2000  # the Send API's limit
OBJECTS: dict[str, str] = {Provider.MESSENGER: "page", Provider.INSTAGRAM: "instagram"}
TYPES = {"image": "image/jpeg", "video": "video/mp4", "audio": "audio/mpeg", "file": ""}


class MetaInboxAdapter(Adapter):
    verify_handshake = True

    def __init__(self, provider: str) -> None:
        self.provider = provider  # type: ignore[misc]

    def verify(self, account: ChannelAccount, headers: Any, body: bytes) -> bool:
        header = headers.get("X-Hub-Signature-256", "") or ""
        return meta_signature_valid(account.app_secret, header, body)

    def parse(self, account: ChannelAccount, payload: Any) -> list[NormalisedMessage]:
        if not isinstance(payload, dict) or payload.get("object") != OBJECTS[self.provider]:
            return []
        found = []
        for entry in payload.get("entry") or []:
            if account.external_id and str(entry.get("id")) != account.external_id:
                continue
            for event in entry.get("messaging") or []:
                message = event.get("message")
                if not isinstance(message, dict) or message.get("is_echo"):
                    continue  # our own messages echoed back, reads, deliveries, postbacks
                found.append(
                    NormalisedMessage(
                        sender_id=str((event.get("sender") or {}).get("id") or ""),
                        display_name="",  # the webhook carries no name
                        text=str(message.get("text") or ""),
                        provider_message_id=str(message.get("mid") or ""),
                        timestamp=from_unix(event.get("timestamp")),
                        media=_media(message),
                    )
                )
        return found

    def download(self, account: ChannelAccount, media: MediaRef, max_bytes: int) -> AttachmentInput:
        response = provider_api.call(
            media.ref, allow_private=account.allow_private, max_bytes=max_bytes
        )
        content_type = response.content_type.split(";", 1)[0].strip() or media.content_type
        name = urlsplit(media.ref).path.rsplit("/", 1)[-1] or "attachment"
        if "." not in name:
            name += mimetypes.guess_extension(content_type) or ""
        return AttachmentInput(name=name, content=response.body, content_type=content_type)

    def send_text(self, account: ChannelAccount, identity: Identity, text: str) -> str:
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1] + "…"
        answer = provider_api.call(
            f"{account.api_base}/me/messages",
            method="POST",
            payload={
                "recipient": {"id": identity.external_id},
                "messaging_type": "RESPONSE",
                "message": {"text": text},
            },
            headers={"Authorization": f"Bearer {account.access_token}"},
            allow_private=account.allow_private,
        ).json()
        return str((answer or {}).get("message_id") or "")


def _media(message: dict[str, Any]) -> list[MediaRef]:
    refs = []
    for item in message.get("attachments") or []:
        kind = str(item.get("type") or "")
        url = str((item.get("payload") or {}).get("url") or "")
        if kind in TYPES and url:
            refs.append(MediaRef(ref=url, content_type=TYPES[kind]))
    return refs
