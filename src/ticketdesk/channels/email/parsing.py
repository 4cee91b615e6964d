"""Turning raw RFC 5322 bytes into what a ticket needs: addresses, threading headers, a
sanitised body and attachments. Tolerant: bad charsets and odd structure degrade, they do not
raise (only a message without any usable sender does, and ingestion quarantines it)."""

from __future__ import annotations

import codecs
import contextlib
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from email import errors as email_errors
from email import message_from_bytes
from email import policy as email_policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ticketdesk.tickets.actions.attachments import AttachmentInput, sanitize_filename

from .bodies import clean_html, text_to_clean_html

MAX_BODY_CHARS = 1_000_000
MAX_DISPLAY_NAME_BYTES = 255
_MSGID = re.compile(r"<[^<>\s]+>")
_BOUNDARY_LINE = re.compile(rb"\A\s*--([0-9A-Za-z'()+_,./:=?-]{1,70})[ \t]*\r?\n")
# Defects that honest mail has (old-style phrases, RFC 6532 raw UTF-8, sloppy encoded words
# in a display name); any other defect in an address header means the parser had to guess.
_HARMLESS_DEFECTS = (
    email_errors.ObsoleteHeaderDefect,
    email_errors.NonASCIILocalPartDefect,
    email_errors.UndecodableBytesDefect,
    email_errors.InvalidBase64CharactersDefect,
    email_errors.InvalidBase64LengthDefect,
    email_errors.InvalidBase64PaddingDefect,
)


def _guessing_defect(defect: Exception) -> bool:
    if isinstance(defect, _HARMLESS_DEFECTS):
        return False
    return "encoded word" not in str(defect) and "encoded-word" not in str(defect)


class UnusableMessage(Exception):
    """The message cannot become a ticket message (no sender, ...)."""


@dataclass
class ParsedEmail:
    from_address: str = ""
    from_name: str = ""
    # why the From (or Sender) header cannot identify anybody: "" when it parsed cleanly
    sender_problem: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    reply_to: str = ""
    subject: str = ""
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    body_html: str = ""
    body_text: str = ""
    attachments: list[AttachmentInput] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # notes about what limits removed
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased, first value
    delivered_to: list[str] = field(default_factory=list)  # Delivered-To, X-Original-To
    authentication_results: list[str] = field(default_factory=list)  # every A-R, in order
    return_path: str | None = None
    is_report: bool = False  # multipart/report (DSN)
    report_refs: list[str] = field(default_factory=list)  # Message-IDs a DSN is about
    report_text: str = ""


class _ReusingPolicy(email_policy.EmailPolicy):
    """`email.policy.default` that parses each distinct header (name, value) once: the feed
    parser and the walk ask for Content-Type and friends again and again, and each ask runs
    the header registry's parser. Parsed headers are immutable, so sharing them is safe."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name") or type(value) is not str or type(name) is not str:
            return super().header_fetch_parse(name, value)
        return _parsed_header(name, value)


@functools.lru_cache(maxsize=1024)
def _parsed_header(name: str, value: str) -> Any:
    return email_policy.default.header_fetch_parse(name, value)


POLICY = _ReusingPolicy()


def load(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=POLICY)
    assert isinstance(message, EmailMessage)
    return message


def raw_header(message: Message, name: str) -> str | None:
    """The first raw value of a header (unfolded), without the costly header registry."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return " ".join(str(value).split())
    return None


def raw_headers(message: Message, name: str) -> list[str]:
    """Every raw value of a header (unfolded), in order."""
    wanted = name.lower()
    return [
        " ".join(str(value).split()) for key, value in message.raw_items() if key.lower() == wanted
    ]


def truncate_utf8(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, cut between characters (never inside one), without a
    dangling joiner or combining mark at the end."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= limit:
        return text
    cut = encoded[:limit].decode("utf-8", "ignore")
    while cut and (cut[-1] == "\u200d" or unicodedata.combining(cut[-1])):
        cut = cut[:-1]
    return cut


def decode_words(text: str) -> str:
    """Undo RFC 2047 encoded words and raw 8-bit (RFC 6532) bytes; never raises."""
    if any("\udc80" <= char <= "\udcff" for char in text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if "=?" in text:
        with contextlib.suppress(Exception):  # keep the undecoded text
            text = str(make_header(decode_header(text)))
    return text


def header_str(message: Message, name: str) -> str:
    """A header as text; never raises on malformed encodings."""
    value = raw_header(message, name)
    if value is None:
        return ""
    return " ".join(decode_words(value).split())


def message_ids(value: str) -> list[str]:
    return [m.strip("<>") for m in _MSGID.findall(value or "")]


def first_message_id(value: str) -> str:
    ids = message_ids(value)
    if ids:
        return ids[0][:990]
    return value.strip().strip("<>")[:990]


def addresses(message: Message, name: str) -> list[tuple[str, str]]:
    value = raw_header(message, name)
    if not value:
        return []
    result = []
    for display, address in getaddresses([value]):
        address = decode_words(address).strip()
        if "@" in address and " " not in address:
            name = " ".join(decode_words(display).split())
            result.append((truncate_utf8(name, MAX_DISPLAY_NAME_BYTES), address))
    return result


def address_problem(message: Message, name: str, *, single: bool = True) -> str:
    """Why an address header cannot be trusted to name people ("" when it can): a parse
    defect, or the strict and the lenient parser disagreeing. For
    `alice@customer.example.org)<mallory@attacker.example.net>` the lenient parser answers
    alice; only a defect betrays that the header names someone else too. `single`: the
    header must name exactly one address (From, Sender)."""
    if raw_header(message, name) is None:
        return ""
    try:
        header: Any = message[name]  # an AddressHeader of the header registry
        strict = {decode_words(a.addr_spec).lower() for a in header.addresses}
        defects = [d for d in header.defects if _guessing_defect(d)]
    except Exception as exc:  # the header registry gave up entirely
        return f"{name}: {type(exc).__name__}"
    if defects:
        return f"{name}: {defects[0]}"
    lenient = [address.lower() for _display, address in addresses(message, name)]
    if single and (len(lenient) > 1 or len(strict) > 1):
        return _("%(header)s names more than one address.") % {"header": name}
    if set(lenient) != strict:
        return _("%(header)s is read differently by different parsers.") % {"header": name}
    return ""


def content_hash(raw: bytes) -> str:
    """Hash of the identifying headers and the body: an MTA adding Received or Delivered-To
    headers on a second delivery does not change it."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    if not sep:
        return hashlib.sha256(raw).hexdigest()
    digest = hashlib.sha256()
    wanted = (b"from:", b"to:", b"cc:", b"subject:", b"date:", b"message-id:")
    for line in re.split(rb"\r?\n(?![ \t])", head):
        if line.lower().startswith(wanted):
            digest.update(re.sub(rb"\s+", b" ", line).strip() + b"\n")
    digest.update(b"\n")
    digest.update(body.replace(b"\r\n", b"\n").rstrip())
    return digest.hexdigest()


def decode_text(part: Message) -> str:
    """The text of a text/* part in any charset Python knows; unknown or lying charsets fall
    back to UTF-8, then Windows-1252, replacing what cannot be decoded."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload()).encode("utf-8", "replace")
    charset = (part.get_content_charset() or "us-ascii").strip().lower()
    if charset in ("us-ascii", "ascii", "unknown-8bit", "x-unknown"):
        charset = "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = ""
    if charset:
        try:
            return payload.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("cp1252", "replace")


def part_filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not name:
        try:
            name = str(part.get_param("name", header="content-type") or "")
        except Exception:
            name = ""
    if "=?" in name:
        with contextlib.suppress(Exception):  # keep the undecoded name
            name = str(make_header(decode_header(name)))
    return name


def content_type_of(part: Message) -> str:
    """`part.get_content_type()`, read once per part: the header registry parses the
    Content-Type header again on every call, and a message's walk asks many times."""
    known = getattr(part, "_ticketdesk_content_type", None)
    if known is None:
        known = part.get_content_type()
        part._ticketdesk_content_type = known  # type: ignore[attr-defined]
    return str(known)


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" or (disposition != "inline" and bool(part_filename(part)))


@dataclass
class _Walk:
    html: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    attachments: list[AttachmentInput] = field(default_factory=list)
    report_parts: list[Message] = field(default_factory=list)


def _walk(part: Message, out: _Walk, *, in_alternative: bool = False) -> None:
    content_type = content_type_of(part)
    if content_type.partition("/")[0] == "multipart" and not part.is_multipart():
        _walk_without_boundary(part, out, in_alternative=in_alternative)
        return
    if content_type == "multipart/alternative":
        children = list(_children(part))
        html_child = next((c for c in reversed(children) if _has_type(c, "text/html")), None)
        text_child = next((c for c in children if content_type_of(c) == "text/plain"), None)
        chosen = html_child or text_child or (children[-1] if children else None)
        if chosen is not None:
            _walk(chosen, out, in_alternative=True)
        if text_child is not None and text_child is not chosen:
            out.text.append(decode_text(text_child))
        for child in children:  # e.g. a calendar invite offered as an alternative
            if child is not chosen and child is not text_child and not child.is_multipart():
                if content_type_of(child) not in ("text/plain", "text/html"):
                    _attach_leaf(child, out)
        return
    if content_type in ("message/delivery-status", "text/rfc822-headers"):
        out.report_parts.append(part)
        if content_type == "message/delivery-status":
            return
    if content_type in ("message/rfc822", "message/global"):
        _attach_message(part, out)
        return
    if part.is_multipart():
        for child in _children(part):
            _walk(child, out, in_alternative=in_alternative)
        return
    if content_type in ("text/plain", "text/html") and not _is_attachment(part):
        text = decode_text(part)
        if content_type == "text/html":
            out.html.append(text)
        elif not in_alternative or not out.html:
            out.text.append(text)
        return
    _attach_leaf(part, out)


def _walk_without_boundary(part: Message, out: _Walk, *, in_alternative: bool) -> None:
    """A multipart whose `boundary` parameter is missing: when its body starts with a
    boundary line, it is read with that boundary; otherwise the body is the message text
    (never an attachment "part.bin")."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload() or "").encode("utf-8", "surrogateescape")
    match = _BOUNDARY_LINE.match(payload)
    if match is not None and payload.count(b"--" + match.group(1)) >= 2:
        boundary = match.group(1).decode("ascii")
        head = f'Content-Type: {content_type_of(part)}; boundary="{boundary}"\r\n\r\n'
        rebuilt = load(head.encode("ascii") + payload)
        if rebuilt.is_multipart():
            _walk(rebuilt, out, in_alternative=in_alternative)
            return
    text = decode_text(part)
    if text.lstrip()[:200].lower().startswith(("<!doctype html", "<html")):
        out.html.append(text)
    elif not in_alternative or not out.html:
        out.text.append(text)


def _has_type(part: Message, content_type: str) -> bool:
    if content_type_of(part) == content_type:
        return True
    if part.is_multipart():
        return any(_has_type(child, content_type) for child in _children(part))
    return False


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    return []


def _attach_message(part: Message, out: _Walk) -> None:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(inner, Message):
        out.report_parts.append(inner)
        try:
            content = inner.as_bytes(policy=email_policy.SMTP)
        except Exception:
            content = str(inner).encode("utf-8", "replace")
        subject = header_str(inner, "subject") or "message"
    else:
        decoded = part.get_payload(decode=True)
        content = decoded if isinstance(decoded, bytes) else b""
        subject = "message"
    name = part_filename(part) or f"{subject[:80]}.eml"
    out.attachments.append(
        AttachmentInput(name=name, content=content, content_type="message/rfc822")
    )


def _attach_leaf(part: Message, out: _Walk) -> None:
    content = part.get_payload(decode=True)
    if not isinstance(content, bytes):
        content = str(part.get_payload() or "").encode("utf-8", "replace")
    content_type = content_type_of(part)
    name = part_filename(part)
    if not name:
        extension = {"text/calendar": ".ics", "image/png": ".png", "image/jpeg": ".jpg"}.get(
            content_type, ".bin"
        )
        name = f"{'invite' if content_type == 'text/calendar' else 'part'}{extension}"
    content_id = (header_str(part, "content-id") or "").strip().strip("<>")
    inline = bool(content_id) and (part.get_content_disposition() or "inline") == "inline"
    out.attachments.append(
        AttachmentInput(
            name=sanitize_filename(name),
            content=content,
            content_type=content_type,
            content_id=content_id,
            inline=inline,
        )
    )


def _apply_limits(parsed: ParsedEmail, raw_size: int) -> None:
    limits = settings.TICKETDESK
    per_file = int(limits["MAX_ATTACHMENT_BYTES"])
    per_message = int(limits["MAX_MESSAGE_BYTES"])
    kept: list[AttachmentInput] = []
    if raw_size > per_message:
        parsed.dropped.append(
            _(
                "The message (%(size)s) is larger than the limit of %(limit)s; its attachments "
                "were not kept."
            )
            % {"size": filesizeformat(raw_size), "limit": filesizeformat(per_message)}
        )
        parsed.attachments = []
    for item in parsed.attachments:
        if len(item.content) > per_file:
            parsed.dropped.append(
                _(
                    "The attachment “%(name)s” (%(size)s) is larger than the limit of %(limit)s "
                    "and was not kept."
                )
                % {
                    "name": sanitize_filename(item.name),
                    "size": filesizeformat(len(item.content)),
                    "limit": filesizeformat(per_file),
                }
            )
        else:
            kept.append(item)
    parsed.attachments = kept


def _report_refs(parts: list[Message]) -> tuple[list[str], str]:
    refs: list[str] = []
    texts: list[str] = []
    for part in parts:
        if content_type_of(part) == "message/delivery-status":
            for block in _children(part):
                texts.append(
                    "; ".join(f"{k}: {v}" for k, v in block.items() if k.lower() != "received")
                )
            continue
        inner: Message = part
        if content_type_of(part) == "text/rfc822-headers":
            decoded = part.get_payload(decode=True)
            inner = load(decoded if isinstance(decoded, bytes) else b"")
        refs.extend(message_ids(header_str(inner, "message-id")))
    return refs, "\n".join(t for t in texts if t)[:4000]


def parse(raw: bytes) -> ParsedEmail:
    message = load(raw)
    parsed = ParsedEmail()
    for name in (
        "auto-submitted",
        "precedence",
        "list-id",
        "x-autoreply",
        "x-autorespond",
        "x-auto-response-suppress",
        "x-loop",
    ):
        value = header_str(message, name)
        if value:
            parsed.headers[name] = value
    if "return-path" in message:
        parsed.return_path = header_str(message, "return-path")
    sender_header = "from"
    senders = addresses(message, "from")
    if not senders:
        sender_header = "sender"
        senders = addresses(message, "sender")
    if not senders:
        raise UnusableMessage(_("The message has no usable sender address (From)."))
    parsed.from_name, parsed.from_address = senders[0]
    parsed.sender_problem = address_problem(message, sender_header)
    parsed.to = addresses(message, "to")
    # a Cc the parser had to guess adds nobody to a ticket
    parsed.cc = [] if address_problem(message, "cc", single=False) else addresses(message, "cc")
    for name in ("delivered-to", "x-original-to"):
        for value in raw_headers(message, name)[:10]:
            parsed.delivered_to += [address for _display, address in getaddresses([value])]
    parsed.authentication_results = raw_headers(message, "authentication-results")[:20]
    reply_to = addresses(message, "reply-to")
    parsed.reply_to = reply_to[0][1] if reply_to else ""
    parsed.subject = header_str(message, "subject")[:250]
    parsed.message_id = first_message_id(header_str(message, "message-id"))
    parsed.in_reply_to = message_ids(header_str(message, "in-reply-to"))
    parsed.references = message_ids(header_str(message, "references"))
    parsed.is_report = content_type_of(message) == "multipart/report"

    walk = _Walk()
    _walk(message, walk)
    parsed.attachments = walk.attachments
    if parsed.is_report:
        parsed.report_refs, parsed.report_text = _report_refs(walk.report_parts)
    text = "\n\n".join(t for t in walk.text if t.strip())[:MAX_BODY_CHARS]
    html = "\n".join(walk.html)[:MAX_BODY_CHARS]
    _apply_limits(parsed, len(raw))
    parsed.body_text = text
    parsed.body_html = clean_html(html) if html.strip() else text_to_clean_html(text)
    if not parsed.body_text and parsed.body_html:
        from ticketdesk.core.html import html_to_text

        parsed.body_text = html_to_text(parsed.body_html)
    return parsed
