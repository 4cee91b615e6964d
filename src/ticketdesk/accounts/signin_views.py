"""Sign-in pages beyond the password: the second-factor step, setting up two-factor
authentication, and the list of open sessions."""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import policy, signin_sessions, two_factor
from .models import User


def safe_next(request: HttpRequest, url: str | None, default: str = "/") -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def greet(request: HttpRequest, user: User) -> None:
    # the greeting is shown on the next page, in the user's own language
    with translation.override(user.language or translation.get_language()):
        messages.success(request, _("Welcome back, %(name)s.") % {"name": user.display_name})


def two_factor_verify(request: HttpRequest) -> HttpResponseBase:
    """The code after the password (or, for a signed-in session that owes one, before the
    workspace)."""
    waiting = two_factor.pending(request)
    if waiting is not None:
        user, data = waiting
        next_url = data.get("next") or "/"
    elif request.user.is_authenticated and two_factor.has_device(request.user):  # type: ignore[arg-type]
        user = request.user  # type: ignore[assignment]
        next_url = safe_next(request, request.GET.get("next") or request.POST.get("next"))
    else:
        return redirect("login")
    error = ""
    if request.method == "POST":
        device = two_factor.verify_code(user, request.POST.get("code", ""))
        if device is not None:
            if waiting is not None:
                request.session.pop(two_factor.PENDING_KEY, None)
                auth_login(request, user, backend=waiting[1]["backend"])
                greet(request, user)
            django_otp.login(request, device)
            return redirect(next_url)
        if waiting is not None and two_factor.count_failure(request):
            messages.error(request, _("Too many wrong codes. Log in again."))
            return redirect("login")
        error = _("That code is not right. Try the current code from your app, or a backup code.")
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"error": error, "next": next_url},
        status=400 if error else 200,
    )


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app, get backup codes, or turn two-factor off."""
    user: Any = request.user
    policy.require(user, policy.MANAGE_SIGN_IN)
    context: dict[str, Any] = {
        "required": two_factor.required_for(user),
        "next": safe_next(request, request.GET.get("next") or request.POST.get("next"), ""),
    }
    status = 200
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "confirm":
        codes = two_factor.confirm_enrolment(request, user, request.POST.get("code", ""))
        if codes is None:
            context["error"] = _(
                "That code is not right. Check the time on your phone and try again."
            )
            status = 400
        else:
            messages.success(request, _("Two-factor authentication is on."))
            context["backup_codes"] = codes
    elif action == "backup_codes" and user.is_verified():
        context["backup_codes"] = two_factor.regenerate_backup_codes(user)
        messages.success(request, _("New backup codes made; the old ones no longer work."))
    elif action == "turn_off" and user.is_verified() and not context["required"]:
        two_factor.turn_off(user)
        messages.success(request, _("Two-factor authentication is off."))
        return redirect("two_factor")
    elif action is not None:
        context["error"] = _("Confirm a code from your app first.")
        status = 400
    device = two_factor.app_device(user)
    context["device"] = device
    context["verified"] = user.is_verified()
    if device is None:
        enrolment = two_factor.start_enrolment(user)
        context["qr_svg"] = two_factor.qr_code_svg(enrolment)
        context["secret"] = two_factor.secret_text(enrolment)
    else:
        context["backup_codes_left"] = two_factor.backup_codes_left(user)
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    policy.require(user, policy.MANAGE_SIGN_IN)
    signin_sessions.touch(request)
    rows = signin_sessions.open_sessions(user)
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": rows, "current_key": request.session.session_key},
    )


@login_required
@require_POST
def sign_out_sessions(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    policy.require(user, policy.MANAGE_SIGN_IN)
    if request.POST.get("which") == "others":
        ended = signin_sessions.sign_out_others(request)
    else:
        keys = [k for k in request.POST.getlist("session") if k != request.session.session_key]
        ended = signin_sessions.sign_out(user, keys)
    messages.success(request, _("Signed out of %(count)d other session(s).") % {"count": ended})
    return redirect("sessions")
