"""Sign-in through SAML 2.0 against a real identity provider (pysaml2's Server under gunicorn
on 127.0.0.1, started here in its own process; its signatures are made and checked by
xmlsec1): the redirect, the provider's login form, the signed POST back to our ACS, and our
checks (signature, InResponseTo/replay, allowed domains) and role mapping."""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.test import override_settings
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string

from tests.accounts.servers import free_port, wait_port
from ticketdesk.accounts import saml
from ticketdesk.accounts.models import Role, User

pytestmark = pytest.mark.django_db(transaction=True)

IDP_DIR = Path(__file__).resolve().parent / "saml_idp"


def form_fields(page: str) -> dict[str, str]:
    return {
        m[0]: html.unescape(m[1])
        for m in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
    }


@pytest.fixture(scope="session")
def saml_idp(live_server, tmp_path_factory):
    if not shutil.which("xmlsec1"):
        pytest.skip("xmlsec1 is not installed (apt install xmlsec1): SAML signatures need it")
    d = tmp_path_factory.mktemp("saml")
    for name in ("idp", "sp"):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
             f"/CN={name}", "-keyout", d / f"{name}.key", "-out", d / f"{name}.crt"],
            check=True, capture_output=True,
        )  # fmt: skip
    with override_settings(SITE_URL=live_server.url, SAML_SP_KEY_FILE="", SAML_SP_CERT_FILE=""):
        spc = SPConfig().load(saml.sp_config_dict() | {"metadata": {}})
    (d / "sp.xml").write_bytes(create_metadata_string(None, config=spc, sign=False))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "IDP_BASE": base, "SAML_DIR": str(d), "PYTHONPATH": str(IDP_DIR)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "idp_app:app", "-w", "1", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        env=env, cwd=IDP_DIR,
    )  # fmt: skip
    try:
        wait_port(port, proc=proc)
        (d / "idp.xml").write_bytes(requests.get(f"{base}/metadata", timeout=10).content)
        yield base, d
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def saml_settings(settings, saml_idp, live_server):
    _base, d = saml_idp
    settings.SITE_URL = live_server.url
    settings.SAML_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, saml.BACKEND]
    settings.SAML_PROVIDER_NAME = "Example SAML"
    settings.SAML_IDP_METADATA = str(d / "idp.xml")
    settings.SAML_SP_KEY_FILE = settings.SAML_SP_CERT_FILE = ""
    settings.SAML_CREATE_USER = True
    settings.SAML_ROLE_ATTRIBUTE = "groups"
    settings.SAML_ROLE_MAP = {"helpdesk": "agent"}
    settings.SAML_DEFAULT_ROLE = "customer"
    settings.SAML_ALLOWED_DOMAINS = ["example.test"]
    return settings


def response_from_provider(live_server, idp, username, password):
    """Click the button and sign in at the provider; returns the session, our ACS URL and
    the form fields (SAMLResponse, RelayState) the provider's page would post there."""
    base, _d = idp
    s = requests.Session()
    login_page = s.get(f"{live_server.url}/accounts/login/", timeout=10)
    button = re.search(r'href="(/accounts/saml/login/[^"]*)"[^>]*>Sign in with Example SAML',
                       login_page.text)  # fmt: skip
    assert button, "the login page has a 'Sign in with Example SAML' button"
    r = s.get(f"{live_server.url}{button.group(1)}", timeout=10)
    assert r.url.startswith(f"{base}/sso/redirect?SAMLRequest=")
    r = s.post(f"{base}/sso/login",
               data={**form_fields(r.text), "username": username, "password": password},
               timeout=20)  # fmt: skip
    assert r.status_code == 200, r.text
    action = html.unescape(re.search(r'action="([^"]+)"', r.text).group(1))
    assert action == f"{live_server.url}/accounts/saml/acs/"
    return s, action, form_fields(r.text)


def altered(fields, change):
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    return {**fields, "SAMLResponse": base64.b64encode(change(xml).encode()).decode()}


def test_an_agent_signs_in_through_the_provider(saml_settings, live_server, saml_idp):
    s, acs, fields = response_from_provider(live_server, saml_idp, "alice", "alicepw")
    assert "rsa-sha256" in base64.b64decode(fields["SAMLResponse"]).decode()
    r = s.post(acs, data=fields, timeout=20)
    assert r.url == f"{live_server.url}/"  # back at Ticketdesk, in the workspace
    assert "My open tickets" in r.text
    user = User.objects.get(email="alice@example.test")
    assert (user.first_name, user.last_name, user.role) == ("Alice", "Anders", Role.AGENT)
    assert not user.has_usable_password()
    assert "Example SAML" in s.get(f"{live_server.url}/accounts/sessions/", timeout=10).text


def test_a_tampered_or_unsigned_response_is_refused(saml_settings, live_server, saml_idp):
    s, acs, fields = response_from_provider(live_server, saml_idp, "alice", "alicepw")
    tampered = altered(fields, lambda x: x.replace("alice@example.test", "boss@example.test"))
    r = s.post(acs, data=tampered, timeout=20)
    assert r.url.startswith(f"{live_server.url}/accounts/login/")
    assert "was not correctly signed" in r.text
    unsign = re.compile(r"<(\w+:)?Signature\b.*?</(\w+:)?Signature>", re.S)
    unsigned = altered(fields, lambda x: unsign.sub("", x))
    assert "SignatureValue" not in base64.b64decode(unsigned["SAMLResponse"]).decode()
    r = s.post(acs, data=unsigned, timeout=20)
    assert r.url.startswith(f"{live_server.url}/accounts/login/")
    assert "could not be accepted" in r.text or "not correctly signed" in r.text
    assert not User.objects.exists()
    # the genuine answer to the same request still works: the refusals were the alterations'
    r = s.post(acs, data=fields, timeout=20)
    assert r.url == f"{live_server.url}/"
    assert User.objects.filter(email="alice@example.test").exists()


def test_a_replayed_response_is_refused(saml_settings, live_server, saml_idp):
    s, acs, fields = response_from_provider(live_server, saml_idp, "alice", "alicepw")
    assert s.post(acs, data=fields, timeout=20).url == f"{live_server.url}/"
    s.post(f"{live_server.url}/accounts/logout/",
           data={"csrfmiddlewaretoken": s.cookies.get("csrftoken", "")},
           headers={"Referer": f"{live_server.url}/"}, timeout=10)  # fmt: skip
    for session in (s, requests.Session()):  # the same browser, or someone else's
        r = session.post(acs, data=fields, timeout=20)
        assert r.url.startswith(f"{live_server.url}/accounts/login/")
        assert "could not be accepted" in r.text
        assert "My open tickets" not in session.get(f"{live_server.url}/", timeout=10).text


def test_an_address_outside_the_allowed_domains_is_refused(saml_settings, live_server, saml_idp):
    s, acs, fields = response_from_provider(live_server, saml_idp, "mallory", "mallorypw")
    r = s.post(acs, data=fields, timeout=20)
    assert r.url.startswith(f"{live_server.url}/accounts/login/")
    assert "Accounts of elsewhere.test may not sign in here." in r.text
    assert not User.objects.filter(email="mallory@elsewhere.test").exists()


def test_no_button_and_no_endpoints_when_not_configured(client, db):
    assert b"Sign in with" not in client.get("/accounts/login/").content
    assert client.get("/accounts/saml/metadata/").status_code == 404
    assert client.get("/accounts/saml/login/").status_code == 404


def test_our_metadata_names_the_assertion_consumer_service(saml_settings, live_server, saml_idp):
    r = requests.get(f"{live_server.url}/accounts/saml/metadata/", timeout=10)
    assert r.status_code == 200
    assert f'entityID="{live_server.url}/accounts/saml/metadata/"' in r.text
    assert f'Location="{live_server.url}/accounts/saml/acs/"' in r.text
    assert 'WantAssertionsSigned="true"' in r.text


@pytest.mark.parametrize("trusted", [True, False])
def test_a_saml_sign_in_counts_as_two_factor_only_when_trusted(
    saml_settings, live_server, saml_idp, trusted
):
    from ticketdesk.accounts.models import SignInSettings

    saml_settings.SAML_SATISFIES_TWO_FACTOR = trusted
    SignInSettings.objects.update_or_create(pk=1, defaults={"require_two_factor_agents": True})
    s, acs, fields = response_from_provider(live_server, saml_idp, "alice", "alicepw")
    r = s.post(acs, data=fields, timeout=20)
    if trusted:
        assert r.url == f"{live_server.url}/"
        assert "My open tickets" in r.text
    else:  # an agent without a second factor is sent to set one up first
        assert r.url.startswith(f"{live_server.url}/accounts/two-factor/")


def test_unusable_provider_metadata_gives_a_clear_message(client, settings, tmp_path):
    settings.SAML_ENABLED = True
    settings.SAML_PROVIDER_NAME = "Example SAML"
    settings.SAML_IDP_METADATA = str(tmp_path / "missing.xml")
    r = client.get("/accounts/saml/login/", follow=True)
    assert r.redirect_chain[0][0] == "/accounts/login/?sso=failed"
    assert "Sign-in with Example SAML is not available right now" in r.content.decode()


def test_someone_with_an_authenticator_still_gives_its_code(saml_settings, live_server, saml_idp):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.accounts.totp_codes import code_for
    from tests.factories import UserFactory

    alice = UserFactory(username="alice", email="alice@example.test", role=Role.AGENT)
    device = TOTPDevice.objects.create(user=alice, name="authenticator", confirmed=True)
    s, acs, fields = response_from_provider(live_server, saml_idp, "alice", "alicepw")
    r = s.post(acs, data=fields, timeout=20)
    assert r.url == f"{live_server.url}/accounts/login/verify/"
    assert "My open tickets" not in s.get(f"{live_server.url}/", timeout=10).text  # not yet in
    page = s.get(f"{live_server.url}/accounts/login/verify/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(f"{live_server.url}/accounts/login/verify/",
               data={"csrfmiddlewaretoken": csrf, "code": code_for(device)},
               headers={"Referer": page.url}, timeout=20)  # fmt: skip
    assert r.url == f"{live_server.url}/"
    assert "My open tickets" in r.text


def test_refused_saml_sign_ins_do_not_lock_out_the_next_person(
    saml_settings, live_server, saml_idp
):
    """Axes counts failed sign-ins per (username, IP); a SAML sign-in has no username, so
    refusals must not pile up on one shared (None, IP) pair and lock everyone out."""
    saml_settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        s, acs, fields = response_from_provider(live_server, saml_idp, "mallory", "mallorypw")
        assert "may not sign in here" in s.post(acs, data=fields, timeout=20).text
    s, acs, fields = response_from_provider(live_server, saml_idp, "alice", "alicepw")
    assert s.post(acs, data=fields, timeout=20).url == f"{live_server.url}/"
