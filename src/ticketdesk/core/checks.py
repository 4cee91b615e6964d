"""Deployment checks (`ticketdesk check --deploy`): what a multi-process installation needs."""

from __future__ import annotations

from importlib.util import find_spec  # a third-party extra, not one of our apps
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.caches, deploy=True)
def shared_cache(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    backend = settings.CACHES["default"]["BACKEND"]
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgres and backend.endswith("locmem.LocMemCache"):
        return [
            Warning(
                "The cache is in each process's memory: with several web or worker processes, "
                "rate limits and mail loop protection are counted apart in each.",
                hint="Set REDIS_URL (docs/production.md).",
                id="ticketdesk.W001",
            )
        ]
    return []


@register(Tags.files, deploy=True)
def shared_files(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    local = settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
    if on_postgres and local:
        return [
            Warning(
                "Attachments are kept on this machine's disk (MEDIA_ROOT): other machines "
                "will not find them.",
                hint="With more than one machine set TICKETDESK_S3_BUCKET, or mount one shared "
                "folder at MEDIA_ROOT on every machine (docs/production.md).",
                id="ticketdesk.W002",
            )
        ]
    return []


@register()
def ldap_extra(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if getattr(settings, "LDAP_ENABLED", False) and find_spec("django_auth_ldap") is None:
        return [
            Error(
                "TICKETDESK_LDAP_SERVER_URI is set but the LDAP support is not installed.",
                hint="apt-get install libldap2-dev libsasl2-dev, then "
                "pip install 'ticketdesk[ldap]' (make install does it when the headers exist).",
                id="ticketdesk.E001",
            )
        ]
    return []
