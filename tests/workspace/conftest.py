import pytest

from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing with the production hasher costs ~0.5 s per login on a busy machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def agent_client(client, agent):
    assert client.login(username=agent.username, password=PASSWORD)
    return client
