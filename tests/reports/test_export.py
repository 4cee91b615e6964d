from __future__ import annotations

import csv
import io
import zipfile

import pytest

from tests.factories import ContactFactory, TeamFactory, make_customer, make_ticket, status
from tests.reports.conftest import T0
from ticketdesk.core import clock
from ticketdesk.reports.export import safe_cell, write_xlsx
from ticketdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def bulk_tickets(count: int, team, start: int = 50000) -> None:
    """Test setup only: many plain rows fast (the export reads rows, not events)."""
    requester = ContactFactory()
    new = status("new")
    Ticket.objects.bulk_create(
        [
            Ticket(
                number=start + i,
                subject=f'=HYPERLINK("http://evil") {i}' if i == 0 else f"Ticket {i}",
                requester=requester,
                team=team,
                channel="email",
                status=new,
                status_category=new.category,
                created_at=T0,
                updated_at=T0,
            )
            for i in range(count)
        ],
        batch_size=1000,
    )


def rows_of(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_ticket_csv_streams_every_row_with_bounded_queries(
    client, team, agent, django_assert_max_num_queries
):
    bulk_tickets(3000, team)
    bulk_tickets(5, TeamFactory(name="Other", slug="other"), start=90000)  # not visible
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        response = client.get("/reports/export/tickets.csv")
        assert response.streaming
        rows = rows_of(response)
    assert len(rows) == 3001
    assert rows[0][:3] == ["Number", "Subject", "Status"]
    injected = next(r for r in rows if r[0] == "50000")
    assert injected[1].startswith("'=HYPERLINK")


def test_ticket_export_applies_the_query(client, team, agent):
    make_ticket(team=team, subject="VPN down", channel="portal")
    make_ticket(team=team, subject="Printer", channel="email")
    client.force_login(agent)
    rows = rows_of(client.get("/reports/export/tickets.csv", {"q": "channel:portal"}))
    assert [r[1] for r in rows[1:]] == ["VPN down"]
    bad = client.get("/reports/export/tickets.csv", {"q": "nonsense:key"})
    assert bad.status_code == 400


def test_ticket_xlsx_export(client, team, agent):
    with clock.frozen(T0):
        make_ticket(team=team, subject="+cmd|' /C calc'!A0")
    client.force_login(agent)
    response = client.get("/reports/export/tickets.xlsx")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "'+cmd|" in sheet
    assert '<row r="2">' in sheet


def test_customers_cannot_export(client):
    user, _contact = make_customer(username="cx", email="cx@example.org")
    client.force_login(user)
    assert client.get("/reports/export/tickets.xlsx").status_code == 403


def test_safe_cell_and_xlsx_writer():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-2") == "'-2"
    assert safe_cell(-2) == -2
    assert safe_cell("plain") == "plain"
    target = io.BytesIO()
    write_xlsx(target, "Sheet", ["a", "b"], ([i, f"x{i}"] for i in range(30)))
    archive = zipfile.ZipFile(target)
    assert archive.testzip() is None
    assert archive.read("xl/worksheets/sheet1.xml").count(b"<row ") == 31


@pytest.mark.parametrize("report", ["categories", "types", "channels", "trends", "repeats"])
def test_every_report_exports(client, history, admin_user, report):
    import csv
    import io

    from tests.reports.conftest import at
    from ticketdesk.core import clock

    client.force_login(admin_user)
    with clock.frozen(at(days=3)):
        response = client.get(
            f"/reports/export/{report}.csv",
            {"start": "2026-03-01", "end": "2026-03-31", "compare": "weeks"},
        )
        xlsx = client.get(f"/reports/export/{report}.xlsx", {"start": "2026-03-01"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows[0]) >= 4  # a header row
    if report == "channels":
        assert rows[1][:3] == ["Email", "1", "1"]
    if report in ("trends", "repeats"):
        assert rows[0][:2] == ["Kind", "Name"]
    assert xlsx.status_code == 200
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"
