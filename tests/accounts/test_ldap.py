"""LDAP / Active Directory against a real slapd: signing in with a directory password (roles
from groups) and `ticketdesk ldap_sync` (contacts with department and manager)."""

from __future__ import annotations

import io

import pytest

pytest.importorskip(
    "ldap",
    reason="python-ldap is not installed (the 'ldap' extra needs libldap2-dev, libsasl2-dev)",
)
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.accounts import slapd
from ticketdesk.accounts.models import Contact, Role, User

BACKEND = "ticketdesk.accounts.directory.LDAPBackend"


@pytest.fixture(scope="session")
def ldap_server(tmp_path_factory):
    reason = slapd.missing()
    if reason:
        pytest.skip(reason)
    proc, url = slapd.start(tmp_path_factory.mktemp("slapd"))
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def ldap_settings(settings, ldap_server):
    settings.LDAP_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [BACKEND, *settings.AUTHENTICATION_BACKENDS]
    settings.AUTH_LDAP_SERVER_URI = ldap_server
    settings.AUTH_LDAP_BIND_DN = slapd.ADMIN_DN
    settings.AUTH_LDAP_BIND_PASSWORD = slapd.ADMIN_PASSWORD
    settings.LDAP_USER_BASE = f"ou=people,{slapd.BASE}"
    settings.LDAP_USER_FILTER = "(sAMAccountName=%(user)s)"
    settings.LDAP_GROUP_BASE = f"ou=groups,{slapd.BASE}"
    settings.LDAP_ADMIN_GROUP = f"cn=admins,ou=groups,{slapd.BASE}"
    settings.LDAP_AGENT_GROUP = f"cn=helpdesk,ou=groups,{slapd.BASE}"
    settings.LDAP_DEFAULT_ROLE = "customer"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


@pytest.mark.django_db
def test_sign_in_with_a_directory_password_maps_names_and_role(ldap_settings, client):
    response = client.post("/accounts/login/", {"username": "alice", "password": "alicepass"})
    assert response.status_code == 302
    user = User.objects.get(username="alice")
    assert (user.email, user.first_name, user.last_name) == (
        "alice@example.test",
        "Alice",
        "Anders",
    )
    assert user.role == Role.AGENT  # member of cn=helpdesk
    assert not user.has_usable_password()  # the directory keeps the password
    assert client.get("/").status_code == 200  # the workspace


@pytest.mark.django_db
def test_admins_group_gives_admin_and_others_are_customers(ldap_settings):
    bob = authenticate(username="bob", password="bobpass")
    assert bob is not None and bob.role == Role.ADMIN and bob.is_staff
    carol = authenticate(username="carol", password="carolpass")
    assert carol is not None and carol.role == Role.CUSTOMER
    assert Contact.objects.get(email="carol@example.test").user == carol  # portal ready


@pytest.mark.django_db
def test_wrong_directory_password_is_refused(ldap_settings, client):
    assert authenticate(username="alice", password="nope") is None
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert not User.objects.filter(username="alice").exists()


@pytest.mark.django_db
def test_leaving_the_helpdesk_group_takes_the_agent_role_away(ldap_settings):
    ldap_settings.LDAP_AGENT_GROUP = f"cn=nobody,ou=groups,{slapd.BASE}"
    alice = authenticate(username="alice", password="alicepass")
    assert alice is not None and alice.role == Role.CUSTOMER


@pytest.mark.django_db
def test_ldap_sync_imports_employees_with_department_and_manager(ldap_settings):
    existing = Contact.objects.create(email="Carol@Example.test", name="C.")
    out = io.StringIO()
    call_command("ldap_sync", stdout=out)
    assert (
        "2 created, 1 updated, 0 unchanged, 2 with a manager, 1 without a valid" in out.getvalue()
    )
    assert "uid=dave" in out.getvalue()
    alice = Contact.objects.get(email="alice@example.test")
    bob = Contact.objects.get(email="bob@example.test")
    carol = Contact.objects.get(pk=existing.pk)
    assert (alice.name, alice.department, alice.manager) == ("Alice Anders", "Engineering", bob)
    assert (carol.name, carol.department, carol.manager) == ("Carol Costa", "Finance", bob)
    assert bob.manager is None and bob.phone == "+1 555 0101"
    assert set(bob.reports.all()) == {alice, carol}
    assert alice.directory_dn == f"uid=alice,ou=people,{slapd.BASE}"

    out = io.StringIO()
    call_command("ldap_sync", stdout=out)  # a second run changes nothing
    assert "0 created, 0 updated, 3 unchanged" in out.getvalue()
    assert Contact.objects.count() == 3


@pytest.mark.django_db
def test_ldap_sync_links_the_contact_of_a_user(ldap_settings):
    user = authenticate(username="bob", password="bobpass")
    call_command("ldap_sync", stdout=io.StringIO())
    assert Contact.objects.get(email="bob@example.test").user == user


@pytest.mark.django_db
def test_ldap_sync_says_what_is_wrong(ldap_settings):
    ldap_settings.AUTH_LDAP_BIND_PASSWORD = "wrong"
    with pytest.raises(CommandError, match="directory answered"):
        call_command("ldap_sync", stdout=io.StringIO())
    ldap_settings.AUTH_LDAP_SERVER_URI = ""
    with pytest.raises(CommandError, match="TICKETDESK_LDAP_SERVER_URI"):
        call_command("ldap_sync", stdout=io.StringIO())
