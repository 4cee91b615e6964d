"""Log in (rate-limited), log out, password reset, an invited agent's first password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import throttle, two_factor
from .forms import LoginForm
from .signin_views import greet


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        if throttle.is_locked_out(self.request):  # django-axes (accounts/throttle.py)
            form.errors.pop("__all__", None)
            form.add_error(None, throttle.lockout_message())
            response = super().form_invalid(form)
            response.status_code = 429
            return response
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        # --- second factor: the password was right; a user with a device is not signed in
        # until the code is (signin_views.two_factor_verify)
        if two_factor.has_device(user):
            two_factor.begin_pending(self.request, user, self.get_success_url())
            return redirect("two_factor_verify")
        # --- end second factor
        greet(self.request, user)
        return super().form_valid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_provider_name"] = settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else ""
        context["saml_provider_name"] = settings.SAML_PROVIDER_NAME if settings.SAML_ENABLED else ""
        return context


class LogoutView(auth_views.LogoutView):
    pass


class InvitationView(auth_views.PasswordResetConfirmView):
    """An invited agent chooses their password (the link of Settings → Agents' mail, a
    password-reset token) and is signed in, landing in the workspace."""

    template_name = "accounts/invitation.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None  # switched off since

    def get_success_url(self) -> str:
        return reverse("workspace:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        with translation.override(user.language or translation.get_language()):
            messages.success(
                self.request,
                _("Welcome, %(name)s: your password is set.") % {"name": user.display_name},
            )
        return response
