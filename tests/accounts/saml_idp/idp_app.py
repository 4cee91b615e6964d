"""A minimal SAML 2.0 identity provider (pysaml2's Server) for the sign-in tests, served by
gunicorn on 127.0.0.1 (recipe: /work/shared/recipes/identity-servers.md, section 3).
GET /metadata; GET /sso/redirect shows a login form; POST /sso/login answers the SP with a
signed response holding a signed assertion (rsa-sha256)."""

from __future__ import annotations

import html
import os
from urllib.parse import parse_qs

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import AUTHN_PASSWORD as PASSWORD
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

BASE = os.environ["IDP_BASE"]
D = os.environ["SAML_DIR"]
USERS = {
    "alice": (
        "alicepw",
        {
            "uid": ["alice"],
            "mail": ["alice@example.test"],
            "givenName": ["Alice"],
            "sn": ["Anders"],
            "groups": ["helpdesk"],
        },
    ),
    "mallory": (
        "mallorypw",
        {
            "uid": ["mallory"],
            "mail": ["mallory@elsewhere.test"],
            "givenName": ["Mallory"],
            "sn": ["M"],
            "groups": ["helpdesk"],
        },
    ),
}


def idp_config() -> dict:
    return {
        "entityid": f"{BASE}/metadata",
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "key_file": f"{D}/idp.key",
        "cert_file": f"{D}/idp.crt",
        "metadata": {"local": [f"{D}/sp.xml"]},
        "service": {
            "idp": {
                "endpoints": {
                    "single_sign_on_service": [(f"{BASE}/sso/redirect", BINDING_HTTP_REDIRECT)]
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "policy": {
                    "default": {"lifetime": {"minutes": 15}, "attribute_restrictions": None}
                },
            }
        },
    }


CONF = IdPConfig().load(idp_config())
IDP = Server(config=CONF)

FORM = """<html><body><form method="post" action="{base}/sso/login">
<input type="hidden" name="SAMLRequest" value="{req}">
<input type="hidden" name="RelayState" value="{relay}">
<input name="username"><input name="password" type="password"><button>Log in</button>
</form></body></html>"""


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/metadata":
        body = create_metadata_string(None, config=CONF, sign=False)
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [body]
    if path == "/sso/redirect":
        q = {k: v[0] for k, v in parse_qs(environ["QUERY_STRING"]).items()}
        page = FORM.format(
            base=BASE, req=html.escape(q["SAMLRequest"]), relay=html.escape(q.get("RelayState", ""))
        )
        start_response("200 OK", [("Content-Type", "text/html")])
        return [page.encode()]
    if path == "/sso/login":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        f = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
        username = f.get("username", "")
        if username not in USERS or USERS[username][0] != f.get("password"):
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"wrong password"]
        req = IDP.parse_authn_request(f["SAMLRequest"], BINDING_HTTP_REDIRECT)
        resp_args = IDP.response_args(req.message, [BINDING_HTTP_POST])
        resp = IDP.create_authn_response(
            USERS[username][1],
            userid=username,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=username),
            authn={"class_ref": PASSWORD, "authn_auth": BASE},
            sign_response=True,
            sign_assertion=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            **resp_args,
        )
        http = IDP.apply_binding(
            BINDING_HTTP_POST,
            str(resp),
            resp_args["destination"],
            f.get("RelayState", ""),
            response=True,
        )
        start_response("200 OK", [("Content-Type", "text/html")])
        return [http["data"].encode() if isinstance(http["data"], str) else http["data"]]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]
