"""Generic documents (used by the knowledge base): ranking, restriction, safe snippets."""

from __future__ import annotations

import pytest

from ticketdesk.search import backend

pytestmark = pytest.mark.django_db

KIND = "test.article"


@pytest.fixture
def articles():
    backend.index_document(
        KIND,
        1,
        title="Reset your VPN password",
        body="Open the portal, choose <b>Security</b> and click reset. "
        + "filler " * 80
        + "The VPN client then asks for the new password.",
        language="en",
    )
    backend.index_document(
        KIND,
        2,
        title="Configurar a impressora",
        body="Para configurar a impressora, abra o painel de controle. Não use o VPN.",
        language="pt-br",
    )
    backend.index_document(
        KIND,
        3,
        title="Come configurare la posta",
        body="Perché la posta non arriva? Controlla la <script>alert(1)</script> cartella.",
        language="it",
    )
    backend.index_document("other.kind", 1, title="VPN elsewhere", body="vpn vpn vpn")


def ids(hits):
    return [hit.object_id for hit in hits]


def test_matches_and_ranks_title_first(articles):
    hits = backend.search_documents(KIND, "vpn")
    assert ids(hits) == [1, 2]
    assert hits[0].rank >= hits[1].rank > 0


def test_accents_and_prefix(articles):
    assert ids(backend.search_documents(KIND, "nao use")) == [2]
    assert ids(backend.search_documents(KIND, "perche")) == [3]
    assert ids(backend.search_documents(KIND, "configur")) in ([2, 3], [3, 2])


def test_highlight_is_escaped(articles):
    (hit,) = backend.search_documents(KIND, "posta cartella")
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<mark>cartella</mark>" in hit.snippet_html
    assert hit.title_html == "Come configurare la <mark>posta</mark>"
    (hit,) = backend.search_documents(KIND, "security")
    assert "&lt;b&gt;<mark>Security</mark>&lt;/b&gt;" in hit.snippet_html


def test_snippet_is_a_window_around_the_match(articles):
    (hit,) = backend.search_documents(KIND, "client asks")
    assert hit.snippet_html.startswith("…")
    assert "<mark>client</mark>" in hit.snippet_html
    assert len(hit.snippet_html) < 400


def test_restrict_to_object_ids_and_limit(articles):
    assert ids(backend.search_documents(KIND, "vpn", object_ids=[2, 3])) == [2]
    assert backend.search_documents(KIND, "vpn", object_ids=[]) == []
    assert len(backend.search_documents(KIND, "vpn", limit=1)) == 1
    from ticketdesk.search.models import SearchDocument

    restricted = SearchDocument.objects.filter(object_id=2).values_list("object_id", flat=True)
    assert ids(backend.search_documents(KIND, "vpn", object_ids=restricted)) == [2]


def test_update_and_remove(articles):
    backend.index_document(KIND, 2, title="Printer setup", body="Nothing about networks.")
    assert ids(backend.search_documents(KIND, "vpn")) == [1]
    assert ids(backend.search_documents(KIND, "printer")) == [2]
    backend.remove_document(KIND, 1)
    assert backend.search_documents(KIND, "vpn") == []


def test_hostile_input(articles):
    for text in ['"', "*", "NEAR(a b)", "-vpn", "vpn*", "{title}: vpn", "", "\\", "x" * 9000]:
        hits = backend.search_documents(KIND, text)
        assert all(hit.object_id in (1, 2, 3) for hit in hits), text


def test_many_matches_rank_title_matches_first_and_prefix_still_matches(monkeypatch):
    """Above `CANDIDATES` matches only a bounded set is ranked (issue 20): the best title
    matches are always in it, however many newer documents mention the word in passing."""
    monkeypatch.setattr(backend, "CANDIDATES", 3)
    backend.index_document(KIND, 1, title="Printer troubleshooting", body="Paper jams.")
    for number in range(2, 14):
        backend.index_document(
            KIND, number, title=f"Note {number}", body="Unrelated text; the printer is fine."
        )
    backend.index_document(KIND, 14, title="Cafeteria menu", body="Nothing here.")
    hits = backend.search_documents(KIND, "printer", limit=5)
    assert hits[0].object_id == 1
    assert len(hits) == 5 and 14 not in ids(hits)
    assert backend.search_documents(KIND, "print", limit=5)[0].object_id == 1  # typed prefix
    # restricted to what the caller may see: the title match hidden, others fill the page
    visible = backend.search_documents(KIND, "printer", limit=5, object_ids=range(2, 15))
    assert len(visible) == 5 and 1 not in ids(visible)
    assert backend.search_documents(KIND, "printer", language="it") == []
