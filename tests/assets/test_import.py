"""CSV import: all rows or none, with each problem named by line and column."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.factories import ContactFactory, OrganizationFactory
from ticketdesk.assets import importing
from ticketdesk.assets.models import Item, ItemRelation

pytestmark = pytest.mark.django_db

HEADER = (
    "name,type,status,identifier,version,owner_email,owner_organization,"
    "attr.ram_gb,attr.os,runs_on,depends_on\n"
)
GOOD = (
    HEADER
    + """Ana's laptop,laptop,active,LT-1,,ana@example.org,,16,Linux,,
Hypervisor,server,active,SRV-1,,,ACME,,,,
CRM,server,active,APP-1,4.2,,,,,SRV-1,LT-1
"""
)


def test_import_creates_items_and_relations_then_updates(laptop_type, server_type, agent):
    ContactFactory(email="ana@example.org")
    OrganizationFactory(name="ACME")
    seen = []
    result = importing.import_items(GOOD, actor=agent, progress=lambda d, t: seen.append((d, t)))
    assert result.ok, result.errors
    assert (result.created, result.updated, result.relations) == (3, 0, 2)
    assert seen[-1] == (3, 3)
    crm = Item.objects.get(identifier="APP-1")
    assert crm.version == "4.2"
    assert Item.objects.get(identifier="LT-1").attributes == {"ram_gb": 16, "os": "Linux"}
    assert Item.objects.get(identifier="SRV-1").owner_organization.name == "ACME"
    kinds = set(ItemRelation.objects.filter(source=crm).values_list("kind", "target__identifier"))
    assert kinds == {("runs_on", "SRV-1"), ("depends_on", "LT-1")}
    again = importing.import_items(
        "name,type,identifier,version\nCRM,server,APP-1,5.0\n", actor=agent
    )
    assert (again.created, again.updated) == (0, 1)
    assert Item.objects.get(identifier="APP-1").version == "5.0"
    assert Item.objects.count() == 3


def test_a_wrong_row_writes_nothing_and_names_each_problem(laptop_type, server_type, agent):
    bad = (
        "name,type,status,identifier,owner_email,attr.ram_gb,runs_on,colour\n"
        "Good one,server,active,S-1,,,,\n"
        ",laptop,broken,S-1,nobody@example.org,lots,S-9,\n"
        "Unknown type,toaster,,,,,,\n"
    )
    result = importing.import_items(bad, actor=agent)
    assert not result.ok
    found = {(e.row, e.field) for e in result.errors}
    assert found == {
        (1, "colour"),
        (3, "name"),
        (3, "status"),
        (3, "identifier"),
        (3, "owner_email"),
        (3, "attr.ram_gb"),
        (3, "runs_on"),
        (4, "type"),
    }
    assert Item.objects.count() == 0


def test_missing_columns_and_empty_file(agent):
    assert [(e.row, e.field) for e in importing.import_items("", actor=agent).errors] == [(1, "")]
    result = importing.import_items("identifier\nX\n", actor=agent)
    assert {e.field for e in result.errors} == {"name", "type"}


def test_command_shows_progress_and_fails_cleanly(tmp_path, server_type):
    path = tmp_path / "items.csv"
    path.write_text("name,type,identifier\nweb,server,W-1\ndb,server,D-1\n")
    out = io.StringIO()
    call_command("import_items", str(path), stdout=out)
    assert "2/2" in out.getvalue() and "2 created" in out.getvalue()
    path.write_text("name,type\nweb,nope\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_items", str(path), stdout=io.StringIO(), stderr=err)
    assert "line 2 [type]" in err.getvalue()
    assert Item.objects.count() == 2


def test_upload_page(client, agent, server_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(agent)
    assert client.get("/assets/import/").status_code == 200
    upload = SimpleUploadedFile("i.csv", b"name,type\nweb,nope\n", content_type="text/csv")
    response = client.post("/assets/import/", {"file": upload})
    assert response.status_code == 400
    assert "No active item type has this key." in response.content.decode()
    upload = SimpleUploadedFile("i.csv", b"name,type\nweb,server\n", content_type="text/csv")
    response = client.post("/assets/import/", {"file": upload})
    assert response.status_code == 302
    assert Item.objects.filter(name="web").exists()
