"""What the browser tests share: signing in by the login form's ids (in any language) and the
page census of a list of Settings pages (no sideways overflow at a phone's width, no English
left in a translated page, no serious axe finding)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.factories import PASSWORD
from tests.web import test_page_census as census


def log_in_any(page: Page, live_server, username: str) -> None:
    """Sign in through the login form whatever the page's language."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").first.click()
    page.wait_for_load_state()


@pytest.fixture
def page_census(page: Page, live_server, admin_user) -> Callable[[list[str], str, int], list[str]]:
    """`check(paths, language, width)`: the admin, in `language` at `width` px, opens each
    path; returns the problems found (and the page's script errors), empty when none."""

    def check(paths: list[str], language: str, width: int) -> list[str]:
        admin_user.language = language
        admin_user.save(update_fields=["language"])
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page.set_viewport_size({"width": width, "height": 900})
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
        log_in_any(page, live_server, admin_user.username)
        msgids = census.translated_msgids(language) if language != "en" else set()
        for path in paths:
            page.goto(live_server.url + path)
            overflow = page.evaluate(census.OVERFLOW_JS) if width <= 400 else None
            if overflow:
                problems.append(f"{path}: wider than the screen: {overflow}")
            english = [t for t in page.evaluate(census.TEXTS_JS) if t in msgids]
            if english:
                problems.append(f"{path}: untranslated {english[:5]}")
            if language in ("en", "pt-br"):
                page.evaluate(census.AXE.read_text())
                for violation in page.evaluate(census.AXE_JS):
                    problems.append(f"{path}: axe {violation['id']} {violation['nodes']}")
        return problems

    return check
