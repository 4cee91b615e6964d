"""Mail bodies in pages: `{% load email_channel %}`, then
`{{ message.body_html|inline_images:message }}` in the agent workspace and
`{{ message.body_html|portal_inline_images:message }}` in the customer portal.

Both point the `cid:` images of a stored mail body at the message's own inline attachments,
through the attachment views of that side, which ask the policy for every download."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import unquote

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()
_CID_SRC = re.compile(r"src=\"cid:([^\"]+)\"", re.I)


def rewrite_inline_images(body_html: str, message: Any, url_name: str) -> SafeString:
    """`body_html` must be the stored, sanitised body; only `src="cid:..."` values change, to
    URLs (`url_name`) of attachments of the same message."""
    if "cid:" not in body_html.lower():
        return mark_safe(body_html)  # stored sanitised at the door
    by_content_id = {
        attachment.content_id.strip("<>"): attachment.pk
        for attachment in message.attachments.all()  # prefetched by the timeline queries
        if attachment.content_id
    }

    def replace(match: re.Match[str]) -> str:
        content_id = unquote(html.unescape(match.group(1))).strip("<>")
        pk = by_content_id.get(content_id)
        if pk is None:
            return match.group(0)
        try:
            return f'src="{reverse(url_name, args=[pk])}"'
        except NoReverseMatch:
            return match.group(0)

    return mark_safe(_CID_SRC.sub(replace, body_html))  # sanitised, own URLs


@register.filter
def inline_images(body_html: str, message: Any) -> SafeString:
    """For the agent workspace (attachment URLs of the workspace)."""
    return rewrite_inline_images(body_html, message, "workspace:attachment")


@register.filter
def portal_inline_images(body_html: str, message: Any) -> SafeString:
    """For the customer portal (attachment URLs of the portal)."""
    return rewrite_inline_images(body_html, message, "portal:attachment")
