"""People and groups: users (agents, admins, customers who log in), contacts, organizations,
teams."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    AGENT = "agent", _("Agent")
    LIGHT_AGENT = "light_agent", _("Light agent")
    CUSTOMER = "customer", _("Customer")


STAFF_ROLES = (Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT)


class User(AbstractUser):  # type: ignore[django-manager-missing]  # Passkey (django-otp Device)
    """Anyone who logs in. Agents and admins work tickets; customers log in to the portal
    and are linked to a Contact."""

    email = models.EmailField(_("email address"), blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    signature = models.TextField(_("signature"), blank=True, default="")
    notification_preferences = models.JSONField(
        _("notification preferences"), default=dict, blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["role"], name="user_role_idx")]

    # What a role may do is the policy's to say (accounts/policy.py, `may` in templates):
    # the model has no is_agent/is_admin of its own, so that "agent" means one thing.

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    domains = models.CharField(
        _("email domains"),
        max_length=500,
        blank=True,
        default="",
        help_text=_("Comma-separated domains whose senders belong to this organization."),
    )
    shared_tickets = models.BooleanField(_("members see each other's tickets"), default=False)
    tier = models.CharField(_("customer tier"), max_length=50, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A customer or requester: created from an email, the portal, the API or by an agent.
    May have a login (`user`)."""

    email = models.EmailField(_("email"), max_length=254)
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=50, blank=True, default="")
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact"
    )
    organizations = models.ManyToManyField(
        Organization, blank=True, related_name="contacts", verbose_name=_("organizations")
    )
    # from the company directory (`ticketdesk ldap_sync`): approvals go to the manager
    department = models.CharField(_("department"), max_length=200, blank=True, default="")
    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("manager"),
    )
    directory_dn = models.CharField(
        _("directory entry"), max_length=500, blank=True, default="", db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "email"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="contact_email_ci_unique"),
        ]
        # messaging matches a sender's phone number to a contact (channels/messaging/contacts.py)
        indexes = [models.Index(fields=["phone"], name="contact_phone")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def first_name(self) -> str:
        return (self.name or self.email).split()[0] if (self.name or self.email) else ""


class AssignmentStrategy(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    SKILLS = "skills", _("Skills based")


class Team(models.Model):
    """A queue / department. Agents see the tickets of their teams."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    email = models.EmailField(_("email address"), blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="")
    members = models.ManyToManyField(
        User, through="TeamMembership", related_name="teams", blank=True
    )
    assignment_strategy = models.CharField(
        _("assignment strategy"),
        max_length=20,
        choices=AssignmentStrategy.choices,
        default=AssignmentStrategy.MANUAL,
    )
    active = models.BooleanField(_("active"), default=True)
    escalation_team = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("escalates to"),
        help_text=_("The team (tier 2 or specialists) its tickets go to when escalated."),
    )
    sees_triage = models.BooleanField(
        _("works the triage queue"),
        default=False,
        help_text=_(
            "Its members see and work tickets that have no team. When no team is chosen, "
            "every agent does."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="team_memberships")
    is_lead = models.BooleanField(_("team lead"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_membership_unique")
        ]
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


# Sign-in (two-factor requirement, open sessions) lives in its own module.
from .signin_models import Passkey, SignInSettings, UserSession  # noqa: E402

__all__ = [
    "AssignmentStrategy",
    "Contact",
    "Organization",
    "Passkey",
    "Role",
    "SignInSettings",
    "Team",
    "TeamMembership",
    "User",
    "UserSession",
]
