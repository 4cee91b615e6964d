"""Turning user input into search terms, and matched terms into safe highlighted HTML.

User text is never handed to a database query language: it is folded (lower case, accents
removed) and split into plain word tokens here; each backend then quotes every token itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape

WORD = re.compile(r"[^\W_]+")
COMBINING_DIACRITICS = re.compile("[\u0300-\u036f]+")
MAX_QUERY_CHARS = 500
MAX_TERMS = 12
MAX_WORD_CHARS = 64


def fold(value: str) -> str:
    """Lower case without accents: 'Não É' → 'nao e'. The same steps as the PostgreSQL
    function `ticketdesk_search_fold` (NFKD, drop combining diacritical marks, lower)."""
    return COMBINING_DIACRITICS.sub("", unicodedata.normalize("NFKD", value)).lower()


def words(value: str) -> list[str]:
    return [word[:MAX_WORD_CHARS] for word in WORD.findall(fold(value))]


@dataclass(frozen=True)
class Term:
    """One word (or a quoted phrase of several words); `prefix` marks the last word being
    typed, matched as a prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


def parse_query(text: str) -> list[Term]:
    """Plain words and "quoted phrases"; every term must match. Operators of any query
    language (AND, OR, NEAR, -, *, :) are just words or ignored punctuation."""
    text = (text or "")[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    segments = text.split('"')
    for index, segment in enumerate(segments):
        tokens = words(segment)
        if not tokens:
            continue
        if index % 2 == 1:  # inside quotes
            terms.append(Term(tuple(tokens)))
        else:
            terms.extend(Term((token,)) for token in tokens)
    unique: list[Term] = []
    for term in terms:
        if term not in unique:
            unique.append(term)
    unique = unique[:MAX_TERMS]
    last_segment_is_plain = len(segments) % 2 == 1
    if (
        unique
        and last_segment_is_plain
        and not unique[-1].is_phrase
        and text[-1:].isalnum()
        and words(segments[-1])[-1:] == list(unique[-1].words)
    ):
        unique[-1] = Term(unique[-1].words, prefix=True)
    return unique


def _matches(token: str, terms: Sequence[Term]) -> bool:
    folded = fold(token)
    for term in terms:
        for word in term.words:
            if folded == word or (term.prefix and folded.startswith(word)):
                return True
    return False


def highlight(text: str, terms: Sequence[Term], *, max_words: int | None = None) -> str:
    """HTML-escaped `text` with matched words wrapped in <mark>. With `max_words`, a window of
    about that many words around the first match, with '…' where text was cut."""
    text = unicodedata.normalize("NFC", text or "")
    spans = [match.span() for match in WORD.finditer(text)]
    known: dict[str, bool] = {}  # words repeat: fold and compare each distinct one once

    def is_match(index: int) -> bool:
        start, end = spans[index]
        token = text[start:end]
        found = known.get(token)
        if found is None:
            found = known[token] = _matches(token, terms)
        return found

    first_word, last_word = 0, len(spans) - 1
    begin, finish = 0, len(text)
    if max_words is not None and len(spans) > max_words:
        first = next((i for i in range(len(spans)) if is_match(i)), 0)
        first_word = max(0, min(first - max_words // 4, len(spans) - max_words))
        last_word = first_word + max_words - 1
        begin = spans[first_word][0] if first_word > 0 else 0
        finish = spans[last_word][1] if last_word < len(spans) - 1 else len(text)
    parts: list[str] = ["…"] if begin > 0 else []
    position = begin
    for index in range(first_word, last_word + 1):
        if is_match(index):
            start, end = spans[index]
            parts.append(escape(text[position:start]))
            parts.append(f"<mark>{escape(text[start:end])}</mark>")
            position = end
    parts.append(escape(text[position:finish]))
    if finish < len(text):
        parts.append("…")
    return "".join(parts).strip()
