"""The customer portal's own data: settings and branding (a singleton), invitations,
deflection events, satisfaction ratings and consent acceptances."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignupMode(models.TextChoices):
    OPEN = "open", _("Anyone can sign up")
    DOMAINS = "domains", _("Only addresses of the allowed email domains")
    INVITATION = "invitation", _("By invitation only")


class CsatScale(models.TextChoices):
    FIVE = "five", _("1 to 5 stars")
    BINARY = "binary", _("Good / bad")


DEFAULT_BRAND = "Help Center"


class PortalSettings(models.Model):
    """One row (pk=1): how the portal behaves and looks. Edited in the Django admin."""

    brand_name = models.CharField(_("portal name"), max_length=100, default=DEFAULT_BRAND)
    logo_url = models.URLField(_("logo URL"), blank=True, default="")
    primary_color = models.CharField(
        _("primary colour"), max_length=7, default="#2456c7", help_text=_("A hex colour.")
    )
    header_color = models.CharField(_("header colour"), max_length=7, default="#15213b")
    welcome_text = models.CharField(_("welcome text"), max_length=300, blank=True, default="")
    signup_mode = models.CharField(
        _("sign-up"), max_length=12, choices=SignupMode.choices, default=SignupMode.OPEN
    )
    allowed_domains = models.CharField(
        _("allowed email domains"),
        max_length=500,
        blank=True,
        default="",
        help_text=_("Comma-separated, used when sign-up is limited to domains."),
    )
    allow_guest_tickets = models.BooleanField(
        _("guests may submit tickets (name and email)"), default=True
    )
    embed_enabled = models.BooleanField(_("embeddable web form enabled"), default=True)
    csat_enabled = models.BooleanField(_("ask for a satisfaction rating"), default=True)
    csat_scale = models.CharField(
        _("rating scale"), max_length=8, choices=CsatScale.choices, default=CsatScale.FIVE
    )
    default_team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default team"),
        help_text=_(
            "Requests from the portal and the embedded form go to this team when their "
            "category does not name one."
        ),
    )

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self) -> str:
        return str(_("Portal settings"))

    @classmethod
    def current(cls) -> PortalSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @property
    def brand(self) -> str:
        """The portal's name as shown: the shipped default in the reader's language, a
        name an administrator chose as written."""
        if self.brand_name == DEFAULT_BRAND:
            return str(_("Help Center"))
        return self.brand_name

    def domain_list(self) -> set[str]:
        return {d.strip().lower().lstrip("@") for d in self.allowed_domains.split(",") if d.strip()}


class Invitation(models.Model):
    email = models.EmailField(_("email"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["email"], name="portal_invitation_email")]

    def __str__(self) -> str:
        return self.email


class DeflectionOutcome(models.TextChoices):
    OPENED = "opened", _("Article opened, no ticket (deflected)")
    SUBMITTED = "submitted", _("Article opened, ticket submitted anyway")


class DeflectionEvent(models.Model):
    """A knowledge base suggestion opened from the ticket form. It stays `opened` (deflected)
    unless the same browser session then submits a ticket."""

    article = models.ForeignKey("kb.Article", on_delete=models.CASCADE, related_name="+")
    query = models.CharField(_("typed subject"), max_length=250, blank=True, default="")
    session_key = models.CharField(max_length=64, blank=True, default="")
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(
        max_length=10, choices=DeflectionOutcome.choices, default=DeflectionOutcome.OPENED
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("deflection event")
        verbose_name_plural = _("deflection events")
        indexes = [
            models.Index(fields=["outcome", "created_at"], name="portal_deflection_outcome"),
            models.Index(fields=["article", "created_at"], name="portal_deflection_article"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.outcome}"


class CsatRequest(models.Model):
    """A rating request sent for one resolution (unique per outbox message: idempotent)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    outbox_message_id = models.BigIntegerField(unique=True)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["ticket", "-sent_at"], name="portal_csatreq_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.sent_at:%Y-%m-%d}"


class SatisfactionRating(models.Model):
    """The requester's rating of a ticket (the latest one wins; each is also an event)."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="satisfaction_rating"
    )
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scale = models.CharField(max_length=8, choices=CsatScale.choices)
    score = models.PositiveSmallIntegerField(
        _("score"), help_text=_("1–5, or 1 (bad) / 5 (good) on the good/bad scale.")
    )
    comment = models.TextField(_("comment"), blank=True, default="")
    created_at = models.DateTimeField(_("rated"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        indexes = [models.Index(fields=["created_at"], name="portal_csat_created")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}"

    @property
    def is_good(self) -> bool:
        return self.score >= 4


class ConsentForm(models.TextChoices):
    SIGNUP = "signup", _("Portal sign-up")
    REQUEST = "request", _("New request")


class ConsentAcceptance(models.Model):
    contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.CASCADE, related_name="consents"
    )
    form = models.CharField(_("form"), max_length=10, choices=ConsentForm.choices)
    text = models.TextField(_("text accepted"))
    language = models.CharField(_("language"), max_length=12, blank=True, default="")
    accepted_at = models.DateTimeField(_("accepted"))

    class Meta:
        ordering = ["-accepted_at", "-id"]
        verbose_name = _("consent acceptance")
        verbose_name_plural = _("consent acceptances")
        indexes = [models.Index(fields=["contact", "accepted_at"], name="privacy_consent_contact")]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.form} {self.accepted_at:%Y-%m-%d}"
