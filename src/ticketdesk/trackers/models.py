"""Developer trackers (GitHub, GitLab, Jira): the connections an administrator sets up, the
links between tickets and remote issues, and the outbound API calls as intent rows."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import User
from ticketdesk.core.encryption import EncryptedTextField
from ticketdesk.tickets.models import Ticket


class TrackerKind(models.TextChoices):
    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"
    JIRA = "jira", "Jira"


class TrackerConnection(models.Model):
    """One project of one tracker: where issues are created and whose webhook we hear."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("tracker"), max_length=10, choices=TrackerKind.choices)
    api_url = models.URLField(
        _("API address"),
        help_text=_(
            "GitHub: https://api.github.com; GitLab: https://gitlab.com/api/v4; "
            "Jira: https://your-site.atlassian.net"
        ),
    )
    web_url = models.URLField(
        _("web address"),
        blank=True,
        default="",
        help_text=_(
            "Where people open issues (https://github.com, https://gitlab.com); "
            "for Jira the site address."
        ),
    )
    project = models.CharField(
        _("project"),
        max_length=200,
        help_text=_("GitHub: owner/repository; GitLab: group/project; Jira: the project key."),
    )
    issue_type = models.CharField(_("Jira issue type"), max_length=60, blank=True, default="Bug")
    username = models.CharField(
        _("user (Jira: the account's email)"), max_length=200, blank=True, default=""
    )
    token = EncryptedTextField(_("API token"), blank=True, default="")
    webhook_secret = EncryptedTextField(_("webhook secret"), blank=True, default="")
    allow_private = models.BooleanField(
        _("allow private addresses"),
        default=False,
        help_text=_("Only for a tracker inside your own network."),
    )
    move_to_verify = models.BooleanField(
        _("move tickets to “Fix released — verify”"),
        default=True,
        help_text=_("When the issue is closed or its fix released."),
    )
    tell_customer = models.BooleanField(
        _("tell the customer when the fix is released"), default=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("tracker connection")
        verbose_name_plural = _("tracker connections")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()} {self.project})"


class RemoteState(models.TextChoices):
    CREATING = "creating", _("Being created")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    RELEASED = "released", _("Fix released")
    FAILED = "failed", _("Could not be created")


class TrackerLink(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="tracker_links")
    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="links"
    )
    remote_id = models.CharField(max_length=100, blank=True, default="")
    url = models.URLField(max_length=500, blank=True, default="")
    title = models.CharField(max_length=250, blank=True, default="")
    state = models.CharField(max_length=10, choices=RemoteState.choices)
    remote_status = models.CharField(max_length=100, blank=True, default="")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["ticket", "id"]
        verbose_name = _("tracker link")
        verbose_name_plural = _("tracker links")
        indexes = [models.Index(fields=["connection", "remote_id"], name="tracker_link_remote")]

    def __str__(self) -> str:
        return f"{self.connection.get_kind_display()} {self.remote_id or '…'}"


class CallAction(models.TextChoices):
    CREATE = "create", _("Create the issue")
    FETCH = "fetch", _("Read the issue")


class CallStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class TrackerCall(models.Model):
    """An API call to a tracker, recorded in the transaction that decided it and made after
    commit by the worker's `trackers` sender, with retries and backoff."""

    link = models.ForeignKey(TrackerLink, on_delete=models.CASCADE, related_name="calls")
    action = models.CharField(max_length=10, choices=CallAction.choices)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=CallStatus.choices, default=CallStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_retry_at"], name="tracker_call_due")]

    def __str__(self) -> str:
        return f"{self.action} {self.link_id} ({self.status})"
