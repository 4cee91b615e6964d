"""The page census (issue 21): every page, every role, every language, phone and desktop.

The pages come from the URL configuration (django.urls resolvers), not from a list kept by
hand: every route without arguments, and every route whose arguments the demo's objects fill
(census_setup.py prints them). A server of its own runs on a fresh demo database. For each role
(admin, lead, agent, light agent, customer, anonymous) and each language and width of CASES,
one browser context visits every page and checks:

- the status: never a server error; anonymous visitors reach only the public pages and are sent
  to a login page elsewhere; customers never get an agent page;
- no console error and no uncaught exception;
- no horizontal overflow at 375 px;
- in pt-br and it, no visible text (or label, placeholder, title) that is an English msgid of
  our catalogs having a translation;
- axe-core (tests/web/vendor/axe-core, pinned) finds no serious or critical violation.

A screenshot per page, role, language and width goes to var/census/ (the CI's artifact folder;
TICKETDESK_CENSUS_DIR moves it); with TICKETDESK_CENSUS_DOCS=1 a chosen few also go to
docs/screenshots/ as PNG (DOCS). Runs once, on SQLite: skipped when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import fcntl
import gettext
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
CENSUS_DIR = Path(os.environ.get("TICKETDESK_CENSUS_DIR", ROOT / "var" / "census"))
PASSWORD = "ticketdesk"
# TICKETDESK_CENSUS_DOCS=1: the census also writes the docs' screenshots (PNG, stable names)
# into docs/screenshots/; see docs/screenshots/README.md for the command
DOCS_DIR = ROOT / "docs" / "screenshots"
DOCS = {
    ("admin", "en", 1280, "workspace-home"): "ticket-list.png",
    ("admin", "en", 1280, "workspace-ticket"): "ticket.png",
    ("admin", "en", 1280, "reports-dashboard"): "reports-dashboard.png",
    ("customer", "en", 1280, "portal-home"): "portal-home.png",
    ("customer", "en", 375, "portal-ticket"): "portal-ticket-phone.png",
    ("agent", "pt-br", 375, "workspace-ticket"): "pt-br-ticket-phone.png",
}

ROLES = {
    "admin": "admin",
    "lead": "ana",
    "agent": "kim",
    "light-agent": "joao",
    "customer": "maria",
    "anonymous": None,
}
# every page in English at both widths; Portuguese and Italian on a phone (the narrowest
# layout, where longer words break things first)
MATRIX = [("en", 1280), ("en", 375), ("pt-br", 375), ("it", 375)]
# the lead, the agent and the light agent see a subset of the admin's pages: they are visited
# on the desktop in English (axe) and on a phone in Portuguese and Italian; the others in
# all of MATRIX
SUBSET_ROLES = {"lead", "agent", "light-agent"}
CASES = [
    (role, language, width)
    for role in ROLES
    for language, width in MATRIX
    if role not in SUBSET_ROLES or (language, width) in {("en", 1280), ("pt-br", 375), ("it", 375)}
]
# axe-core takes half the time of a visit: it runs on the desktop in English and on the phone in
# Portuguese (the other two see status, console, overflow and translations)
AXE_IN = {("en", 1280), ("pt-br", 375)}

# routes the census cannot open: Django's admin and the JSON API have their own checks; the
# others need a secret from a mail (tokens) or are not pages
SKIP_PREFIXES = ("admin/", "api/v1/", "i18n/", "jsi18n/", "healthz", "media/", "static/")
# what anyone may open: sign-in (also through the identity provider, oidc/), the portal, the
# knowledge base, the API's reference, the probes and metrics of the operations set-up
PUBLIC_PREFIXES = (
    "accounts/",
    "oidc/",
    "portal/",
    "kb/",
    "api/v1/docs",
    "health",
    "ready",
    "metrics",
    "favicon.ico",
    "chat/widget.js",  # the live chat widget and its endpoints (CORS, a chat's token)
    "chat/w/",
)
AGENT_NAMESPACES = (
    "workspace",
    "reports",
    "automation",
    "sla",
    "email_channel",
    "privacy",
    "configuration",
    "messaging",
    "smart",
)
NEEDS_SECRET = {"token", "uidb64"}

# which demo object fills an argument: (argument, route prefix) -> census_setup key
ARGUMENTS: list[tuple[str, str, str]] = [
    ("number", "reports/problems/", "problem"),
    ("number", "", "ticket"),
    ("pk", "automation/rules/", "rule"),
    ("pk", "automation/macros/", "macro"),
    ("pk", "mail/inbound/", "inbound"),
    ("pk", "reports/customers/", "contact"),
    ("pk", "reports/organizations/", "organization"),
    ("pk", "notifications/", "notification"),
    ("pk", "system/mail/", "outgoing_mail"),
    ("pk", "files/", "attachment"),
    ("pk", "views/", "saved_view"),
    ("pk", "smart/t/", "ticket_pk"),  # a suggestion's accept/dismiss: a form's target (405)
    ("ticket_id", "", "ticket_pk"),
    ("contact_id", "", "contact"),
    ("link_id", "", "link"),
    ("user_id", "", "user"),
    ("message_id", "", "message"),
    ("article_id", "", "article"),
    ("version_id", "", "version"),
    ("attachment_id", "", "attachment"),
    ("canned_id", "", "canned"),
    ("chat_id", "", "chat"),  # the demo has no live chat: left out
    ("type_key", "", "ticket_type"),
    ("slug", "kb/categories/", "kb_category"),
    ("slug", "kb/articles/", "article_slug"),
    ("pk", "assets/", "item"),
    ("relation_id", "assets/", "item_relation"),
    ("item_id", "assets/", "item"),
    ("entry_id", "time/", "time_entry"),
    ("approval_id", "catalog/", "approval"),
    ("key", "catalog/", "request_type"),
    ("connection_id", "trackers/", "tracker_connection"),  # the demo has none: left out
    ("pk", "settings/fields/", "custom_field"),
    ("pk", "settings/teams/", "team"),
    ("pk", "settings/sla/calendars/", "calendar"),
    ("pk", "settings/sla/policies/", "sla_policy"),
    ("pk", "settings/workflow/statuses/", "status"),
    # the demo has no mailbox, messaging account or webhook: these are left out
    ("pk", "settings/channels/mailboxes/", "mailbox"),
    ("pk", "settings/channels/messaging/", "messaging_account"),
    ("pk", "settings/integrations/", "webhook_endpoint"),
    ("pk", "settings/workflow/transitions/", "transition"),
    ("pk", "settings/classification/types/", "ticket_type_pk"),
    ("pk", "settings/classification/categories/", "category"),
    ("pk", "settings/classification/areas/", "business_area"),
    ("pk", "settings/classification/tags/", "tag"),  # the demo may have none: left out then
    ("pk", "settings/agents/", "user"),
    # the demo has no messaging account: these two are left out
    ("pk", "channels/messaging/people/", "messaging_identity"),
    ("key", "channels/messaging/", "messaging_webhook_key"),
]


# --- the pages, from the URL configuration ---------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str
    name: str
    arguments: tuple[str, ...]


def routes() -> Iterator[Route]:
    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                route = prefix + str(pattern.pattern)
                arguments = tuple(pattern.pattern.regex.groupindex)
                yield Route(route, name, arguments)

    yield from walk(get_resolver().url_patterns, "", "")


def pages(samples: dict[str, Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, path) of every page to visit, and the routes left out with the reason."""
    found: list[tuple[str, str]] = []
    left_out: list[str] = []
    for route in routes():
        if route.route.startswith(SKIP_PREFIXES) and "docs" not in route.route:
            continue
        if "^" in route.route or "(?P" in route.route:
            left_out.append(f"{route.name}: a regular expression route (a file export)")
            continue
        if NEEDS_SECRET & set(route.arguments):
            left_out.append(f"{route.name}: needs a secret token from a mail")
            continue
        kwargs: dict[str, Any] = {}
        for argument in route.arguments:
            key = next(
                (k for a, p, k in ARGUMENTS if a == argument and route.route.startswith(p)), None
            )
            if key is None:
                raise AssertionError(
                    f"{route.name} ({route.route}): no demo object fills {argument!r}; "
                    "add one to ARGUMENTS in tests/web/test_page_census.py"
                )
            kwargs[argument] = samples.get(key)
        if any(value is None for value in kwargs.values()):
            left_out.append(f"{route.name}: the demo has no object for {sorted(kwargs)}")
            continue
        found.append((route.name, reverse(route.name, kwargs=kwargs)))
    return found, left_out


# --- the catalog ------------------------------------------------------------------------------


def translated_msgids(language: str) -> set[str]:
    """English msgids of our own catalogs that the running site translates into something else
    (Django's merged catalog decides: where Django's own pt_BR keeps "Email", so does the page)."""
    from django.utils.translation import trans_real

    effective = trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    folder = {"pt-br": "pt_BR", "it": "it"}[language]
    msgids: set[str] = set()
    for mo in (ROOT / "src" / "ticketdesk").glob(f"**/locale/{folder}/LC_MESSAGES/django.mo"):
        with mo.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        for msgid in catalog:
            if isinstance(msgid, tuple) or not msgid or "\x04" in msgid:
                continue  # plural forms and contexts never show as their msgid
            shown = effective.get(msgid)
            text = " ".join(msgid.split())
            if not shown or shown == msgid or "%" in text or len(text) < 3:
                continue
            if re.search(r"[A-Za-z]{3}", text):
                msgids.add(text)
    return msgids


# --- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TICKETDESK_TEST_DATABASE_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(TICKETDESK_VAR_DIR=str(var_dir), DEBUG="0", PYTHONPATH=str(ROOT))
    return env


@dataclass
class Server:
    url: str
    database: Path
    samples: dict[str, Any]
    process: subprocess.Popen[bytes] = field(repr=False)


@pytest.fixture(scope="session")
def census_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if os.environ.get("TICKETDESK_TEST_DATABASE_URL"):
        pytest.skip("the page census runs once, on SQLite")
    # one demo database for all xdist workers, built by the first one to get the lock
    run = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run = run.parent  # the run's folder, above the workers' own
    shared = run / "census-template"
    shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "samples.json").exists():
            build = shared / "var"
            build.mkdir(exist_ok=True)
            result = subprocess.run(
                [sys.executable, "-m", "tests.web.census_setup"],
                env=_environment(build),
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, result.stderr[-3000:]
            (shared / "samples.json").write_text(result.stdout.strip().splitlines()[-1])
        fcntl.flock(lock, fcntl.LOCK_UN)
    var_dir = tmp_path_factory.mktemp("census-var")
    shutil.copytree(shared / "var", var_dir, dirs_exist_ok=True)
    port = _free_port()
    log = (var_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("ticketdesk")),
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--skip-checks",
        ],
        # the site's own address (the portal's embed preview frames it: under the CSP, only
        # this server may be framed)
        env={**_environment(var_dir), "SITE_URL": f"http://127.0.0.1:{port}"},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"{url}/healthz", timeout=2)
            break
        assert process.poll() is None, (var_dir / "server.log").read_text()[-3000:]
        assert time.monotonic() < deadline, "the census server did not start"
        time.sleep(0.3)
    try:
        yield Server(
            url,
            var_dir / "ticketdesk.sqlite3",
            json.loads((shared / "samples.json").read_text()),
            process,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


# --- the visit --------------------------------------------------------------------------------

OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return null;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && getComputedStyle(el).position !== 'fixed') {
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className.trim()
          ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' ' + Math.round(box.right) + 'px');
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, elements: wide.slice(0, 5)};
}"""

TEXTS_JS = """() => {
  // visible text in the page's language: code, and anything marked as another language (a
  // language's own name, an article that exists only in English), is left out
  const page = (document.documentElement.lang || '').toLowerCase();
  const foreign = el => {
    const marked = el.closest('[lang]');
    return marked && marked.lang.toLowerCase() !== page;
  };
  const texts = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    const skip = 'script,style,template,code,kbd,samp,pre,[translate=no]';
    if (!parent || parent.closest(skip)) continue;
    if (foreign(parent)) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text && parent.checkVisibility && parent.checkVisibility()) texts.add(text);
  }
  for (const el of document.querySelectorAll('[placeholder],[aria-label],[title]')) {
    if (foreign(el) || el.closest('[translate=no]')) continue;
    for (const name of ['placeholder', 'aria-label', 'title']) {
      const value = el.getAttribute(name);
      if (value) texts.add(value.replace(/\\s+/g, ' ').trim());
    }
  }
  texts.add(document.title.trim());
  return [...texts];
}"""

AXE_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length}));
}"""


def _set_language(database: Path, username: str, language: str) -> None:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
        connection.execute(
            "UPDATE accounts_user SET language = ? WHERE username = ?", (language, username)
        )
        connection.commit()


def _log_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/login/" not in page.url, f"{username} could not log in"


@pytest.mark.parametrize(
    ("role", "language", "width"), CASES, ids=[f"{r}-{lang}-{w}" for r, lang, w in CASES]
)
def test_page_census(census_server: Server, browser: Any, role: str, language: str, width: int):
    username = ROLES[role]
    if username:
        _set_language(census_server.database, username, language)
    found, left_out = pages(census_server.samples)
    msgids = translated_msgids(language) if language != "en" else set()
    assert language == "en" or msgids, "no compiled catalog: run `make test` (compilemessages)"
    axe = AXE.read_text()
    shots = CENSUS_DIR / role / f"{language}-{width}"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale={"pt-br": "pt-BR", "it": "it-IT", "en": "en-US"}[language],
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": census_server.url}])
    page = context.new_page()
    console: list[str] = []

    def on_console(message: Any) -> None:
        # the browser's own favicon.ico request (pages without an icon link) is not the page's
        if message.type == "error" and "/favicon.ico" not in message.location.get("url", ""):
            console.append(f"{message.text} ({message.location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: console.append(f"uncaught: {exc}"))
    problems: list[str] = []
    visited = 0
    try:
        if username:
            _log_in(page, census_server.url, username)
        for name, path in found:
            url = census_server.url + path
            # the status first, without the browser: forms' targets (POST only), files and
            # fragments are never loaded as a document
            response = context.request.get(url, max_redirects=0)
            status = response.status
            if status == 405:
                continue  # a form's target (POST only), not a page
            namespace = name.split(":")[0] if ":" in name else ""
            if status >= 500:
                problems.append(f"{path}: HTTP {status}")
                continue
            public = path.lstrip("/").startswith(PUBLIC_PREFIXES)
            if status == 200 and username is None and not public:
                problems.append(f"{path}: an anonymous visitor got HTTP 200")
            if status == 200 and role == "customer" and namespace in AGENT_NAMESPACES:
                problems.append(f"{path}: a customer got an agent page")
            location = response.headers.get("location", "")
            if status in (301, 302) and username is None and not public and "login" not in location:
                problems.append(f"{path}: anonymous sent to {location}, not a login page")
            if status != 200:
                continue  # 302/403/404 as the policy says
            if "text/html" not in response.headers.get("content-type", ""):
                continue  # a file, a feed, JSON, a script
            if "<html" not in response.text()[:600].lower():
                continue  # an htmx fragment
            console.clear()
            page.goto(url)
            page.wait_for_load_state("load")
            visited += 1
            slug = name.replace(":", "-")
            if width <= 400:
                overflow = page.evaluate(OVERFLOW_JS)
                if overflow:
                    problems.append(f"{path}: wider than the screen: {overflow}")
            if msgids:
                english = sorted(text for text in page.evaluate(TEXTS_JS) if text in msgids)
                if english:
                    problems.append(f"{path}: untranslated: {english[:8]}")
            if (language, width) in AXE_IN:
                if not page.evaluate("typeof axe !== 'undefined'"):
                    page.evaluate(axe)
                for violation in page.evaluate(AXE_JS):
                    problems.append(
                        f"{path}: axe {violation['impact']} {violation['id']} "
                        f"({violation['help']}) x{violation['count']}: {violation['nodes']}"
                    )
            if console:
                problems.append(f"{path}: console: {console[:3]}")
            page.screenshot(path=shots / f"{slug}.jpg", type="jpeg", quality=70)
            docs = DOCS.get((role, language, width, slug))
            if docs and os.environ.get("TICKETDESK_CENSUS_DOCS"):
                page.screenshot(path=DOCS_DIR / docs)
    finally:
        context.close()
    report = CENSUS_DIR / f"{role}-{language}-{width}.txt"
    report.write_text(
        f"visited {visited} pages\n"
        + "\n".join(problems)
        + "\n-- left out:\n"
        + "\n".join(left_out)
    )
    assert visited > 0
    assert not problems, f"{len(problems)} problems ({report}):\n" + "\n".join(problems)
