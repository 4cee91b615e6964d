"""Log in (rate-limited), log out, password reset."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from . import throttle


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
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
        # the greeting is shown on the next page, in the user's own language
        with translation.override(user.language or translation.get_language()):
            messages.success(
                self.request, _("Welcome back, %(name)s.") % {"name": user.display_name}
            )
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    pass
