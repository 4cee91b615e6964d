from __future__ import annotations

import pytest
from django.core.management import call_command

from ticketdesk.accounts.models import Contact


@pytest.mark.django_db
def test_csv_import_sets_departments_and_managers(tmp_path, capsys):
    Contact.objects.create(email="Boss@Example.org", name="")
    path = tmp_path / "people.csv"
    path.write_text(
        "email,name,department,manager_email\n"
        "boss@example.org,Beatrice Boss,Board,\n"
        "ann@example.org,Ann,Finance,boss@example.org\n"
        "bob@example.org,Bob,Finance,ann@example.org\n"
        "not-an-email,X,Y,\n"
        "carl@example.org,Carl,IT,nobody@example.org\n",
        encoding="utf-8",
    )
    call_command("import_directory", str(path))
    out = capsys.readouterr()
    assert "created 3" in out.out
    assert "not in the directory" in out.err and "Line 5" in out.err
    bob = Contact.objects.select_related("manager__manager").get(email="bob@example.org")
    assert bob.department == "Finance"
    assert bob.manager.email == "ann@example.org"
    assert bob.manager.manager.name == "Beatrice Boss"
    assert Contact.objects.filter(email__iexact="boss@example.org").count() == 1


@pytest.mark.django_db
def test_csv_without_email_column_fails(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name\nX\n", encoding="utf-8")
    with pytest.raises(Exception, match="email"):
        call_command("import_directory", str(path))


@pytest.mark.django_db
def test_catalog_demo_is_idempotent_and_quiet(team):
    from django.core import mail as django_mail

    from ticketdesk.catalog.models import RequestType, ServiceRequest
    from ticketdesk.core import outbox

    with outbox.historical():
        call_command("catalog_demo")
        call_command("catalog_demo")
    assert set(RequestType.objects.values_list("key", flat=True)) == {
        "new-laptop",
        "finance-share-access",
    }
    request = ServiceRequest.objects.select_related("ticket__status").get()
    assert request.ticket.status.key == "awaiting-approval"
    django_mail.outbox.clear()
    outbox.process_pending()
    assert django_mail.outbox == []
