import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def laptop_type(db):
    from ticketdesk.assets.models import ItemType

    return ItemType.objects.create(
        key="laptop",
        name="Laptop",
        attributes=[
            {"key": "ram_gb", "label": "RAM (GB)", "kind": "number", "required": True},
            {"key": "os", "label": "OS", "kind": "choice", "choices": ["Linux", "Windows"]},
            {"key": "bought", "label": "Bought", "kind": "date"},
        ],
    )


@pytest.fixture
def server_type(db):
    from ticketdesk.assets.models import ItemType

    return ItemType.objects.create(key="server", name="Server")


@pytest.fixture
def make_item(server_type):
    from ticketdesk.assets import actions

    def make(name: str, **kwargs):
        kwargs.setdefault("item_type", server_type)
        return actions.create_item(actions.ItemInput(name=name, **kwargs), actor=None)

    return make
