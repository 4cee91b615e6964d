"""How an origin is written: `scheme://host[:port]`, as browsers send it in the Origin
header. The chat widget's allow-list (Settings, configuration files, the environment) holds
origins in this form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _


def origin_of(url: str) -> str:
    """The origin of a URL as written (lower case), or "" when it has none."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def parse_origin(text: str) -> str:
    """`scheme://host[:port]` as browsers send it in the Origin header (lower case, no
    trailing slash); raises ValueError with a message naming what is wrong."""
    text = text.strip()
    wrong = ValueError(
        _("“%(o)s” is not a site's address: write it as https://www.example.com.") % {"o": text}
    )
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError when it is not a number from 0 to 65535
    except ValueError:
        raise wrong from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise wrong
    if parts.username is not None or parts.password is not None:
        raise wrong
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ValueError(
            _("“%(o)s” has a path: give only the site, such as %(s)s.")
            % {"o": text, "s": origin_of(text)}
        )
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise wrong from None
    if port == 0:
        raise wrong
    origin = origin_of(text)
    default = {"http": ":80", "https": ":443"}[parts.scheme.lower()]
    return origin.removesuffix(default) if port is not None else origin


def validate_origins(value: Any) -> None:
    """The model's check of a list of origins (forms, the Settings, configuration import):
    one message per wrong entry."""
    if not isinstance(value, list) or not all(isinstance(o, str) for o in value):
        raise ValidationError(_("Give a list of sites, such as https://www.example.com."))
    errors = []
    for text in value:
        try:
            parse_origin(text)
        except ValueError as error:
            errors.append(ValidationError(str(error)))
    if errors:
        raise ValidationError(errors)
