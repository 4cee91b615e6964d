"""/api/v1/docs works without internet: Swagger UI comes from our own static files (issue 21).
Every request to a host other than the live server is aborted; the page still lists the
operations. Without `ninja` in INSTALLED_APPS Django Ninja loads Swagger UI from a CDN and the
page stays blank ("SwaggerUIBundle is not defined")."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_with_every_outside_request_blocked(page: Page, live_server):
    local = urlparse(live_server.url).netloc
    outside: list[str] = []

    def only_local(route):
        if urlparse(route.request.url).netloc == local:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/*", only_local)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15000)
    expect(page.locator(".swagger-ui")).to_contain_text("Ticketdesk API")
    expect(page.locator(".opblock-summary-path").filter(has_text="/api/v1/tickets").first)
    assert page.locator(".swagger-ui .opblock").count() > 20
    assert outside == []
    assert errors == []
