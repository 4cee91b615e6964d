"""IMAP polling: fetch unseen mail without marking it (BODY.PEEK[]), ingest it, and only after
the database commit mark it \\Seen or move it, so a crash never loses a message (at worst it is
fetched again and recorded as a duplicate)."""

from __future__ import annotations

import imaplib
import logging
import re
import socket
import ssl
from dataclasses import dataclass

from django.db import DatabaseError
from django.utils.translation import gettext as _

from ticketdesk.core import clock
from ticketdesk.core.transactions import assert_no_transaction

from . import oauth2
from .ingest import ingest
from .models import AuthMethod, InboundState, Mailbox, Source

logger = logging.getLogger(__name__)
TIMEOUT = 30
MAX_PER_POLL = 200


CHECK_TIMEOUT = 10


def connect(mailbox: Mailbox, *, timeout: float = TIMEOUT) -> imaplib.IMAP4:
    if mailbox.imap_ssl:
        return imaplib.IMAP4_SSL(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    return imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=timeout)


def log_in(imap: imaplib.IMAP4, mailbox: Mailbox) -> None:
    """Password LOGIN, or SASL XOAUTH2 with the cached access token; a refused token is
    refreshed once with the refresh token and tried again."""
    if mailbox.auth_method != AuthMethod.OAUTH2:
        imap.login(mailbox.imap_user, mailbox.imap_password)
        return
    try:
        _xoauth2(imap, mailbox.imap_user, oauth2.access_token(mailbox))
    except imaplib.IMAP4.error:
        _xoauth2(imap, mailbox.imap_user, oauth2.access_token(mailbox, force=True))


def _xoauth2(imap: imaplib.IMAP4, user: str, token: str) -> None:
    initial = oauth2.xoauth2(user, token)
    # the server answers a refused token with a JSON challenge: an empty response ends it
    imap.authenticate("XOAUTH2", lambda challenge: b"" if challenge else initial)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def poll_mailbox(mailbox: Mailbox, *, limit: int = MAX_PER_POLL) -> int:
    """Ingest the unseen mail of one mailbox; return how many messages were taken."""
    taken = 0
    try:
        with connect(mailbox) as imap:
            log_in(imap, mailbox)
            status, _data = imap.select(_quote(mailbox.imap_folder))
            if status != "OK":
                raise imaplib.IMAP4.error(f"cannot select {mailbox.imap_folder}")
            status, data = imap.uid("SEARCH", "UNSEEN")
            uids = data[0].decode().split() if status == "OK" and data and data[0] else []
            for uid in uids[:limit]:
                raw = _fetch(imap, uid)
                if raw is None:
                    continue
                inbound = ingest(raw, mailbox=mailbox, source=Source.IMAP)
                # committed (stored, and processed or quarantined): now the server may forget it
                if inbound.state != InboundState.RECEIVED:
                    _done(imap, uid, mailbox)
                taken += 1
            if mailbox.move_to_folder:
                imap.expunge()
        mailbox.last_error = ""
    except DatabaseError:
        raise  # nothing was marked; the next poll retries
    except (OSError, imaplib.IMAP4.error, oauth2.OAuth2Error) as exc:
        logger.warning("IMAP poll of %s failed: %s", mailbox.address, exc)
        mailbox.last_error = str(exc)[:2000]
    mailbox.last_polled_at = clock.now()
    mailbox.save(update_fields=["last_polled_at", "last_error"])
    return taken


def _fetch(imap: imaplib.IMAP4, uid: str) -> bytes | None:
    status, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and re.search(rb"BODY\[\]", item[0]):
            return bytes(item[1])
    return None


def _done(imap: imaplib.IMAP4, uid: str, mailbox: Mailbox) -> None:
    if mailbox.move_to_folder:
        target = _quote(mailbox.move_to_folder)
        status, _data = imap.uid("MOVE", uid, target)
        if status == "OK":
            return
        status, _data = imap.uid("COPY", uid, target)
        if status == "OK":
            imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            return
    imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")


def poll_all() -> int:
    total = 0
    for mailbox in Mailbox.objects.filter(active=True).exclude(imap_host="").order_by("id"):
        total += poll_mailbox(mailbox)
    return total


# --- the connection test of the Settings area -----------------------------------------------


@dataclass(frozen=True)
class ConnectionCheck:
    """What a connection test found: whether it worked, in plain words, and what the server
    said (its own words, without any password)."""

    ok: bool
    summary: str
    server_answer: str = ""


def _answer(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    if isinstance(value, list | tuple):
        return " ".join(_answer(item) for item in value if item is not None).strip()
    return str(value).strip()


def check_connection(mailbox: Mailbox, *, timeout: float = CHECK_TIMEOUT) -> ConnectionCheck:
    """Connect, sign in and open the folder read-only (EXAMINE, a SELECT that changes no flag)
    with the stored settings; never inside a transaction, each step bounded by `timeout`."""
    assert_no_transaction("testing an IMAP connection")
    if not mailbox.polls_imap:
        return ConnectionCheck(False, _("Enter the IMAP host and user first."))
    where = {"host": mailbox.imap_host, "port": mailbox.imap_port}
    try:
        imap = connect(mailbox, timeout=timeout)
    except TimeoutError:
        return ConnectionCheck(
            False,
            _("%(host)s:%(port)s did not answer within %(s)s seconds.") % {**where, "s": timeout},
        )
    except ssl.SSLError as exc:
        return ConnectionCheck(
            False,
            _("The TLS handshake with %(host)s:%(port)s failed: is TLS right for this port?")
            % where,
            str(exc),
        )
    except ConnectionRefusedError as exc:
        return ConnectionCheck(
            False, _("Nothing accepts connections at %(host)s:%(port)s.") % where, str(exc)
        )
    except socket.gaierror as exc:
        return ConnectionCheck(
            False, _("The host name %(host)s does not resolve.") % where, str(exc)
        )
    except (OSError, imaplib.IMAP4.error) as exc:
        return ConnectionCheck(
            False, _("Could not connect to %(host)s:%(port)s.") % where, str(exc)
        )
    greeting = _answer(getattr(imap, "welcome", b""))
    try:
        with imap:
            try:
                log_in(imap, mailbox)
            except imaplib.IMAP4.error as exc:
                return ConnectionCheck(
                    False,
                    _("The server refused the sign-in of %(user)s.") % {"user": mailbox.imap_user},
                    _answer(exc.args[0] if exc.args else exc),
                )
            except oauth2.OAuth2Error as exc:
                return ConnectionCheck(
                    False, _("No OAuth2 access token could be obtained."), str(exc)
                )
            status, data = imap.select(_quote(mailbox.imap_folder), readonly=True)
            if status != "OK":
                return ConnectionCheck(
                    False,
                    _("Signed in, but the folder “%(folder)s” cannot be opened.")
                    % {"folder": mailbox.imap_folder},
                    _answer(data),
                )
            count = _answer(data)
            return ConnectionCheck(
                True,
                _("Signed in and opened “%(folder)s”: %(count)s messages in it.")
                % {"folder": mailbox.imap_folder, "count": count},
                greeting,
            )
    except TimeoutError:
        return ConnectionCheck(
            False, _("The server stopped answering within %(s)s seconds.") % {"s": timeout}
        )
    except (OSError, imaplib.IMAP4.error) as exc:
        return ConnectionCheck(False, _("The connection failed."), str(exc))
