import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # factories set real passwords; the default hasher costs ~0.5 s per user
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
