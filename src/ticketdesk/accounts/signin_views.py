"""Sign-in pages beyond the password: the second-factor step, setting up two-factor
authentication, and the list of open sessions."""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import passkeys, policy, signin_sessions, two_factor
from .models import Passkey, User


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


def _who_owes_a_second_factor(
    request: HttpRequest,
) -> tuple[User, dict[str, Any] | None, str] | None:
    """(user, pending sign-in or None, where to go next) of the second-factor step: a
    password-checked sign-in, or a signed-in session that owes one."""
    waiting = two_factor.pending(request)
    if waiting is not None:
        return waiting[0], waiting[1], waiting[1].get("next") or "/"
    user: Any = request.user
    if user.is_authenticated and two_factor.has_device(user):
        return user, None, safe_next(request, request.GET.get("next") or request.POST.get("next"))
    return None


def _complete(
    request: HttpRequest, user: User, waiting: dict[str, Any] | None, device: Any
) -> None:
    if waiting is not None:
        request.session.pop(two_factor.PENDING_KEY, None)
        auth_login(request, user, backend=waiting["backend"])
        greet(request, user)
    django_otp.login(request, device)
    signin_sessions.touch(request, user, force=True)  # the list now says "and a second factor"


def two_factor_verify(request: HttpRequest) -> HttpResponseBase:
    """The code after the password (or, for a signed-in session that owes one, before the
    workspace)."""
    subject = _who_owes_a_second_factor(request)
    if subject is None:
        return redirect("login")
    user, waiting, next_url = subject
    error = ""
    if request.method == "POST":
        device = two_factor.verify_code(user, request.POST.get("code", ""))
        if device is not None:
            _complete(request, user, waiting, device)
            return redirect(next_url)
        if waiting is not None and two_factor.count_failure(request):
            messages.error(request, _("Too many wrong codes. Log in again."))
            return redirect("login")
        error = _("That code is not right. Try the current code from your app, or a backup code.")
    return render(
        request,
        "accounts/two_factor_verify.html",
        {
            "error": error,
            "next": next_url,
            "has_passkey": Passkey.objects.filter(user=user, confirmed=True).exists(),
            "has_code_device": two_factor.has_code_device(user),
        },
        status=400 if error else 200,
    )


@require_POST
def passkey_verify_options(request: HttpRequest) -> HttpResponse:
    subject = _who_owes_a_second_factor(request)
    if subject is None:
        return JsonResponse({"detail": _("Log in again.")}, status=403)
    return HttpResponse(
        passkeys.authentication_options(request, subject[0]), content_type="application/json"
    )


@require_POST
def passkey_verify(request: HttpRequest) -> HttpResponse:
    subject = _who_owes_a_second_factor(request)
    if subject is None:
        return JsonResponse({"detail": _("Log in again.")}, status=403)
    user, waiting, next_url = subject
    passkey = passkeys.authenticate(request, user, request.body.decode("utf-8", "replace"))
    if passkey is None:
        if waiting is not None and two_factor.count_failure(request):
            return JsonResponse({"detail": _("Too many wrong codes. Log in again.")}, status=403)
        return JsonResponse({"detail": _("That passkey was not accepted.")}, status=400)
    _complete(request, user, waiting, passkey)
    return JsonResponse({"next": next_url})


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
    elif action is not None and action != "remove_passkey":
        context["error"] = _("Confirm a code from your app first.")
        status = 400
    elif action == "remove_passkey" and user.is_verified():
        Passkey.objects.filter(user=user, pk=request.POST.get("passkey") or 0).delete()
        messages.success(request, _("The passkey was removed."))
        return redirect("two_factor")
    device = two_factor.app_device(user)
    context["device"] = device
    context["passkeys"] = list(Passkey.objects.filter(user=user, confirmed=True))
    context["may_add_passkey"] = user.is_verified() or not two_factor.has_device(user)
    context["verified"] = user.is_verified()
    if device is None:
        enrolment = two_factor.start_enrolment(user)
        context["qr_svg"] = two_factor.qr_code_svg(enrolment)
        context["secret"] = two_factor.secret_text(enrolment)
    else:
        context["backup_codes_left"] = two_factor.backup_codes_left(user)
    context["frame"] = _frame(request)
    return render(request, "accounts/two_factor_setup.html", context, status=status)


def _frame(request: HttpRequest) -> str:
    """The workspace's frame (menu, bell) for an agent who may use the workspace now; the bare
    page while a second factor is still owed (the frame's own requests would be sent to the
    set-up page and land inside it)."""
    user: Any = request.user
    if policy.is_staff_member(user) and (
        two_factor.session_is_verified(request) or not two_factor.required_for(user)
    ):
        return "agent_base.html"
    return "base.html"


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    policy.require(user, policy.MANAGE_SIGN_IN)
    signin_sessions.touch(request)
    rows = signin_sessions.open_sessions(user)
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": rows, "current_key": request.session.session_key, "frame": _frame(request)},
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
    messages.success(
        request,
        ngettext(
            "Signed out of %(count)d other session.",
            "Signed out of %(count)d other sessions.",
            ended,
        )
        % {"count": ended},
    )
    return redirect("sessions")


@login_required
@require_POST
def passkey_register_options(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    policy.require(user, policy.MANAGE_SIGN_IN)
    if two_factor.has_device(user) and not user.is_verified():
        return JsonResponse({"detail": _("Confirm a code from your app first.")}, status=403)
    return HttpResponse(
        passkeys.registration_options(request, user), content_type="application/json"
    )


@login_required
@require_POST
def passkey_register(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    policy.require(user, policy.MANAGE_SIGN_IN)
    if two_factor.has_device(user) and not user.is_verified():
        return JsonResponse({"detail": _("Confirm a code from your app first.")}, status=403)
    try:
        passkey = passkeys.register(
            request,
            user,
            request.body.decode("utf-8", "replace"),
            request.GET.get("name", "") or _("Passkey"),
        )
    except passkeys.PasskeyRefused:
        return JsonResponse({"detail": _("The passkey could not be added.")}, status=400)
    django_otp.login(request, passkey)  # the session has just proven it
    messages.success(request, _("The passkey was added."))
    return JsonResponse({"id": passkey.pk})
