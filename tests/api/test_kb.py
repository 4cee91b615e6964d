"""/kb/articles through the API: the kb app's visibility rules apply."""

from __future__ import annotations

import pytest

from tests.kb.helpers import make_article
from ticketdesk.kb.models import Visibility

pytestmark = pytest.mark.django_db


def test_articles_follow_visibility(api_for, agent, customer):
    user, _contact = customer
    public = make_article("Reset your password", "Use the *forgot password* link.")
    internal = make_article("VPN server restart", "ssh in", visibility=Visibility.INTERNAL)
    make_article("Draft", "not yet", publish=False)
    staff = {a["slug"] for a in api_for(agent).get("/api/v1/kb/articles").json()["items"]}
    assert staff == {public.slug, internal.slug}
    mine = api_for(user)
    assert {a["slug"] for a in mine.get("/api/v1/kb/articles").json()["items"]} == {public.slug}
    body = mine.get(f"/api/v1/kb/articles/{public.slug}").json()
    assert (
        body["title"] == "Reset your password" and "<em>forgot password</em>" in body["body_html"]
    )
    assert mine.get(f"/api/v1/kb/articles/{internal.slug}").status_code == 404
    found = mine.get("/api/v1/kb/articles", {"q": "password"}).json()["items"]
    assert [a["slug"] for a in found] == [public.slug]
