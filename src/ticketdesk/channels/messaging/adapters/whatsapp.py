"""WhatsApp Cloud API. Webhooks are signed with the app secret (X-Hub-Signature-256); the
subscription is confirmed by the GET verify-token handshake; replies go to
POST /<phone-number-id>/messages; media is fetched by id (GET /<media-id> gives a URL,
fetched with the same bearer token). Free-form messages may only be sent within 24 hours
of the customer's last message (the customer-service window); outside it, a template.
https://developers.facebook.com/docs/whatsapp/cloud-api"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ticketdesk.tickets.actions.attachments import AttachmentInput

from .. import provider_api
from ..models import ChannelAccount, Identity, Provider
from .base import Adapter, MediaRef, NormalisedMessage, from_unix, meta_signature_valid

MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
MAX_TEXT = 4096


class WhatsAppAdapter(Adapter):
    provider = Provider.WHATSAPP
    verify_handshake = True
    service_window_hours = 24

    def _auth(self, account: ChannelAccount) -> dict[str, str]:
        return {"Authorization": f"Bearer {account.access_token}"}

    def verify(self, account: ChannelAccount, headers: Any, body: bytes) -> bool:
        header = headers.get("X-Hub-Signature-256", "") or ""
        return meta_signature_valid(account.app_secret, header, body)

    def parse(self, account: ChannelAccount, payload: Any) -> list[NormalisedMessage]:
        if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
            return []
        found = []
        for entry in payload.get("entry") or []:
            for change in entry.get("changes") or []:
                value = change.get("value") or {}
                if change.get("field") != "messages" or not isinstance(value, dict):
                    continue
                number = str((value.get("metadata") or {}).get("phone_number_id") or "")
                if account.external_id and number != account.external_id:
                    continue  # another number of the same business account
                names = {
                    str(c.get("wa_id")): str((c.get("profile") or {}).get("name") or "")
                    for c in value.get("contacts") or []
                }
                for message in value.get("messages") or []:  # "statuses" are receipts
                    found.append(_normalise(message, names))
        return found

    def download(self, account: ChannelAccount, media: MediaRef, max_bytes: int) -> AttachmentInput:
        info = provider_api.call(
            f"{account.api_base}/{quote(media.ref)}",
            headers=self._auth(account),
            allow_private=account.allow_private,
        ).json()
        info = info if isinstance(info, dict) else {}
        if int(info.get("file_size") or 0) > max_bytes:
            raise provider_api.TooBig(int(info["file_size"]))
        url = str(info.get("url") or "")
        if not url:
            raise provider_api.ApiError("the media has no URL", retry=False)
        response = provider_api.call(
            url,
            headers=self._auth(account),
            allow_private=account.allow_private,
            max_bytes=max_bytes,
        )
        content_type = str(info.get("mime_type") or media.content_type)
        return AttachmentInput(
            name=media.name or f"{media.ref}", content=response.body, content_type=content_type
        )

    def _send(self, account: ChannelAccount, identity: Identity, body: dict[str, Any]) -> str:
        answer = provider_api.call(
            f"{account.api_base}/{quote(account.external_id)}/messages",
            method="POST",
            payload={
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": identity.external_id,
                **body,
            },
            headers=self._auth(account),
            allow_private=account.allow_private,
        ).json()
        messages = (answer or {}).get("messages") or [{}]
        return str(messages[0].get("id") or "")

    def send_text(self, account: ChannelAccount, identity: Identity, text: str) -> str:
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1] + "…"
        return self._send(
            account, identity, {"type": "text", "text": {"preview_url": False, "body": text}}
        )

    def send_template(self, account: ChannelAccount, identity: Identity) -> str:
        template = {
            "name": account.template_name,
            "language": {"code": account.template_language or "en_US"},
        }
        return self._send(account, identity, {"type": "template", "template": template})


def _normalise(message: dict[str, Any], names: dict[str, str]) -> NormalisedMessage:
    kind = str(message.get("type") or "")
    sender = str(message.get("from") or "")
    text = ""
    media = []
    if kind == "text":
        text = str((message.get("text") or {}).get("body") or "")
    elif kind in MEDIA_TYPES:
        item = message.get(kind) or {}
        text = str(item.get("caption") or "")
        media.append(
            MediaRef(
                ref=str(item.get("id") or ""),
                name=str(item.get("filename") or ""),
                content_type=str(item.get("mime_type") or ""),
            )
        )
    elif kind == "button":
        text = str((message.get("button") or {}).get("text") or "")
    elif kind == "interactive":
        reply = message.get("interactive") or {}
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        text = str(chosen.get("title") or "")
    elif kind == "location":
        place = message.get("location") or {}
        text = f"{place.get('name') or ''} {place.get('latitude')},{place.get('longitude')}"
    return NormalisedMessage(
        sender_id=sender,
        display_name=names.get(sender, ""),
        text=text.strip(),
        provider_message_id=str(message.get("id") or ""),
        timestamp=from_unix(message.get("timestamp")),
        media=[m for m in media if m.ref],
        phone=f"+{sender}" if sender.isdigit() else "",
    )
