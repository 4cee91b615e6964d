"""The audit log (who did what, when, from where) and the compliance settings singleton.

This app sits just above `core` so that every other app, `accounts` included, can call
`ticketdesk.audit.log.record(...)`."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_KEEP_DAYS = 365


class AuditEntry(models.Model):
    """One audited action. Append-only; purged after `ComplianceSettings.audit_keep_days`.

    Each filter of the audit page has an index that starts with it and ends with the
    time, so a filtered page reads the newest rows of one index range."""

    created_at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    # the actor's user name at the time (kept when the user is deleted; empty: the system)
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True, default="")
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=60)
    target_type = models.CharField(_("target type"), max_length=60, blank=True, default="")
    target_id = models.CharField(_("target id"), max_length=64, blank=True, default="")
    target_label = models.CharField(_("target"), max_length=200, blank=True, default="")
    details = models.JSONField(_("details"), default=dict, blank=True)
    # set for throttled entries (ticket views): one row per key, later ones are ignored
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["created_at", "id"], name="audit_time"),
            models.Index(fields=["actor", "created_at"], name="audit_actor"),
            models.Index(fields=["actor_label", "created_at"], name="audit_actor_label"),
            models.Index(fields=["action", "created_at"], name="audit_action"),
            models.Index(fields=["target_type", "target_id", "created_at"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"

    @property
    def details_text(self) -> str:
        return json.dumps(self.details, ensure_ascii=False, sort_keys=True)


class ComplianceSettings(models.Model):
    """One row (pk=1): how long audit entries and closed tickets' attachments are kept, and
    the consent text of the portal's forms. Edited in the Django admin."""

    audit_keep_days = models.PositiveIntegerField(
        _("keep audit entries (days)"), default=DEFAULT_KEEP_DAYS
    )
    attachment_keep_days = models.PositiveIntegerField(
        _("delete attachments of tickets closed more than (days) ago"),
        null=True,
        blank=True,
        help_text=_("Empty: attachments are kept for ever."),
    )
    ask_consent = models.BooleanField(
        _("ask for consent on the portal's forms"),
        default=False,
        help_text=_(
            "The sign-up and new-request forms then show the consent text with a checkbox "
            "that must be ticked; each acceptance is stored with its time."
        ),
    )
    consent_text = models.TextField(
        _("consent text"),
        blank=True,
        default="",
        help_text=_(
            "Shown with a checkbox on the portal's sign-up and new-request forms. Empty: the "
            "default text, in the reader's language."
        ),
    )
    consent_translations = models.JSONField(
        _("consent text translations"),
        default=dict,
        blank=True,
        help_text=_('Other languages, e.g. {"pt-br": "…", "it": "…"}.'),
    )

    class Meta:
        verbose_name = _("privacy and audit settings")
        verbose_name_plural = _("privacy and audit settings")

    def __str__(self) -> str:
        return str(_("Privacy and audit settings"))

    @classmethod
    def current(cls) -> ComplianceSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
