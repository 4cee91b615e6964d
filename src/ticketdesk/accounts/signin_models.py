"""Sign-in: the administrator's two-factor requirement and the sessions a user has open.

Imported by models.py (one app: accounts)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

SIGN_IN_SETTINGS_CACHE_KEY = "accounts:sign-in-settings"


class SignInSettings(models.Model):
    """One row (pk=1): which roles must use a second factor. Edited in the Django admin."""

    require_two_factor_admins = models.BooleanField(
        _("require two-factor authentication for administrators"), default=False
    )
    require_two_factor_agents = models.BooleanField(
        _("require two-factor authentication for agents and light agents"), default=False
    )

    class Meta:
        app_label = "accounts"
        verbose_name = _("sign-in settings")
        verbose_name_plural = _("sign-in settings")

    def __str__(self) -> str:
        return str(_("Sign-in settings"))

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        cache.delete(SIGN_IN_SETTINGS_CACHE_KEY)  # every page asks; keep the answer fresh

    @classmethod
    def current(cls) -> SignInSettings:
        """Cached for a minute: the sign-in middleware asks on every page."""
        obj = cache.get(SIGN_IN_SETTINGS_CACHE_KEY)
        if obj is None:
            obj, _created = cls.objects.get_or_create(pk=1)
            cache.set(SIGN_IN_SETTINGS_CACHE_KEY, obj, 60)
        return obj


_BROWSERS = [  # the order matters: Edge and Opera also say "Chrome", Chrome also "Safari"
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("Windows", "Windows"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


def browser_name(user_agent: str) -> str:
    """'Chrome on Linux' from a User-Agent header; the header itself when it is neither."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or user_agent[:60]


class UserSession(models.Model):
    """A signed-in session as its owner sees it on the profile: which browser, from where,
    last seen when. Signing it out deletes the Django session it names."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signin_sessions"
    )
    session_key = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True, default="")
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    method = models.CharField(_("signed in with"), max_length=40, blank=True, default="")
    created_at = models.DateTimeField(_("signed in"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        app_label = "accounts"
        ordering = ["-last_seen_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.user} {self.user_agent[:40]}"

    @property
    def browser(self) -> str:
        return browser_name(self.user_agent)


class Passkey(Device):
    """A WebAuthn credential (a passkey, a security key) used as a second factor; a django-otp
    device so that a session it verified counts as verified (`user.is_verified()`)."""

    credential_id = models.BinaryField(unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        app_label = "accounts"
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
