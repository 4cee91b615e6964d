"""One adapter per provider (see base.Adapter for the interface)."""

from __future__ import annotations

from ..models import Provider
from .base import Adapter, MediaRef, NormalisedMessage
from .meta import MetaInboxAdapter
from .telegram import TelegramAdapter
from .whatsapp import WhatsAppAdapter

ADAPTERS: dict[str, Adapter] = {
    Provider.TELEGRAM: TelegramAdapter(),
    Provider.WHATSAPP: WhatsAppAdapter(),
    Provider.MESSENGER: MetaInboxAdapter(Provider.MESSENGER),
    Provider.INSTAGRAM: MetaInboxAdapter(Provider.INSTAGRAM),
}


def adapter_for(provider: str) -> Adapter:
    return ADAPTERS[provider]


__all__ = ["ADAPTERS", "Adapter", "MediaRef", "NormalisedMessage", "adapter_for"]
