"""Sign-up with e-mail verification, log in by password or one-time e-mail link, language."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ticketdesk.accounts import policy, ratelimit, throttle, two_factor
from ticketdesk.accounts.forms import LoginForm
from ticketdesk.accounts.models import Contact, User
from ticketdesk.core.errors import ValidationFailed

from .. import actions, consent, emails, tokens
from ..forms import LoginLinkForm, SignupForm, apply_domain_error
from ..models import ConsentForm, Invitation, SignupMode
from .common import portal_settings, render_portal

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("portal:home")


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(_next_url(request))
    form = LoginForm(request, data=request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            target = _next_url(request)
            if policy.is_staff_member(user) and target == reverse("portal:home"):
                target = "/"  # an agent's place is the workspace
            if two_factor.has_device(user):
                # the same second step as the workspace's login: the password is not enough
                two_factor.begin_pending(request, user, target)
                return HttpResponseRedirect(reverse("two_factor_verify"))
            login(request, user, backend=BACKEND)
            return HttpResponseRedirect(target)
        status = 400
        if throttle.is_locked_out(request):  # django-axes (accounts/throttle.py)
            form.errors.pop("__all__", None)
            form.add_error(None, throttle.lockout_message())
            status = 429
    return render_portal(
        request,
        "portal/login.html",
        {"form": form, "link_form": LoginLinkForm(), "next": _next_url(request)},
        status=status,
    )


@require_POST
def login_link_request(request: HttpRequest) -> HttpResponse:
    form = LoginLinkForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"]
        allowed = ratelimit.hit(
            f"portal-link:{email.lower()}", limit=3, window_seconds=900
        ) and ratelimit.hit(
            f"portal-link-ip:{ratelimit.client_ip(request)}", limit=10, window_seconds=900
        )
        user = User.objects.filter(email__iexact=email, is_active=True).order_by("pk").first()
        if allowed and user is not None:
            link = emails.absolute(
                reverse("portal:login_link", kwargs={"token": tokens.login_token(user)})
            )
            emails.send_login_link(user, link)
    # the same answer whether or not the address has an account
    return render_portal(request, "portal/login_link_sent.html", {"form": form})


def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners prefetch links); POST logs in and spends the link."""
    user = tokens.user_from_login_token(token)
    if user is None:
        return render_portal(request, "portal/link_invalid.html", status=400)
    if request.method == "POST":
        if two_factor.has_device(user):
            # a link in a mailbox is one factor: who has set up a second one still gives it
            two_factor.begin_pending(request, user, reverse("portal:home"))
            return HttpResponseRedirect(reverse("two_factor_verify"))
        login(request, user, backend=BACKEND)
        return HttpResponseRedirect(reverse("portal:home"))
    return render_portal(request, "portal/login_link_confirm.html", {"link_user": user})


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    portal = portal_settings(request)
    invitation = _invitation(request)
    if portal.signup_mode == SignupMode.INVITATION and invitation is None:
        return render_portal(request, "portal/signup_closed.html", status=403)
    initial = {"email": invitation.email} if invitation else {}
    form = SignupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if form.is_spam() or not ratelimit.hit(
            f"portal-signup:{ratelimit.client_ip(request)}", limit=10, window_seconds=3600
        ):
            return render_portal(request, "portal/signup_sent.html", {"email": ""})
        try:
            user = actions.sign_up(
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password"],
                language=translation.get_language() or "",
                invitation=invitation,
            )
        except actions.AccountExists as exists:
            # the same page as for a new address; the owner gets a mail on how to sign in
            _mail_existing_account(exists.user)
            return render_portal(
                request, "portal/signup_sent.html", {"email": form.cleaned_data["email"]}
            )
        except ValidationFailed as error:
            apply_domain_error(form, error)
        else:
            consent.record_if_given(
                form, Contact.objects.filter(user=user).first(), ConsentForm.SIGNUP
            )
            link = emails.absolute(
                reverse("portal:verify", kwargs={"token": tokens.verify_token(user)})
            )
            emails.send_verification(user, link)
            return render_portal(request, "portal/signup_sent.html", {"email": user.email})
    return render_portal(
        request,
        "portal/signup.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )


def _mail_existing_account(user: User) -> None:
    if not user.is_active or not ratelimit.hit(
        f"portal-signup-exists:{user.pk}", limit=3, window_seconds=3600
    ):
        return
    login_link = emails.absolute(
        reverse("portal:login_link", kwargs={"token": tokens.login_token(user)})
    )
    emails.send_account_exists(user, login_link, emails.absolute(reverse("password_reset")))


def _invitation(request: HttpRequest) -> Invitation | None:
    token = request.GET.get("invite") or request.POST.get("invite") or ""
    data = tokens.read_invite_token(token) if token else None
    if data is None:
        return None
    invitation = Invitation.objects.filter(pk=data[0], accepted_at__isnull=True).first()
    if invitation is None or invitation.email.lower() != data[1]:
        return None
    return invitation


def verify(request: HttpRequest, token: str) -> HttpResponse:
    user = tokens.user_from_verify_token(token)
    if user is None:
        return render_portal(request, "portal/link_invalid.html", status=400)
    if request.method == "POST":
        actions.verify_email(user)
        login(request, user, backend=BACKEND)
        messages.success(request, _("Your email address is confirmed. Welcome!"))
        return HttpResponseRedirect(reverse("portal:home"))
    return render_portal(request, "portal/verify_confirm.html", {"link_user": user})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    codes = {code for code, _name in settings.LANGUAGES}
    response = HttpResponseRedirect(_next_url(request))
    if language in codes:
        if request.user.is_authenticated:
            # the portal's switcher is also the user's saved preference
            User.objects.filter(pk=request.user.pk).update(language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )
    return response
