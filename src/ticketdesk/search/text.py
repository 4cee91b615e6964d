"""Turning user input into search terms, and matched terms into safe highlighted HTML.

User text is never handed to a database query language: it is folded (lower case, accents
removed) and split into plain word tokens here; each backend then quotes every token itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Callable, Sequence
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
    about that many words around the first match, with '…' where text was cut. Only the words
    up to the window are split out (an article of thousands of words: its first match and a
    window's worth around it)."""
    text = unicodedata.normalize("NFC", text or "")
    known: dict[str, bool] = {}  # words repeat: fold and compare each distinct one once

    def is_match(span: tuple[int, int]) -> bool:
        token = text[span[0] : span[1]]
        found = known.get(token)
        if found is None:
            found = known[token] = _matches(token, terms)
        return found

    if max_words is None:
        spans = [match.span() for match in WORD.finditer(text)]
        begin, finish = 0, len(text)
    else:
        spans, begin, finish = _window(text, max_words, is_match)
    parts: list[str] = ["…"] if begin > 0 else []
    position = begin
    for span in spans:
        if is_match(span):
            start, end = span
            parts.append(escape(text[position:start]))
            parts.append(f"<mark>{escape(text[start:end])}</mark>")
            position = end
    parts.append(escape(text[position:finish]))
    if finish < len(text):
        parts.append("…")
    return "".join(parts).strip()


def _window(
    text: str, max_words: int, is_match: Callable[[tuple[int, int]], bool]
) -> tuple[list[tuple[int, int]], int, int]:
    """(the window's word spans, where it begins, where it ends): `max_words` words starting
    a quarter of the window before the first match (the first words when nothing matches),
    moved back when the text ends first; the whole text when it is that short."""
    found = WORD.finditer(text)
    before: deque[tuple[int, tuple[int, int]]] = deque(maxlen=max_words)  # (index, span)
    first: tuple[int, tuple[int, int]] | None = None
    for index, match in enumerate(found):
        if is_match(match.span()):
            first = (index, match.span())
            break
        before.append((index, match.span()))
    if first is None:  # nothing matched: the first words
        found = WORD.finditer(text)
        window = [(i, m.span()) for i, m in zip(range(max_words), found, strict=False)]
        first_word = 0
    else:
        first_word = max(0, first[0] - max_words // 4)
        window = [item for item in before if item[0] >= first_word] + [first]
        for index, match in zip(range(first[0] + 1, first_word + max_words), found, strict=False):
            window.append((index, match.span()))
    more_after = next(found, None) is not None
    if not more_after and len(window) < max_words and first is not None:
        # the text ended first: the window moves back over the words before it
        first_word = max(0, window[-1][0] + 1 - max_words)
        window = [item for item in before if first_word <= item[0] < window[0][0]] + window
    spans = [span for _index, span in window]
    begin = spans[0][0] if spans and window[0][0] > 0 else 0
    finish = spans[-1][1] if spans and more_after else len(text)
    return spans, begin, finish
