from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ticketdesk.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from ticketdesk.core.config_cache import invalidate_on_change

        from . import models, signin_sessions

        # teams, agents and memberships fill choice lists and the policy's answers
        invalidate_on_change(models.Team, models.TeamMembership)
        invalidate_on_change(models.User, ignore_fields=("last_login",))

        # every way in (password, directory, OpenID Connect) ends in auth.login()
        user_logged_in.connect(signin_sessions.on_sign_in, dispatch_uid="accounts-sign-in")
