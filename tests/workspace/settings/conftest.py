import pytest

# the real servers of the channels' and integrations' tests: Dovecot and a webhook receiver
from tests.email.conftest import imap_server  # noqa: F401
from tests.factories import PASSWORD, make_agent, make_customer
from tests.notifications.conftest import receiver  # noqa: F401


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def as_role(client, team):
    """A client signed in as `role`: admin, agent, light_agent or customer."""

    def sign_in(role):
        if role == "customer":
            user, _contact = make_customer(username="cust")
        else:
            user = make_agent(team, role=role, username=f"u-{role}")
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return sign_in
