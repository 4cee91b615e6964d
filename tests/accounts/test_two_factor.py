"""Two-factor sign-in with an authenticator app (TOTP) and backup codes, and the
administrator's per-role requirement."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.totp_codes import code_for
from tests.factories import PASSWORD, make_customer
from ticketdesk.accounts.models import SignInSettings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # django-otp slows down guessing (1 s, 2 s, 4 s ... after wrong codes): not while testing
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def device(agent):
    return TOTPDevice.objects.create(user=agent, name="authenticator", confirmed=True)


def log_in(client, username, next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def test_password_alone_does_not_sign_in_an_agent_with_a_device(client, agent, device):
    response = log_in(client, "ana", "/profile/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/verify/"
    assert "_auth_user_id" not in client.session  # not signed in yet
    assert client.get("/").status_code == 302  # the workspace still sends to the login

    wrong = client.post("/accounts/login/verify/", {"code": "000000"})
    assert wrong.status_code == 400 and b"not right" in wrong.content
    right = client.post("/accounts/login/verify/", {"code": code_for(device)})
    assert right.status_code == 302 and right["Location"] == "/profile/"
    assert client.get("/").status_code == 200


def test_a_code_is_accepted_once(client, agent, device):
    code = code_for(device)
    log_in(client, "ana")
    assert client.post("/accounts/login/verify/", {"code": code}).status_code == 302
    client.logout()
    log_in(client, "ana")
    assert client.post("/accounts/login/verify/", {"code": code}).status_code == 400


def test_too_many_wrong_codes_start_over(client, agent, device):
    log_in(client, "ana")
    for _ in range(4):
        assert client.post("/accounts/login/verify/", {"code": "123456"}).status_code == 400
    last = client.post("/accounts/login/verify/", {"code": "123456"})
    assert last.status_code == 302 and last["Location"] == "/accounts/login/"
    # the right code no longer helps: the password must be given again
    assert client.post("/accounts/login/verify/", {"code": code_for(device)})["Location"] == (
        "/accounts/login/"
    )
    assert "_auth_user_id" not in client.session


def test_enrol_confirm_and_sign_in_with_a_backup_code(client, agent):
    client.force_login(agent)
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200 and b"<svg" in page.content
    pending = TOTPDevice.objects.get(user=agent, confirmed=False)
    assert (
        client.post("/accounts/two-factor/", {"action": "confirm", "code": "1"}).status_code == 400
    )
    done = client.post("/accounts/two-factor/", {"action": "confirm", "code": code_for(pending)})
    assert done.status_code == 200
    codes = done.context["backup_codes"]
    assert len(codes) == 10 and StaticToken.objects.filter(device__user=agent).count() == 10
    client.logout()

    log_in(client, "ana")
    assert client.post("/accounts/login/verify/", {"code": codes[0]}).status_code == 302
    assert StaticToken.objects.filter(device__user=agent).count() == 9  # used up
    client.logout()
    log_in(client, "ana")
    assert client.post("/accounts/login/verify/", {"code": codes[0]}).status_code == 400


def test_required_for_agents_sends_an_agent_without_a_device_to_enrol(client, agent):
    SignInSettings.objects.update_or_create(pk=1, defaults={"require_two_factor_agents": True})
    response = log_in(client, "ana")
    assert response.status_code == 302
    workspace = client.get("/")
    assert workspace.status_code == 302
    assert workspace["Location"] == "/accounts/two-factor/?next=%2F"
    api = client.get("/api/v1/tickets")
    assert api.status_code == 403 and "Two-factor" in api.json()["detail"]
    page = client.get(workspace["Location"])
    assert b"requires two-factor" in page.content
    assert b"Turn off" not in page.content
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    client.post("/accounts/two-factor/", {"action": "confirm", "code": code_for(device)})
    assert client.get("/").status_code == 200


def test_required_for_admins_only_leaves_agents_and_customers_alone(client, agent):
    SignInSettings.objects.update_or_create(pk=1, defaults={"require_two_factor_admins": True})
    log_in(client, "ana")
    assert client.get("/").status_code == 200
    make_customer(username="maria", email="maria@example.org")
    client.logout()
    log_in(client, "maria")
    assert client.get("/portal/").status_code == 200


def test_turning_off_needs_a_verified_session(client, agent, device):
    client.force_login(agent)  # signed in without a code (say, before the device was set up)
    refused = client.post("/accounts/two-factor/", {"action": "turn_off"})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=agent).exists()


def test_wrong_codes_slow_down_guessing(client, agent, device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    log_in(client, "ana")
    client.post("/accounts/login/verify/", {"code": "000000"})
    # within the throttle delay even the right code is refused
    assert client.post("/accounts/login/verify/", {"code": code_for(device)}).status_code == 400


def test_adding_a_passkey_needs_a_verified_session(client, agent, device):
    client.force_login(agent)  # has an authenticator, but this session never gave a code
    response = client.post("/accounts/two-factor/passkeys/options/")
    assert response.status_code == 403 and response.json()["detail"]
    assert (
        client.post(
            "/accounts/two-factor/passkeys/", data="{}", content_type="application/json"
        ).status_code
        == 403
    )


def test_a_passkey_answer_without_a_ceremony_is_refused(client, agent):
    client.force_login(agent)
    response = client.post(
        "/accounts/two-factor/passkeys/", data='{"id": "x"}', content_type="application/json"
    )
    assert response.status_code == 400 and "could not be added" in response.json()["detail"]
    refused = client.post(
        "/accounts/login/verify/passkey/", data="{}", content_type="application/json"
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(("trusted", "status"), [(True, 200), (False, 302)])
def test_an_identity_provider_sign_in_counts_as_two_factor_only_when_trusted(
    client, agent, settings, trusted, status
):
    backend = "ticketdesk.accounts.oidc.OIDCBackend"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, backend]
    settings.OIDC_SATISFIES_TWO_FACTOR = trusted
    SignInSettings.objects.update_or_create(pk=1, defaults={"require_two_factor_agents": True})
    client.force_login(agent, backend=backend)
    assert client.get("/").status_code == status


def test_the_portal_login_and_its_mailed_link_also_ask_for_the_second_factor(client, agent, device):
    """The portal's sign-in (and its one-time link by mail) must not be a side door around
    the second factor an agent set up."""
    from django.urls import reverse

    from ticketdesk.portal import tokens

    response = client.post(
        reverse("portal:login"), {"username": agent.username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response["Location"] == "/accounts/login/verify/"
    assert "_auth_user_id" not in client.session
    right = client.post("/accounts/login/verify/", {"code": code_for(device)})
    assert right.status_code == 302 and right["Location"] == "/"

    client.logout()
    agent.refresh_from_db()  # the link is made from the account as it is now
    link = reverse("portal:login_link", kwargs={"token": tokens.login_token(agent)})
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/verify/"
    assert "_auth_user_id" not in client.session


def test_the_sessions_list_says_a_second_factor_was_given_and_names_the_browser(
    client, agent, device
):
    from ticketdesk.accounts.models import UserSession

    browser = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/156.0 Safari/537.36"
    )
    client.defaults["HTTP_USER_AGENT"] = browser
    client.post("/accounts/login/", {"username": "ana", "password": PASSWORD})
    client.post("/accounts/login/verify/", {"code": code_for(device)})
    row = UserSession.objects.get(user=agent)
    assert row.method == "Password and a second factor"
    assert row.browser == "Chrome · Linux"
    page = client.get("/accounts/sessions/").content.decode()
    assert "Password and a second factor" in page and "Chrome · Linux" in page
    assert 'aria-label="Main"' in page  # the workspace menu, not a bare page
