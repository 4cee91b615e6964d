"""Translatable configuration (issue 13): names of statuses, types, categories, business
areas and custom fields per language, shown in the reader's language; the event log keeps ids
and the timeline names them when it is read."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from tests.factories import make_agent, make_ticket, status
from ticketdesk.core.translatable import clean_translations, pick
from ticketdesk.tickets import actions, display
from ticketdesk.tickets.models import (
    BusinessArea,
    Category,
    CustomFieldDefinition,
    EventKind,
    FieldType,
    Status,
    Ticket,
    TicketEvent,
    TicketType,
)
from ticketdesk.workspace import timeline

pytestmark = pytest.mark.django_db


def in_language(language: str, value: object) -> str:
    with translation.override(language):
        return str(value)


def test_shipped_statuses_and_types_have_their_names_in_three_languages():
    new = status("new")
    pending = status("pending")
    incident = TicketType.objects.get(key="incident")
    assert [in_language(code, new) for code in ("en", "pt-br", "it")] == ["New", "Novo", "Nuovo"]
    assert in_language("pt-br", pending) == "Pendente"
    assert in_language("it", pending) == "In attesa"
    assert in_language("pt-br", incident) == "Incidente"
    assert in_language("it", TicketType.objects.get(key="service-request")) == (
        "Richiesta di servizio"
    )
    # a language the row has no text for falls back to the base column; "pt" finds "pt-br"
    assert pick({"pt-br": {"name": "Novo"}}, "name", "New", "pt") == "New"
    assert pick({"pt": {"name": "Novo"}}, "name", "New", "pt-br") == "Novo"
    assert pick({}, "name", "New", "it") == "New"


def test_data_migration_translates_shipped_rows_and_spares_renamed_ones():
    migration = importlib.import_module("ticketdesk.tickets.migrations.0008_translations")
    Status.objects.filter(key="new").update(translations={})
    Status.objects.filter(key="open").update(name="Working on it", translations={})
    Status.objects.filter(key="closed").update(translations={"it": {"name": "Archiviato"}})
    migration.translate_shipped_rows(apps, None)
    assert status("new").translations == {"pt-br": {"name": "Novo"}, "it": {"name": "Nuovo"}}
    assert status("open").translations == {}  # renamed by an admin: left alone
    # an admin's own translation is kept, the missing language added
    assert status("closed").translations == {
        "it": {"name": "Archiviato"},
        "pt-br": {"name": "Fechado"},
    }


def test_category_path_and_business_area_in_the_readers_language():
    hardware = Category.objects.create(
        name="Hardware", translations={"pt-br": {"name": "Equipamentos"}, "it": {"name": "Hw"}}
    )
    printer = Category.objects.create(
        name="Printer", parent=hardware, translations={"pt-br": {"name": "Impressora"}}
    )
    area = BusinessArea.objects.create(name="Sales", translations={"it": {"name": "Vendite"}})
    assert printer.path == "Hardware / Printer"  # the stored path stays in the base language
    assert in_language("pt-br", printer) == "Equipamentos / Impressora"
    assert in_language("it", printer) == "Hw / Printer"
    assert in_language("en", printer) == "Hardware / Printer"
    assert in_language("it", area) == "Vendite"
    with translation.override("pt-br"):
        assert display.names_of("category")[printer.pk] == "Equipamentos / Impressora"
        assert display.name_of("business_area", area.pk) == "Sales"


def test_custom_field_label_help_and_choices_are_translated():
    field = CustomFieldDefinition.objects.create(
        key="os",
        label="Operating system",
        help_text="Which computer?",
        field_type=FieldType.CHOICE,
        choices=["windows", {"value": "mac", "label": "macOS"}],
        translations={
            "pt-br": {"label": "Sistema operacional", "choices": {"windows": "Windows (PC)"}},
            "it": {"help_text": "Quale computer?"},
        },
    )
    assert field.translated("label", "pt-br") == "Sistema operacional"
    assert field.translated("help_text", "pt-br") == "Which computer?"
    assert field.translated("help_text", "it") == "Quale computer?"
    assert field.choice_options("pt-br") == [("windows", "Windows (PC)"), ("mac", "macOS")]
    assert field.choice_options("en") == [("windows", "windows"), ("mac", "macOS")]
    with translation.override("pt-br"):
        assert display.custom_field_value("os", "windows") == "Windows (PC)"
        assert display.custom_field_label("os") == "Sistema operacional"


def test_translations_are_checked_before_they_are_stored():
    fields = ("name",)
    assert clean_translations({"pt_BR": {"name": " Novo "}, "it": {"name": ""}}, fields) == {
        "pt-br": {"name": "Novo"}
    }
    with pytest.raises(ValueError):
        clean_translations({"de": {"name": "Neu"}}, fields)
    with pytest.raises(ValueError):
        clean_translations({"it": {"colour": "rosso"}}, fields)


def test_a_status_change_is_named_in_the_readers_language_not_the_writers(team):
    """“from Novo to Pendente” in the English UI was the bug: the event stored the names in
    the language of the agent who changed the status."""
    ana = make_agent(team, username="ana", first_name="Ana", last_name="Souza")
    ticket = make_ticket(team=team)
    with translation.override("pt-br"):
        actions.change_status(ticket, status("pending"), actor=ana)
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.STATUS_CHANGED)
    assert event.new_value == {"id": status("pending").pk, "label": "Pending"}
    with translation.override("en"):
        assert timeline.describe(event) == "Ana Souza changed status from New to Pending"
    with translation.override("it"):
        assert "da Nuovo a In attesa" in timeline.describe(event)
    with translation.override("pt-br"):
        assert "de Novo para Pendente" in timeline.describe(event)


def test_renamed_status_shows_its_name_of_today_and_old_text_events_still_read(team):
    agent = make_agent(team, username="bo", first_name="Bo", last_name="Ek")
    ticket = make_ticket(team=team)
    actions.change_status(ticket, status("pending"), actor=agent)
    Status.objects.filter(key="pending").update(
        name="Waiting for you", translations={"it": {"name": "Aspettiamo te"}}
    )
    display_event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.STATUS_CHANGED)
    from ticketdesk.tickets import config

    config.invalidate()  # .update() sends no signal
    with translation.override("it"):
        assert "Aspettiamo te" in timeline.describe(display_event)
    # events written before ids were kept: only text, in whatever language it was written
    old = TicketEvent(
        kind=EventKind.STATUS_CHANGED,
        field="status",
        old_value={"label": "Novo"},
        new_value="Resolved",
        actor_user=agent,
        data={},
    )
    with translation.override("en"):
        assert timeline.describe(old) == "Bo Ek changed status from Novo to Resolved"
    with translation.override("pt-br"):
        assert "para Resolvido" in timeline.describe(old)  # shipped names: the catalog
    # a status deleted since keeps the name stored with its id
    gone = TicketEvent(
        kind=EventKind.STATUS_CHANGED,
        field="status",
        old_value={"id": 999999, "label": "Triage"},
        new_value={"id": status("new").pk, "label": "New"},
        actor_user=agent,
        data={},
    )
    with translation.override("it"):
        assert "da Triage a Nuovo" in timeline.describe(gone)


def test_category_and_custom_field_changes_read_in_the_readers_language(team):
    agent = make_agent(team, username="cy", first_name="Cy", last_name="Li")
    software = Category.objects.create(name="Software", translations={"it": {"name": "Programmi"}})
    field = CustomFieldDefinition.objects.create(
        key="os",
        label="Operating system",
        field_type=FieldType.CHOICE,
        choices=["windows", "linux"],
        translations={"it": {"label": "Sistema operativo", "choices": {"linux": "GNU/Linux"}}},
    )
    ticket = make_ticket(team=team)
    actions.set_fields(ticket, actor=agent, category=software, custom_fields={field.key: "linux"})
    events = {e.field: e for e in TicketEvent.objects.filter(ticket=ticket, field__gt="")}
    with translation.override("it"):
        assert "Programmi" in timeline.describe(events["category"])
        assert "Sistema operativo: GNU/Linux" in timeline.describe(events["custom_fields"])


def _admin_form(client, url):
    """The fields of an admin change form as a dict to post back."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return response, data


def test_admin_edits_the_names_in_every_language(client, admin_user):
    client.force_login(admin_user)
    pending = status("pending")
    url = f"/admin/tickets/status/{pending.pk}/change/"
    response, data = _admin_form(client, url)
    body = response.content.decode()
    assert "Translations" in body and "Name (Italian)" in body
    assert data["translation__pt_br__name"] == "Pendente"
    data.update(
        {
            "translation__pt_br__name": "Aguardando",
            "translation__it__name": "",
            # the inline of transitions, untouched
            "transitions-TOTAL_FORMS": "0",
            "transitions-INITIAL_FORMS": "0",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    pending.refresh_from_db()
    assert pending.translations == {"pt-br": {"name": "Aguardando"}}
    assert in_language("it", pending) == "Pending"


def test_admin_translates_custom_field_choices_and_refuses_unknown_values(client, admin_user):
    client.force_login(admin_user)
    field = CustomFieldDefinition.objects.create(
        key="os", label="Operating system", field_type=FieldType.CHOICE, choices=["win", "mac"]
    )
    url = f"/admin/tickets/customfielddefinition/{field.pk}/change/"
    _response, data = _admin_form(client, url)
    data["choices"] = '["win", "mac"]'
    data["translation__it__label"] = "Sistema operativo"
    data["translation__it__choices"] = "win = Windows\nlinux = Linux"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "“linux” is not one of the field&#x27;s choices." in response.content.decode()
    data["translation__it__choices"] = "win = Windows\nmac = Mac"
    response = client.post(url, data)
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.translations == {
        "it": {"label": "Sistema operativo", "choices": {"win": "Windows", "mac": "Mac"}}
    }


def test_renaming_a_parent_category_in_the_admin_renames_the_paths_below(client, admin_user):
    client.force_login(admin_user)
    hardware = Category.objects.create(name="Hardware")
    printer = Category.objects.create(name="Printer", parent=hardware)
    toner = Category.objects.create(name="Toner", parent=printer)
    url = f"/admin/tickets/category/{hardware.pk}/change/"
    _response, data = _admin_form(client, url)
    data["name"] = "Devices"
    assert client.post(url, data).status_code == 302
    toner.refresh_from_db()
    assert toner.path == "Devices / Printer / Toner"


def test_the_query_language_finds_configuration_by_its_name_in_any_language(team):
    from ticketdesk.search.filtering import apply_filters

    hardware = Category.objects.create(
        name="Hardware", translations={"it": {"name": "Dispositivi"}}
    )
    printer = Category.objects.create(
        name="Printer", parent=hardware, translations={"pt-br": {"name": "Impressora"}}
    )
    jammed = make_ticket(team=team, category=printer, subject="Jammed")
    make_ticket(team=team, subject="Other")
    actions.change_status(jammed, status("pending"), actor=None)
    question = TicketType.objects.get(key="question")
    asked = make_ticket(team=team, ticket_type=question, subject="How?")
    everything = Ticket.objects.all()

    def subjects(query):
        return sorted(apply_filters(everything, query, None).values_list("subject", flat=True))

    for query in ("status:pendente", 'status:"In attesa"', "status:pending", "status:Pending"):
        assert subjects(query) == ["Jammed"], query
    for query in ("category:dispositivi", "category:impressora", 'category:"Hardware / Printer"'):
        assert subjects(query) == ["Jammed"], query
    assert subjects("type:dúvida") == subjects("type:question") == [asked.subject]
