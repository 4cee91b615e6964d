"""`ticketdesk run` prints the demo logins only when the demo's accounts are there."""

from __future__ import annotations

import pytest

from ticketdesk.accounts.models import User
from ticketdesk.core.management.commands.run import demo_logins
from ticketdesk.tickets.management.commands.demo import DEMO_LOGINS, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def printed() -> str:
    return "\n".join(demo_logins())


def test_no_demo_logins_on_a_desk_without_the_demo():
    User.objects.create_user("admin", password="a-real-secret-of-theirs")
    text = printed()
    assert "Demo logins" not in text and "createsuperuser" in text


def test_demo_logins_while_the_demo_accounts_keep_their_password():
    for username, _password, _role in DEMO_LOGINS:
        User.objects.create_user(username, password=DEMO_PASSWORD)
    assert "Demo logins" in printed()
    admin = User.objects.get(username="admin")
    admin.set_password("changed-after-the-demo")
    admin.save()
    assert "Demo logins" not in printed()
