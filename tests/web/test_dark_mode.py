"""Dark mode (issue 21): with the system set to dark, the key pages of the workspace, the
reports, the portal and the knowledge base pass axe-core (colour contrast is a serious
violation) and show no light box on the dark page.

Uses the census's server (a fresh demo database, tests/web/test_page_census.py); a screenshot
per page goes to var/census/dark/. With TICKETDESK_CENSUS_DOCS=1 the docs' dark screenshot
(docs/screenshots/dark-ticket.png) is written too.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from tests.web.test_page_census import (  # noqa: F401  (census_server is a fixture)
    AXE,
    AXE_JS,
    CENSUS_DIR,
    ROOT,
    Server,
    _log_in,
    census_server,
)

pytestmark = [pytest.mark.browser]

# what a box's background must not be on a dark page: near-white (luminance of the sRGB
# channels above 0.8), counted over the visible elements larger than a chip
LIGHT_BOXES_JS = """() => {
  const light = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width < 60 || box.height < 24 || !el.checkVisibility()) continue;
    const background = getComputedStyle(el).backgroundColor;
    const m = background.match(/rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?/);
    if (!m || (m[4] !== undefined && Number(m[4]) < 0.5)) continue;
    const lum = (0.2126 * m[1] + 0.7152 * m[2] + 0.0722 * m[3]) / 255;
    if (lum <= 0.8) continue;
    const classes = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    light.push(el.tagName.toLowerCase() + classes + ' ' + background);
  }
  return light.slice(0, 5);
}"""

DOCS = {("admin", "ticket"): "dark-ticket.png"}


def _pages(samples: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    ticket = samples["ticket"]
    return {
        "admin": [
            ("home", "/"),
            ("ticket-list", "/?status=open"),
            ("ticket", f"/t/{ticket}/"),
            ("reports", "/reports/"),
        ],
        "maria": [
            ("portal-home", "/portal/"),
            ("portal-ticket", f"/portal/tickets/{ticket}/"),
            ("kb-article", f"/kb/articles/{samples['article_slug']}/"),
        ],
    }


@pytest.mark.parametrize("username", ["admin", "maria"])
def test_dark_mode_key_pages(census_server: Server, browser: Any, username: str):  # noqa: F811
    shots = CENSUS_DIR / "dark" / username
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = context.new_page()
    problems: list[str] = []
    try:
        _log_in(page, census_server.url, username)
        for slug, path in _pages(census_server.samples)[username]:
            page.goto(census_server.url + path)
            page.wait_for_load_state("load")
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
            page.evaluate(AXE.read_text())
            for violation in page.evaluate(AXE_JS):
                problems.append(
                    f"{path}: axe {violation['impact']} {violation['id']} "
                    f"({violation['help']}) x{violation['count']}: {violation['nodes']}"
                )
            light = page.evaluate(LIGHT_BOXES_JS)
            if light:
                problems.append(f"{path}: light boxes on the dark page: {light}")
            page.screenshot(path=shots / f"{slug}.png")
            docs = DOCS.get(("admin" if username == "admin" else "customer", slug))
            if docs and os.environ.get("TICKETDESK_CENSUS_DOCS"):
                page.screenshot(path=ROOT / "docs" / "screenshots" / docs)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
