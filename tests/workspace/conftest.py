import pytest

from tests.factories import PASSWORD


@pytest.fixture
def agent_client(client, agent):
    assert client.login(username=agent.username, password=PASSWORD)
    return client
