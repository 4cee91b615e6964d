from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ticketdesk.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import signin_sessions

        # every way in (password, directory, OpenID Connect) ends in auth.login()
        user_logged_in.connect(signin_sessions.on_sign_in, dispatch_uid="accounts-sign-in")
