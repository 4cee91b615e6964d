"""The configuration pages: download and upload the file (diff shown before applying,
errors name their YAML path), the changes list (filters, pages, bounded queries), and
configuration changes made in the Django admin recorded with before/after values."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from tests.factories import make_agent
from tests.privacy.test_audit import admin_change_data
from ticketdesk.accounts.models import Team
from ticketdesk.audit import log
from ticketdesk.audit.models import AuditEntry
from ticketdesk.configuration.document import export_data, export_text
from ticketdesk.core import clock
from ticketdesk.tickets.models import CustomFieldDefinition, Status, TicketType

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("desk.yaml", text.encode(), content_type="application/yaml")


def with_new_team() -> str:
    document = export_data()
    document["teams"].append({"slug": "field", "name": "Field service"})
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def test_only_administrators_see_the_pages(client, team):  # type: ignore[no-untyped-def]
    agent = make_agent(team, username="agent1")
    client.force_login(agent)
    for url in ("/configuration/", "/configuration/export.yaml", "/configuration/changes/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/configuration/import/", {"file": upload("version: 1")}).status_code == 403
    assert (
        client.post("/configuration/import/apply/", {"document": "version: 1"}).status_code == 403
    )


def test_download_is_the_export_and_is_recorded(admin_client, admin_user):  # type: ignore[no-untyped-def]
    response = admin_client.get("/configuration/export.yaml")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode() == export_text()
    assert AuditEntry.objects.filter(action="config.exported", actor=admin_user).exists()


def test_upload_shows_the_diff_then_apply_applies_it(admin_client, admin_user):  # type: ignore[no-untyped-def]
    response = admin_client.post("/configuration/import/", {"file": upload(with_new_team())})
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 added, 0 changed, 0 removed" in page and "field" in page
    assert not Team.objects.filter(slug="field").exists()
    fingerprint = response.context["fingerprint"]
    response = admin_client.post(
        "/configuration/import/apply/",
        {"document": response.context["document"], "fingerprint": fingerprint},
    )
    assert response.status_code == 302
    assert Team.objects.filter(slug="field").exists()
    entry = AuditEntry.objects.get(action="config.team.created", target_label="Field service")
    assert entry.actor == admin_user and entry.details["via"] == "import"


def test_apply_refuses_what_the_preview_did_not_show(admin_client):  # type: ignore[no-untyped-def]
    text = with_new_team()
    preview = admin_client.post("/configuration/import/", {"file": upload(text)})
    Status.objects.filter(key="new").update(name="Changed meanwhile")
    response = admin_client.post(
        "/configuration/import/apply/",
        {"document": text, "fingerprint": preview.context["fingerprint"]},
    )
    assert response.status_code == 409
    assert not Team.objects.filter(slug="field").exists()
    assert "Changed meanwhile" in response.content.decode()  # the new diff is shown


def test_a_bad_file_shows_the_path_of_the_error(admin_client):  # type: ignore[no-untyped-def]
    text = "version: 1\nstatuses:\n- key: new\n  category: nope\n"
    with translation.override("pt-br"):
        response = admin_client.post(
            "/configuration/import/", {"file": upload(text)}, HTTP_ACCEPT_LANGUAGE="pt-br"
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "statuses[0].category" in page
    assert 'aria-invalid="true"' in page


def _seed_changes(admin_user, other) -> dt.datetime:  # type: ignore[no-untyped-def]
    base = clock.now() - dt.timedelta(days=3)
    status = Status.objects.get(key="new")
    rows = []
    for i in range(70):
        entry = log._entry(
            admin_user if i % 2 else other,
            "config.status.updated",
            status,
            {"changes": {"name": [f"n{i}", f"n{i + 1}"]}},
            None,
        )
        entry.created_at = base + dt.timedelta(hours=i)
        rows.append(entry)
    rows.append(log._entry(admin_user, "ticket.viewed", status, {}, None))  # not configuration
    AuditEntry.objects.bulk_create(rows)
    return base


def test_the_changes_page_filters_and_pages_with_bounded_queries(  # type: ignore[no-untyped-def]
    admin_client, admin_user, team, django_assert_max_num_queries
):
    other = make_agent(team, username="other-admin", role="admin")
    base = _seed_changes(admin_user, other)
    with django_assert_max_num_queries(10):
        response = admin_client.get("/configuration/changes/")
    assert response.status_code == 200
    first = response.context["changes"]
    assert len(first) == 50 and response.context["page"].has_more
    assert all(c.entry.action.startswith("config.") for c in first)
    assert any(("name", "n69", "n70") in c.fields for c in first)
    with django_assert_max_num_queries(10):
        second = admin_client.get(f"/configuration/changes/?{response.context['next_query']}")
    assert not {c.entry.pk for c in second.context["changes"]} & {c.entry.pk for c in first}
    day = (base + dt.timedelta(days=1)).date().isoformat()
    with django_assert_max_num_queries(10):
        response = admin_client.get(
            "/configuration/changes/",
            {"actor": "other-admin", "kind": "tickets.status", "from": day, "to": day},
        )
    rows = response.context["changes"]
    assert rows and {c.entry.actor_id for c in rows} == {other.pk}
    assert {c.entry.created_at.date().isoformat() for c in rows} == {day}
    response = admin_client.get("/configuration/changes/", {"kind": "nope.model"})
    assert response.status_code == 400
    response = admin_client.get("/configuration/changes/", {"from": "yesterday"})
    assert response.status_code == 400


def test_admin_saves_record_before_and_after_with_many_to_many(admin_client, admin_user):  # type: ignore[no-untyped-def]
    field = CustomFieldDefinition.objects.create(key="asset", label="Asset tag", field_type="text")
    incident = TicketType.objects.order_by("id").first()
    assert incident is not None
    url = f"/admin/tickets/customfielddefinition/{field.pk}/change/"
    data = admin_change_data(admin_client.get(url))
    data["label"] = "Asset number"
    data["ticket_types"] = [str(incident.pk)]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entries = list(
        AuditEntry.objects.filter(action="config.customfielddefinition.updated").order_by("id")
    )
    assert entries[0].details["changes"]["label"] == ["Asset tag", "Asset number"]
    assert entries[-1].details["changes"]["ticket_types"] == [[], [str(incident)]]
    assert {e.details["via"] for e in entries} == {"admin"}
    assert {e.actor_id for e in entries} == {admin_user.pk}

    response = admin_client.post(
        f"/admin/tickets/customfielddefinition/{field.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    deleted = AuditEntry.objects.get(action="config.customfielddefinition.deleted")
    assert deleted.details["before"]["label"] == "Asset number"
    assert deleted.details["via"] == "admin"
    page = admin_client.get("/configuration/changes/", {"kind": "tickets.customfielddefinition"})
    verbs = [c.verb for c in page.context["changes"]]
    assert verbs[0] == "Deleted" and "Changed" in verbs
