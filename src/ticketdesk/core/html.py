"""Sanitising untrusted HTML (nh3) and rendering markdown: done once, at the door."""

from __future__ import annotations

import html as std_html
import re
import threading

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "font",
    "center",
}
ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang", "dir", "align", "class"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "valign"},
    "th": {"colspan", "rowspan", "valign", "scope"},
    "ol": {"start", "type"},
    "font": {"color"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


def sanitize_html(value: str) -> str:
    """Return `value` with only safe tags, attributes and URL schemes left.

    Scripts, styles, event handlers and javascript:/data: URLs are removed; links get
    rel="noopener noreferrer nofollow".
    """
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_local = threading.local()


def _markdown() -> markdown_lib.Markdown:
    """One Markdown converter per thread (building one costs more than converting a reply)."""
    converter = getattr(_local, "markdown", None)
    if converter is None:
        converter = markdown_lib.Markdown(
            extensions=["fenced_code", "tables", "sane_lists", "nl2br"]
        )
        # A backslash does not escape a backslash: Windows paths such as \\fs01\share and
        # C:\\temp keep every backslash (a backslash still escapes * _ ` and the like).
        converter.ESCAPED_CHARS = [c for c in converter.ESCAPED_CHARS if c != "\\"]
        _local.markdown = converter
    return converter


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML (raw HTML inside the markdown is sanitised too)."""
    converter = _markdown()
    try:
        rendered = converter.convert(text or "")
    finally:
        converter.reset()
    return sanitize_html(rendered)


def text_to_html(text: str) -> str:
    """Plain text to safe HTML paragraphs."""
    escaped = std_html.escape(text or "")
    paragraphs = [p for p in re.split(r"\n\s*\n", escaped) if p.strip()]
    return "".join("<p>" + p.replace("\n", "<br>") + "</p>" for p in paragraphs)


_BLOCK_END = re.compile(r"</(p|div|li|tr|h[1-6]|blockquote|pre)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(value: str) -> str:
    """A readable plain-text rendering of (sanitised) HTML."""
    text = _BLOCK_END.sub("\n", value or "")
    text = _TAG.sub("", text)
    text = std_html.unescape(text)
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
