"""Telegram Bot API. Webhooks carry the secret token given to setWebhook in the header
X-Telegram-Bot-Api-Secret-Token; replies go out by sendMessage; files are fetched with
getFile, then from /file/bot<token>/<file_path>. https://core.telegram.org/bots/api"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import quote

from ticketdesk.tickets.actions.attachments import AttachmentInput

from .. import provider_api
from ..models import ChannelAccount, Identity, Provider
from .base import Adapter, MediaRef, NormalisedMessage, from_unix

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_TEXT = 4096  # sendMessage's limit
MEDIA_KINDS = ("document", "audio", "voice", "video", "video_note", "animation", "sticker")


class TelegramAdapter(Adapter):
    provider = Provider.TELEGRAM

    def _url(self, account: ChannelAccount, method: str) -> str:
        return f"{account.api_base}/bot{account.access_token}/{method}"

    def verify(self, account: ChannelAccount, headers: Any, body: bytes) -> bool:
        given = headers.get(SECRET_HEADER, "") or ""
        secret = account.webhook_secret
        return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())

    def parse(self, account: ChannelAccount, payload: Any) -> list[NormalisedMessage]:
        message = payload.get("message") if isinstance(payload, dict) else None
        if not isinstance(message, dict):
            return []  # edits, channel posts, callbacks: not conversations with a customer
        chat = message.get("chat") or {}
        sender = message.get("from") or {}
        if chat.get("type", "private") != "private" or sender.get("is_bot"):
            return []
        name = " ".join(p for p in (sender.get("first_name"), sender.get("last_name")) if p)
        chat_id, number = chat.get("id"), message.get("message_id")
        known = chat_id is not None and number is not None  # else: kept as malformed
        return [
            NormalisedMessage(
                sender_id=str(chat_id) if known else "",
                display_name=name or sender.get("username") or "",
                text=str(message.get("text") or message.get("caption") or ""),
                provider_message_id=f"{chat_id}:{number}" if known else "",
                timestamp=from_unix(message.get("date")),
                media=_media(message),
            )
        ]

    def download(self, account: ChannelAccount, media: MediaRef, max_bytes: int) -> AttachmentInput:
        if media.size is not None and media.size > max_bytes:
            raise provider_api.TooBig(media.size)
        answer = provider_api.call(
            self._url(account, "getFile") + "?file_id=" + quote(media.ref),
            allow_private=account.allow_private,
        ).json()
        result = (answer or {}).get("result") or {}
        if int(result.get("file_size") or 0) > max_bytes:
            raise provider_api.TooBig(int(result["file_size"]))
        path = str(result.get("file_path") or "")
        if not path:
            raise provider_api.ApiError("getFile gave no file_path", retry=False)
        response = provider_api.call(
            f"{account.api_base}/file/bot{account.access_token}/{quote(path)}",
            allow_private=account.allow_private,
            max_bytes=max_bytes,
        )
        name = media.name or path.rsplit("/", 1)[-1]
        return AttachmentInput(name=name, content=response.body, content_type=media.content_type)

    def send_text(self, account: ChannelAccount, identity: Identity, text: str) -> str:
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1] + "…"
        answer = provider_api.call(
            self._url(account, "sendMessage"),
            method="POST",
            payload={"chat_id": identity.external_id, "text": text},
            allow_private=account.allow_private,
        ).json()
        if not (answer or {}).get("ok"):
            raise provider_api.ApiError(f"sendMessage answered {answer!r:.300}", retry=False)
        return str((answer.get("result") or {}).get("message_id") or "")


def _media(message: dict[str, Any]) -> list[MediaRef]:
    refs = []
    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        best = photos[-1]  # the sizes come smallest first
        refs.append(
            MediaRef(
                ref=str(best.get("file_id")),
                name=f"photo-{message.get('message_id')}.jpg",
                content_type="image/jpeg",
                size=best.get("file_size"),
            )
        )
    for kind in MEDIA_KINDS:
        item = message.get(kind)
        if isinstance(item, dict) and item.get("file_id"):
            refs.append(
                MediaRef(
                    ref=str(item["file_id"]),
                    name=str(item.get("file_name") or ""),
                    content_type=str(item.get("mime_type") or ""),
                    size=item.get("file_size"),
                )
            )
    return refs
