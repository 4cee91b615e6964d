"""`{% load email_channel %}{{ message.body_html|inline_images:message }}`: point the `cid:`
images of a mail body at the stored inline attachments (for the ticket timeline)."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()
_CID_SRC = re.compile(r"src=\"cid:([^\"]+)\"")


@register.filter
def inline_images(body_html: str, message: Any) -> SafeString:
    """`body_html` must be the stored, sanitised body; only `src="cid:..."` values change, to
    URLs of attachments of the same message (the attachment view checks permissions)."""
    if "cid:" not in body_html:
        return mark_safe(body_html)  # stored sanitised at the door
    by_content_id = {
        attachment.content_id: attachment.pk
        for attachment in message.attachments.all()
        if attachment.content_id
    }

    def replace(match: re.Match[str]) -> str:
        pk = by_content_id.get(match.group(1))
        if pk is None:
            return match.group(0)
        try:
            return f'src="{reverse("workspace:attachment", args=[pk])}"'
        except NoReverseMatch:
            return match.group(0)

    return mark_safe(_CID_SRC.sub(replace, body_html))  # sanitised, own URLs
