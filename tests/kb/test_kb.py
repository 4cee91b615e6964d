from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_ticket
from tests.kb.helpers import make_article, make_section
from ticketdesk.core.errors import PermissionDenied
from ticketdesk.kb import actions, search
from ticketdesk.kb.models import (
    Article,
    ArticleFeedback,
    ArticleVersion,
    VersionState,
    Visibility,
)
from ticketdesk.tickets import actions as ticket_actions

pytestmark = pytest.mark.django_db


def test_draft_is_hidden_until_published_and_history_is_kept(client, agent):
    article = make_article("Reset your password", "Step one", publish=False, actor=agent)
    url = reverse("kb:article", args=[article.slug])
    assert client.get(url).status_code == 404
    actions.save_version(
        article,
        actor=agent,
        language="en",
        title="Reset your password",
        body_markdown="v2",
        publish=True,
    )
    response = client.get(url)
    assert response.status_code == 200 and "v2" in response.content.decode()
    actions.save_version(
        article, actor=agent, language="en", title="Reset your password", body_markdown="v3 draft"
    )
    assert "v3 draft" not in client.get(url).content.decode()  # drafts never leak
    versions = list(ArticleVersion.objects.filter(article=article).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert [v.state for v in versions] == ["draft", "published", "draft"]
    actions.publish_version(versions[0], actor=agent)  # restore an old version
    assert "Step one" in client.get(url).content.decode()


def test_markdown_is_sanitised_when_stored(client):
    article = make_article(
        "XSS", "Hello <script>alert(1)</script> **bold** [x](javascript:alert(1))"
    )
    translation = article.translations.get()
    assert "<script>" not in translation.body_html
    assert "javascript:" not in translation.body_html
    assert "<strong>bold</strong>" in translation.body_html


def test_translations_follow_the_reader_language(client, agent):
    article = make_article("Printer jam", "Open the tray.")
    actions.save_version(
        article,
        actor=agent,
        language="pt-br",
        title="Atolamento de papel",
        body_markdown="Abra a bandeja.",
        publish=True,
    )
    url = reverse("kb:article", args=[article.slug])
    assert "Open the tray." in client.get(url).content.decode()
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    assert "Abra a bandeja." in html
    assert 'hreflang="pt-br"' in html
    # no Italian text yet: English is shown
    assert "Open the tray." in client.get(url, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Abra a bandeja." in client.get(url + "?lang=pt-br").content.decode()


def test_search_ranks_highlights_and_respects_visibility(client, customer):
    make_article("VPN setup on Windows", "Install the VPN client, then sign in.")
    make_article("Email on the phone", "Add the account; VPN is not needed.")
    make_article("VPN secrets", "internal only", visibility=Visibility.INTERNAL)
    hits = search.search(customer[0], "vpn")
    titles = [h.translation.title for h in hits]
    assert titles[0] == "VPN setup on Windows"
    assert "VPN secrets" not in titles
    assert any("<mark>" in h.snippet for h in hits)
    html = client.get(reverse("kb:search"), {"q": "vpn client"}).content.decode()
    assert "<mark>" in html and "VPN setup on Windows" in html.replace("<mark>", "").replace(
        "</mark>", ""
    )


def test_feedback_counts_and_comment(client):
    article = make_article()
    url = reverse("kb:feedback", args=[article.slug])
    response = client.post(url, {"helpful": "no", "comment": "Step 3 is missing"})
    assert response.status_code == 302
    client.post(url, {"helpful": "yes"})
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count) == (1, 1)
    assert ArticleFeedback.objects.get(helpful=False).comment == "Step 3 is missing"
    htmx = client.post(url, {"helpful": "yes"}, HTTP_HX_REQUEST="true")
    assert "Thank you" in htmx.content.decode()


def test_printable_view_and_related_articles(client):
    section = make_section("Network")
    first = make_article("Wifi drops", "Move closer to the router.", section=section)
    make_article("Wifi password", "Ask reception.", section=section)
    html = client.get(reverse("kb:article", args=[first.slug])).content.decode()
    assert "Related articles" in html and "Wifi password" in html
    printable = client.get(reverse("kb:article_print", args=[first.slug]))
    assert printable.status_code == 200
    assert "Move closer to the router." in printable.content.decode()
    assert "portal-header" not in printable.content.decode()


def test_index_category_and_sitemap(client):
    article = make_article("Toner", "Replace the toner.")
    html = client.get(reverse("kb:index")).content.decode()
    assert "Toner" in html and "Hardware" in html
    html = client.get(reverse("kb:category", args=["hardware"])).content.decode()
    assert "Toner" in html
    xml = client.get(reverse("kb:sitemap"))
    assert xml["Content-Type"] == "application/xml"
    assert f"/kb/articles/{article.slug}/" in xml.content.decode()


def test_insert_link_fragment_for_agents(client, agent):
    make_article("Reset MFA", "Use the self-service page.")
    make_article("MFA internal bypass", "agents only", visibility=Visibility.INTERNAL)
    client.force_login(agent)
    html = client.get(reverse("kb:insert_link"), {"q": "mfa"}).content.decode()
    assert 'data-markdown="[Reset MFA](http://testserver/kb/articles/reset-mfa/)"' in html
    assert "bypass" not in html  # customers could not open it


def test_turn_a_reply_into_a_draft_article(client, agent, team):
    ticket = make_ticket(team=team, subject="Outlook keeps asking for a password")
    message = ticket_actions.reply(ticket, actor=agent, body="Remove the cached **credential**.")
    client.force_login(agent)
    response = client.post(reverse("kb:from_message", args=[message.pk]))
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("kb:edit", args=[article.pk])
    assert not article.is_published and article.visibility == Visibility.INTERNAL
    version = article.versions.get()
    assert version.state == VersionState.DRAFT and version.source_message == message
    assert version.title == "Outlook keeps asking for a password"
    assert "credential" in version.body_markdown


def test_draft_from_an_internal_note_is_refused(agent, team):
    ticket = make_ticket(team=team)
    note = ticket_actions.add_note(ticket, actor=agent, body="internal")
    with pytest.raises(PermissionDenied):
        actions.draft_from_message(note, actor=agent)


def test_editor_creates_edits_and_publishes(client, agent):
    section = make_section()
    client.force_login(agent)
    response = client.post(
        reverse("kb:new"),
        {
            "title": "Scanner to email",
            "language": "en",
            "section": section.pk,
            "visibility": "customers",
            "slug": "",
            "body_markdown": "Press *Scan*.",
            "publish": "0",
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302 and article.slug == "scanner-to-email"
    assert not article.is_published
    edit = reverse("kb:edit", args=[article.pk])
    assert "Press *Scan*." in client.get(edit).content.decode()
    client.post(
        edit,
        {
            "title": "Scanner para email",
            "language": "pt-br",
            "section": section.pk,
            "visibility": "customers",
            "slug": "scanner-to-email",
            "body_markdown": "Aperte *Scan*.",
            "publish": "1",
        },
    )
    article.refresh_from_db()
    assert article.is_published
    assert article.translations.get().language == "pt-br"
    missing = client.post(reverse("kb:new"), {"title": "", "language": "en"})
    assert missing.status_code == 200 and "This field is required." in missing.content.decode()


def test_customers_cannot_write(customer):
    with pytest.raises(PermissionDenied):
        make_article(actor=customer[0])


def test_kb_demo_command_is_idempotent(client):
    from django.core.management import call_command

    call_command("kb_demo")
    call_command("kb_demo")
    assert Article.objects.count() == 6
    html = client.get("/kb/articles/reset-your-password/", HTTP_ACCEPT_LANGUAGE="it")
    assert "Reimpostare la password" in html.content.decode()


def test_kb_pages_query_counts_are_bounded(client, django_assert_max_num_queries):
    for n in range(12):
        make_article(f"Article number {n}", "text", section=make_section(f"S{n % 3}"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("kb:index")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("kb:article", args=["article-number-1"])).status_code == 200


def test_topics_and_sections_are_named_in_the_readers_language(client):
    from tests.kb.helpers import make_article, make_section

    section = make_section("Printing", "Hardware")
    section.translations = {"it": {"name": "Stampa"}}
    section.save()
    category = section.category
    category.translations = {"it": {"name": "Dispositivi", "description": "Stampanti e PC"}}
    category.save()
    article = make_article()
    italian = {"Accept-Language": "it"}
    index = client.get("/kb/", headers=italian).content.decode()
    assert ">Dispositivi</a>" in index and "Stampanti e PC" in index and ">Stampa</h3>" in index
    page = client.get(f"/kb/categories/{category.slug}/", headers=italian).content.decode()
    assert "<h1>Dispositivi</h1>" in page
    crumbs = client.get(f"/kb/articles/{article.slug}/", headers=italian).content.decode()
    assert ">Dispositivi</a> › Stampa</p>" in crumbs
    assert ">Hardware</a>" in client.get("/kb/").content.decode()
    home = client.get("/portal/", headers=italian).content.decode()
    assert "<strong>Dispositivi</strong>" in home
