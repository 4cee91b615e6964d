"""The SMTP/LMTP listener (`ticketdesk mail serve`): an MTA pushes mail to it; every message
goes through the one ingestion path. A database failure answers 451 so the MTA retries."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections

from .ingest import ingest
from .models import Source

logger = logging.getLogger(__name__)
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please try again later"


class IngestHandler:
    """aiosmtpd handler: hands the message bytes to `ingest` in a worker thread."""

    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        recipients = list(envelope.rcpt_tos)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                None, _ingest_in_thread, raw, str(envelope.mail_from or ""), recipients
            )
        except Exception:
            logger.exception("could not store incoming mail")
            return self._answer(TEMPORARY_FAILURE, recipients)
        return self._answer("250 2.0.0 OK: queued as ticket mail", recipients)

    def _answer(self, line: str, recipients: list[str]) -> str:
        # LMTP answers once per recipient (RFC 2033); the message is stored once for all.
        if self.lmtp and len(recipients) > 1:
            return "\r\n".join([line] * len(recipients))
        return line


def _ingest_in_thread(raw: bytes, mail_from: str, recipients: list[str]) -> None:
    close_old_connections()
    try:
        ingest(raw, source=Source.SMTP, envelope_from=mail_from, envelope_to=recipients)
    finally:
        close_old_connections()


class MailController(Controller):
    def __init__(self, handler: IngestHandler, **kwargs: Any) -> None:
        self.lmtp = handler.lmtp
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        limit = int(settings.TICKETDESK["MAX_MESSAGE_BYTES"]) * 2
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, data_size_limit=limit, enable_SMTPUTF8=True)


def make_controller(host: str, port: int, *, lmtp: bool = False) -> MailController:
    return MailController(IngestHandler(lmtp=lmtp), hostname=host, port=port, ready_timeout=10)
