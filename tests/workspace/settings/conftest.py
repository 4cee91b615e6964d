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


@pytest.fixture
def admin(as_role):
    """A client signed in as an administrator."""
    return as_role("admin")


@pytest.fixture
def assert_bounded_reads():
    """`check(client, url, add)`: the page at `url` reads as many rows with `add(5)` more of
    what it lists as with `add(1)` (its query count does not grow with the rows)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def check(client, url, add):
        add(1)
        client.get(url)  # warms the per-process caches
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        add(5)
        client.get(url)  # saving rows may clear those caches (a saved account does)
        with CaptureQueriesContext(connection) as many:
            assert client.get(url).status_code == 200
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]

    return check
