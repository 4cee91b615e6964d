from django.contrib.auth import views as auth_views
from django.urls import path

from . import saml, signin_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    # SAML 2.0 sign-in (saml.py); 404 unless TICKETDESK_SAML_IDP_METADATA is set
    path("saml/login/", saml.login, name="saml2_login"),
    path("saml/acs/", saml.acs, name="saml2_acs"),
    path("saml/metadata/", saml.metadata, name="saml2_metadata"),
    # sign-in beyond the password (two_factor.py, signin_sessions.py)
    path("login/verify/", signin_views.two_factor_verify, name="two_factor_verify"),
    path(
        "login/verify/passkey/options/",
        signin_views.passkey_verify_options,
        name="passkey_verify_options",
    ),
    path("login/verify/passkey/", signin_views.passkey_verify, name="passkey_verify"),
    path("two-factor/", signin_views.two_factor_setup, name="two_factor"),
    path(
        "two-factor/passkeys/options/",
        signin_views.passkey_register_options,
        name="passkey_register_options",
    ),
    path("two-factor/passkeys/", signin_views.passkey_register, name="passkey_register"),
    path("sessions/", signin_views.sessions, name="sessions"),
    path("sessions/sign-out/", signin_views.sign_out_sessions, name="sign_out_sessions"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(template_name="accounts/password_reset.html"),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    # an agent invited in Settings → Agents chooses a password (agent_actions.py)
    path("invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="agent_invitation"),
]
