"""Message bodies from mail: sanitised HTML with remote images blocked, and quoted history and
signatures wrapped in <details> so the timeline shows them collapsed."""

from __future__ import annotations

import html as std_html
import re

from django.utils.translation import gettext as _

from ticketdesk.core.html import sanitize_html, text_to_html

QUOTED_OPEN = '<details class="quoted"><summary>···</summary>'
SIGNATURE_OPEN = '<details class="signature"><summary>–</summary>'

# Markers mail clients put on quoted history; attributes other than class are dropped by the
# sanitiser, so they become classes first.
_PRE_MARKS = [
    (
        re.compile(r"<blockquote\b[^>]*\btype\s*=\s*[\"']?cite[\"']?", re.I),
        '<blockquote class="cite"',
    ),
    (
        re.compile(r"<div\b[^>]*\bid\s*=\s*[\"']?divRplyFwdMsg[\"']?", re.I),
        '<div class="outlook_quote"',
    ),
]
_QUOTE_START = re.compile(
    r"<(blockquote)\b|<(div) class=\"[^\"]*\b(?:gmail_quote|outlook_quote|moz-cite-prefix)\b", re.I
)
_SIGNATURE_START = re.compile(r"<(div) class=\"[^\"]*\b(?:gmail_signature|moz-signature)\b", re.I)
_REMOTE_IMG = re.compile(r"<img\b([^>]*?)\bsrc=\"(https?://[^\"]*)\"([^>]*)>", re.I)
_ALT = re.compile(r"\balt=\"([^\"]*)\"", re.I)
_ATTRIBUTION = re.compile(
    r"^\s*(On .{5,200} wrote:|Em .{5,200} escreveu:|Il .{5,200} ha scritto:)\s*$", re.I
)
_ORIGINAL = re.compile(
    r"^\s*-{3,}\s*(Original Message|Mensagem original|Messaggio originale|Forwarded message)",
    re.I,
)


def clean_html(value: str) -> str:
    for pattern, replacement in _PRE_MARKS:
        value = pattern.sub(replacement, value)
    clean = sanitize_html(value)
    clean = block_remote_images(clean)
    clean = _wrap_element(clean, _SIGNATURE_START, SIGNATURE_OPEN)
    return _wrap_element(clean, _QUOTE_START, QUOTED_OPEN)


def block_remote_images(clean: str) -> str:
    """Remote images would tell the sender when and where the mail was read: each becomes a
    link the agent can choose to open ("load image")."""

    def replace(match: re.Match[str]) -> str:
        alt = _ALT.search(match.group(1) + match.group(3))
        label = alt.group(1) if alt and alt.group(1) else std_html.escape(_("image"))
        title = std_html.escape(_("Remote image blocked: click to load it"))
        return (
            f'<a href="{match.group(2)}" class="remote-image" title="{title}" '
            f'rel="noopener noreferrer nofollow">[{label}]</a>'
        )

    return _REMOTE_IMG.sub(replace, clean)


def _wrap_element(clean: str, start: re.Pattern[str], opening: str) -> str:
    """Wrap the first element matching `start` (in sanitised, well-formed HTML) in a
    <details> block."""
    match = start.search(clean)
    if match is None:
        return clean
    tag = (match.group(1) or match.group(2)).lower()
    end = _matching_end(clean, match.start(), tag)
    if end is None:
        return clean
    return (
        clean[: match.start()] + opening + clean[match.start() : end] + "</details>" + clean[end:]
    )


def _matching_end(clean: str, position: int, tag: str) -> int | None:
    token = re.compile(rf"<(/?){tag}\b[^>]*>", re.I)
    depth = 0
    for match in token.finditer(clean, position):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.end()
    return None


def split_text(text: str) -> tuple[str, str, str]:
    """(new text, signature, quoted history) of a plain-text mail."""
    lines = text.replace("\r\n", "\n").split("\n")
    quote_at = None
    for index, line in enumerate(lines):
        if _ORIGINAL.match(line):
            quote_at = index
            break
        is_attribution = _ATTRIBUTION.match(line) and any(
            later.startswith(">") for later in lines[index + 1 : index + 3]
        )
        if is_attribution or line.startswith(">"):
            rest = lines[index + 1 :]
            if all(not r.strip() or r.startswith(">") for r in rest):
                quote_at = index
            break
    end = quote_at if quote_at is not None else len(lines)
    signature_at = next((i for i in range(end) if lines[i] in ("-- ", "--")), None)
    main_end = signature_at if signature_at is not None else end
    main = "\n".join(lines[:main_end]).strip("\n")
    signature = "\n".join(lines[main_end + 1 : end]).strip("\n") if signature_at is not None else ""
    quoted = "\n".join(lines[end:]).strip("\n")
    return main, signature, quoted


def text_to_clean_html(text: str) -> str:
    main, signature, quoted = split_text(text)
    parts = [text_to_html(main)]
    if signature:
        parts.append(SIGNATURE_OPEN + text_to_html(signature) + "</details>")
    if quoted:
        parts.append(
            QUOTED_OPEN + "<blockquote>" + text_to_html(quoted) + "</blockquote></details>"
        )
    return sanitize_html("".join(parts))
