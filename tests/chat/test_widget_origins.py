"""The chat widget's allowed sites, set in Settings → Channels (stored in the database, the
environment variable still adding its own): validated as origins with a message per wrong
line, recorded in the change log, answered by the widget's CORS at once, and carried by the
configuration file."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse

from tests.factories import PASSWORD, make_agent
from ticketdesk.audit.models import AuditEntry
from ticketdesk.channels.chat.models import ChatWidgetSettings
from ticketdesk.channels.chat.origin_syntax import parse_origin
from ticketdesk.channels.chat.origins import origin_allowed
from ticketdesk.configuration.actions import import_configuration
from ticketdesk.configuration.document import export_data, export_text
from ticketdesk.configuration.plan import ConfigurationError

pytestmark = pytest.mark.django_db
URL = "/settings/channels/chat/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TICKETDESK_CHAT_ORIGINS = []


@pytest.fixture
def admin(client, team):
    user = make_agent(team, role="admin", username="boss")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("https://www.example.com", "https://www.example.com"),
        ("  HTTPS://Shop.Example.com/ ", "https://shop.example.com"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("https://example.com:443", "https://example.com"),
        ("http://192.168.1.20:81", "http://192.168.1.20:81"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_origins_are_written_as_browsers_send_them(text, origin):
    assert parse_origin(text) == origin


@pytest.mark.parametrize(
    "text",
    [
        "example.com",
        "www.example.com:80",
        "ftp://example.com",
        "https://",
        "https://user:pw@example.com",
        "https://example.com:99999",
        "https://exa mple.com",
        "*",
    ],
)
def test_what_is_not_an_origin_is_refused(text):
    with pytest.raises(ValueError, match=r"https://www\.example\.com"):
        parse_origin(text)


def test_a_path_is_refused_naming_the_site_to_give():
    with pytest.raises(ValueError, match=r"has a path: give only the site, such as https://a\.b"):
        parse_origin("https://a.b/shop/index.html")


def test_admin_allows_a_site_and_the_widget_answers_it(admin, client):
    shop = {"Origin": "https://shop.example.com"}
    assert client.get("/chat/w/config/", headers=shop).status_code == 403
    page = admin.get(URL)
    assert page.status_code == 200
    response = admin.post(
        URL, {"allowed_origins": "https://Shop.Example.com/\r\n\r\nhttp://localhost:8080\r\n"}
    )
    assert response.status_code == 302
    assert ChatWidgetSettings.current().allowed_origins == [
        "https://shop.example.com",
        "http://localhost:8080",
    ]
    answer = client.get("/chat/w/config/", headers=shop)
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == "https://shop.example.com"
    entry = AuditEntry.objects.get(action="config.chatwidgetsettings.updated")
    assert entry.actor_label == "boss" and entry.details["via"] == "settings"
    assert entry.details["changes"]["allowed_origins"] == [
        [],
        ["https://shop.example.com", "http://localhost:8080"],
    ]
    channels = admin.get(reverse("workspace:settings:channels")).content.decode()
    assert "https://shop.example.com" in channels and "http://localhost:8080" in channels


def test_wrong_lines_are_named_on_the_field_and_nothing_is_saved(admin):
    ChatWidgetSettings.objects.create(pk=1, allowed_origins=["https://kept.example.com"])
    response = admin.post(
        URL, {"allowed_origins": "https://ok.example.com\nshop.example.com\nhttps://a.b/path"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field-error"' in page
    assert "“shop.example.com” is not a site&#x27;s address" in page
    assert "“https://a.b/path” has a path" in page
    assert "https://ok.example.com" in page  # what was typed is shown again
    assert ChatWidgetSettings.current().allowed_origins == ["https://kept.example.com"]


def test_the_environment_variable_still_adds_sites(admin, settings):
    settings.TICKETDESK_CHAT_ORIGINS = ["https://env.example.com/"]
    ChatWidgetSettings.objects.create(pk=1, allowed_origins=["https://db.example.com"])
    assert origin_allowed("https://env.example.com")
    assert origin_allowed("https://db.example.com")
    assert origin_allowed(settings.SITE_URL.rstrip("/"))
    assert not origin_allowed("https://other.example.com")
    page = admin.get(URL).content.decode()
    assert "https://env.example.com" in page and "TICKETDESK_CHAT_ORIGINS" in page


@pytest.mark.parametrize("role", ["agent", "light_agent"])
def test_only_administrators_change_the_sites(client, team, role):
    user = make_agent(team, role=role, username=f"u-{role}")
    assert client.login(username=user.username, password=PASSWORD)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"allowed_origins": "https://x.example.com"}).status_code == 403
    assert ChatWidgetSettings.current().allowed_origins == []


def test_the_configuration_file_carries_the_sites():
    ChatWidgetSettings.objects.create(
        pk=1, allowed_origins=["https://shop.example.com", "http://localhost:8080"]
    )
    exported = export_text()
    assert yaml.safe_load(exported)["chat_widget"] == {
        "allowed_origins": ["https://shop.example.com", "http://localhost:8080"]
    }
    ChatWidgetSettings.objects.all().delete()
    import_configuration(exported, actor=None)
    assert ChatWidgetSettings.current().allowed_origins == [
        "https://shop.example.com",
        "http://localhost:8080",
    ]
    assert export_text() == exported


def test_a_file_with_a_wrong_site_is_refused_by_its_path():
    document = export_data()
    document["chat_widget"] = {"allowed_origins": ["https://ok.example.com", "shop.example.com"]}
    with pytest.raises(ConfigurationError) as raised:
        import_configuration(yaml.safe_dump(document), actor=None)
    assert raised.value.path.startswith("chat_widget")
    assert "shop.example.com" in raised.value.message
    assert ChatWidgetSettings.current().allowed_origins == []


@pytest.mark.parametrize(
    ("language", "saved", "wrong"),
    [
        ("pt-br", "Salvar os sites permitidos", "não é o endereço de um site"),
        ("it", "Salva i siti consentiti", "non è l&#x27;indirizzo di un sito"),
    ],
)
def test_the_page_and_its_errors_speak_the_admins_language(admin, language, saved, wrong):
    page = admin.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert saved in page and "Save the allowed sites" not in page
    assert "One per line" not in page and "this desk&#x27;s own address" not in page
    refused = admin.post(URL, {"allowed_origins": "example.com"}, HTTP_ACCEPT_LANGUAGE=language)
    assert wrong in refused.content.decode()
