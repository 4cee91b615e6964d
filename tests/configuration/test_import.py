"""Importing a configuration file: the diff, the dry run, validation that names the YAML
path of a bad value and applies nothing, the audit trail, the command line."""

from __future__ import annotations

import io
import re

import pytest
import yaml
from django.core.management import CommandError, call_command

from tests.factories import TeamFactory, make_agent
from ticketdesk.accounts.models import Team
from ticketdesk.audit.models import AuditEntry
from ticketdesk.configuration.actions import import_configuration
from ticketdesk.configuration.document import export_data, export_text
from ticketdesk.configuration.plan import ConfigurationError
from ticketdesk.core.errors import PermissionDenied
from ticketdesk.tickets.models import Category, Status

pytestmark = pytest.mark.django_db


def edited(change) -> str:  # type: ignore[no-untyped-def]
    document = export_data()
    change(document)
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _add_team_and_category(document):  # type: ignore[no-untyped-def]
    document["teams"].append({"slug": "field", "name": "Field service", "escalation_team": None})
    document["categories"].append({"path": "Hardware", "default_team": "field"})
    document["categories"].append({"path": "Hardware / Laptop", "default_team": "field"})
    next(s for s in document["statuses"] if s["key"] == "new")["name"] = "Brand new"


def test_dry_run_shows_the_diff_and_applies_nothing():
    text = edited(_add_team_and_category)
    first = Status.objects.get(key="new")
    plan = import_configuration(text, actor=None, dry_run=True)
    summary = plan.summary()
    assert summary["teams"] == {"added": 1, "changed": 0, "removed": 0}
    assert summary["categories"]["added"] == 2
    assert summary["statuses"]["changed"] == 1
    assert "+ field" in plan.text() and "'Brand new'" in plan.text()
    assert not Team.objects.filter(slug="field").exists()
    assert not AuditEntry.objects.filter(action="config.imported").exists()

    import_configuration(text, actor=None)
    laptop = Category.objects.get(path="Hardware / Laptop")
    assert laptop.name == "Laptop" and laptop.parent is not None
    assert laptop.default_team is not None and laptop.default_team.slug == "field"
    first.refresh_from_db()
    assert first.name == "Brand new"
    entry = AuditEntry.objects.get(action="config.imported")
    assert entry.details["summary"]["teams"]["added"] == 1
    changed = AuditEntry.objects.get(action="config.status.updated", target_id=str(first.pk))
    assert changed.details["changes"]["name"][1] == "Brand new"
    assert changed.details["via"] == "import"


def test_removed_rows_are_deleted_and_listed():
    TeamFactory(slug="old-team", name="Old team")
    text = edited(lambda d: d.update(teams=[t for t in d["teams"] if t["slug"] != "old-team"]))
    plan = import_configuration(text, actor=None)
    assert plan.summary()["teams"]["removed"] == 1
    assert "- old-team" in plan.text()
    assert not Team.objects.filter(slug="old-team").exists()


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (lambda d: d["statuses"][1].update(category="bogus"), r"statuses\[1\]\.category$"),
        (
            lambda d: d["teams"].append({"slug": "x", "name": "X", "colour": 1}),
            r"teams\[\d+\]\.colour$",
        ),
        (lambda d: d["teams"].append({"name": "X"}), r"teams\[\d+\]\.slug$"),
        (lambda d: d["teams"].append({"slug": "bad slug!", "name": "Y"}), r"teams\[\d+\]\.slug$"),
        (
            lambda d: d["ticket_types"][0].update(default_team="nope"),
            r"ticket_types\[0\]\.default_team$",
        ),
        (lambda d: d["priority_matrix"][0].update(priority=9), r"priority_matrix\[0\]\.priority$"),
        (
            lambda d: d["custom_fields"].append({"key": "k", "label": "K", "field_type": "nope"}),
            r"custom_fields\[\d+\]\.field_type$",
        ),
        (lambda d: d.update(statuses=[*d["statuses"], d["statuses"][0]]), r"statuses\[\d+\]$"),
        (lambda d: d.update(statuses={"key": "x"}), r"statuses$"),
        (lambda d: d.update(wormholes=[]), r"wormholes$"),
        (lambda d: d.update(version=7), r"version$"),
    ],
)
def test_a_bad_value_names_its_path_and_nothing_is_applied(change, pattern):  # type: ignore[no-untyped-def]
    def also_rename(document):  # type: ignore[no-untyped-def]
        document["statuses"][0]["name"] = "Renamed"  # a good change that must not stay
        change(document)

    before = export_text()
    with pytest.raises(ConfigurationError) as raised:
        import_configuration(edited(also_rename), actor=None)
    assert re.match(pattern, raised.value.path), raised.value.path
    assert raised.value.path in raised.value.message
    assert export_text() == before


def test_an_error_found_while_applying_rolls_everything_back():
    """A status used by a ticket cannot be removed: the whole import is undone."""
    from tests.factories import make_ticket

    make_ticket()
    before = export_text()

    def drop_new(document):  # type: ignore[no-untyped-def]
        document["teams"].append({"slug": "field", "name": "Field"})
        document["statuses"] = [s for s in document["statuses"] if s["key"] != "new"]
        document["transitions"] = [
            t for t in document["transitions"] if "new" not in (t["from_status"], t["to_status"])
        ]

    with pytest.raises(ConfigurationError) as raised:
        import_configuration(edited(drop_new), actor=None, dry_run=True)
    assert raised.value.path == "statuses"
    assert export_text() == before
    assert not Team.objects.filter(slug="field").exists()


def test_not_yaml_and_not_a_mapping():
    with pytest.raises(ConfigurationError, match="line"):
        import_configuration("teams: [\n  - {", actor=None)
    with pytest.raises(ConfigurationError):
        import_configuration("- 1\n- 2\n", actor=None)


def test_only_administrators_import(team):  # type: ignore[no-untyped-def]
    agent = make_agent(team)
    with pytest.raises(PermissionDenied):
        import_configuration(export_text(), actor=agent, dry_run=True)


def test_command_line_export_and_import(tmp_path):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("config", "export", stdout=out)
    assert out.getvalue() == export_text()
    path = tmp_path / "desk.yaml"
    path.write_text(edited(_add_team_and_category), encoding="utf-8")
    out = io.StringIO()
    call_command("config", "import", str(path), "--dry-run", stdout=out)
    assert "teams: 1 added, 0 changed, 0 removed" in out.getvalue()
    assert "Dry run" in out.getvalue()
    assert not Team.objects.filter(slug="field").exists()
    call_command("config", "import", str(path), stdout=io.StringIO())
    assert Team.objects.filter(slug="field").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nstatuses:\n- key: x\n  category: nope\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"statuses\[0\]\.category"):
        call_command("config", "import", str(bad), stdout=io.StringIO())


def test_rows_the_file_cannot_tell_apart_are_refused_not_lost(admin_client):  # type: ignore[no-untyped-def]
    from ticketdesk.automation.models import Rule
    from ticketdesk.core import clock

    for _ in range(2):
        Rule.objects.create(
            name="Twin", trigger="ticket_created", created_at=clock.now(), updated_at=clock.now()
        )
    with pytest.raises(CommandError, match="Twin"):
        call_command("config", "export", stdout=io.StringIO())
    response = admin_client.get("/configuration/export.yaml")
    assert response.status_code == 400 and "Twin" in response.content.decode()


def test_a_conditional_field_keeps_its_category():
    """A field shown only for a category travels with that condition (it was dropped)."""
    from ticketdesk.tickets.models import CustomFieldDefinition

    text = edited(_add_team_and_category)
    document = yaml.safe_load(text)
    document["custom_fields"].append(
        {"key": "asset_tag", "label": "Asset tag", "field_type": "text", "pattern": "^LT-\\d{4}$"}
        | {"show_when_category": "Hardware / Laptop"}
    )
    import_configuration(yaml.safe_dump(document), actor=None)
    field = CustomFieldDefinition.objects.get(key="asset_tag")
    assert field.show_when_category is not None
    assert field.show_when_category.path == "Hardware / Laptop"
    exported = yaml.safe_load(export_text())
    (row,) = [f for f in exported["custom_fields"] if f["key"] == "asset_tag"]
    assert row["show_when_category"] == "Hardware / Laptop"
