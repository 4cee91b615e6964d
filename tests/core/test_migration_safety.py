"""Zero-downtime upgrades (issue 17): every migration of ours follows the expand/contract rule
of docs/production.md, checked by django-migration-linter on the SQL PostgreSQL would run.

The migrations released before the rule was checked are listed below with what they break;
they were audited by hand (docs/production.md, "Migrations that need a maintenance window").
A new migration that breaks the rule fails this test: make it safe (a `db_default` for a new
NOT NULL column, drop a column one release after the code stopped reading it, …) rather than
adding it here."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django_migration_linter import MigrationLinter

NOT_NULL = "adds a NOT NULL column with a Python-side default: old processes' INSERTs fail"
DROP = "drops a column or table the previous release still read"
ALTER = "changes a column's type (text for encrypted secrets); old code reads the new values"
RENAME = "renames a table the previous release still used"

AUDITED: dict[tuple[str, str], str] = {
    ("accounts", "0002_team_sees_triage"): NOT_NULL,
    ("automation", "0002_rule_time_cursor"): NOT_NULL,
    ("core", "0003_outbox_delivery_claim"): NOT_NULL,
    ("email_channel", "0002_outbound_retries"): NOT_NULL,
    ("email_channel", "0003_outbound_mail_queue"): DROP,
    ("email_channel", "0004_held_mail_and_sender_check"): NOT_NULL,
    ("email_channel", "0005_encrypt_imap_password"): ALTER,
    ("email_channel", "0006_mailbox_oauth2"): NOT_NULL,
    ("kb", "0002_translations"): NOT_NULL,
    ("notifications", "0003_outbox_moves_to_core"): DROP,
    ("notifications", "0004_encrypt_webhook_secret"): ALTER,
    ("reports", "0005_daily_rollup_dimensions"): DROP,
    ("tickets", "0007_cannedresponse_table"): RENAME,
    ("tickets", "0008_translations"): NOT_NULL,
    ("tickets", "0011_escalation"): NOT_NULL,
}


class _Collecting(MigrationLinter):
    """The linter, keeping the verdict per migration instead of only printing it."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.verdicts: dict[tuple[str, str], str] = {}

    def print_linting_msg(
        self, app_label: str, migration_name: str, msg: str, *args: object
    ) -> None:
        self.verdicts[(app_label, migration_name)] = msg


def _lint() -> _Collecting:
    ours = [
        config.label for config in apps.get_app_configs() if config.name.startswith("ticketdesk.")
    ]
    linter = _Collecting(include_apps=ours, no_cache=True, no_output=True)
    linter.lint_all_migrations()
    return linter


@pytest.mark.django_db
def test_new_migrations_are_safe_while_the_old_version_serves() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the rule is about PostgreSQL's locks and constraints (production)")
    linter = _lint()
    assert len(linter.verdicts) > 60, "the linter saw too few migrations to mean anything"
    broken = sorted(key for key, verdict in linter.verdicts.items() if verdict == "ERR")
    unexpected = [f"{app}.{name}" for app, name in broken if (app, name) not in AUDITED]
    assert not unexpected, (
        "these migrations break the expand/contract rule of docs/production.md (old processes "
        f"still serve while they run): {unexpected}"
    )
    # the audit list stays true: a migration listed here that the linter now passes is stale
    stale = [f"{app}.{name}" for app, name in AUDITED if linter.verdicts.get((app, name)) != "ERR"]
    assert not stale, f"listed as unsafe but the linter passes them: {stale}"
