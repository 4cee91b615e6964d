"""Create the provider's database, its people and the Ticketdesk client."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "op_settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

call_command("migrate", verbosity=0)
User = get_user_model()
helpdesk = Group.objects.create(name="helpdesk")
alice = User.objects.create_user(
    "alice", "alice@example.test", "alicepw", first_name="Alice", last_name="Anders"
)
alice.groups.add(helpdesk)
User.objects.create_user(
    "mallory", "mallory@elsewhere.test", "mallorypw", first_name="Mallory", last_name="M"
)
Application.objects.create(
    name="ticketdesk",
    client_id="ticketdesk-client",
    client_secret="ticketdesk-secret",
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=os.environ["RP_REDIRECT_URI"],
    algorithm=Application.RS256_ALGORITHM,
    skip_authorization=True,
)
