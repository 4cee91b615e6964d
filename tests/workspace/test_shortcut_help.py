"""The "?" dialog lists every keyboard shortcut that workspace.js binds (issue 21): the keys
are read from the script's shortcut handler, so a new binding without a line in the help
fails here."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

WORKSPACE_JS = Path(__file__).resolve().parents[2] / "src/ticketdesk/static/ticketdesk/workspace.js"
# how the help writes a key the script names otherwise
SHOWN_AS = {"Escape": "Esc"}


def bound_keys() -> set[str]:
    script = WORKSPACE_JS.read_text()
    handler = script.split("/* ---------- shortcuts ---------- */", 1)[1]
    handler = handler.split("/* ---------- presence", 1)[0]
    keys = set(re.findall(r'case "([^"]+)":', handler))
    keys |= set(re.findall(r'event\.key === "([^"]+)"', handler))
    if "event.ctrlKey" in handler:
        keys.add("Ctrl")
    return {SHOWN_AS.get(key, key) for key in keys}


def help_keys(html: str) -> set[str]:
    dialog = re.search(r'<dialog id="shortcuts".*?</dialog>', html, re.S)
    assert dialog, "no shortcut help on the page"
    return set(re.findall(r"<kbd>([^<]+)</kbd>", dialog.group(0)))


def test_the_script_binds_the_known_keys():
    # the parser itself: it finds the keys we know are there
    assert {"j", "k", "o", "Enter", "x", "r", "n", "a", "/", "?", "Ctrl", "Esc"} <= bound_keys()


def test_help_lists_every_key_the_script_binds(agent_client):
    missing = bound_keys() - help_keys(agent_client.get("/").content.decode())
    assert not missing, f"keys bound in workspace.js but not in the ? help: {sorted(missing)}"


def test_help_is_translated(agent_client, agent):
    agent.language = "pt-br"
    agent.save(update_fields=["language"])
    html = agent_client.get("/", HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    dialog = re.search(r'<dialog id="shortcuts".*?</dialog>', html, re.S).group(0)
    assert "Leave the text field" not in dialog and "Keyboard shortcuts" not in dialog
