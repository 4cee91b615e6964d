"""Building knowledge base content in tests (through kb.actions, like the editor does)."""

from __future__ import annotations

from typing import Any

from ticketdesk.kb import actions
from ticketdesk.kb.models import Article, KbCategory, Section, Visibility


def make_section(name: str = "Printing", category: str = "Hardware") -> Section:
    cat, _ = KbCategory.objects.get_or_create(slug=category.lower(), defaults={"name": category})
    section, _ = Section.objects.get_or_create(
        category=cat, slug=name.lower(), defaults={"name": name}
    )
    return section


def make_article(
    title: str = "How to fix a printer paper jam",
    body: str = "Open the **front tray** and pull the paper out gently.",
    *,
    visibility: str = Visibility.PUBLIC,
    section: Section | None = None,
    publish: bool = True,
    language: str = "en",
    actor: Any = None,
) -> Article:
    return actions.create_article(
        actor=actor,
        section=section or make_section(),
        title=title,
        body_markdown=body,
        language=language,
        visibility=visibility,
        publish=publish,
    )
