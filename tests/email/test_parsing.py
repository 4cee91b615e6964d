"""The parser on hostile input: it returns a result or refuses with UnusableMessage, nothing
else (hypothesis), and bodies keep the quoted history collapsible."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketdesk.channels.email.bodies import split_text
from ticketdesk.channels.email.parsing import UnusableMessage, content_hash, parse

HEADER_NAMES = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Return-Path",
    "Auto-Submitted",
    "MIME-Version",
]
VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            'multipart/mixed; boundary="b"',
            "multipart/alternative; boundary=b",
            "text/plain; charset=x-bogus",
            "text/html; charset=utf-16",
            "message/rfc822",
            "base64",
            "quoted-printable",
            "attachment; filename*=UTF-8''%FF%FE",
            "=?utf-8?b?////?=",
            "<a@b> <c@d",
            'a@b, "x" <y@z>',
            "multipart/report; report-type=delivery-status",
        ]
    ),
)


@st.composite
def messages(draw):
    headers = draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), VALUES), max_size=10))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("utf-8", "replace")
    body = draw(
        st.one_of(
            st.binary(max_size=400),
            st.just(b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n"),
            st.just(b"--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: x\r\n\r\n--b--"),
        )
    )
    return head + b"\r\n" + body


@settings(max_examples=150, deadline=None)
@given(messages())
def test_parse_never_raises_anything_but_unusable(raw):
    try:
        parsed = parse(raw)
    except UnusableMessage:
        return
    assert "@" in parsed.from_address
    assert isinstance(parsed.body_html, str) and isinstance(parsed.body_text, str)
    assert "<script" not in parsed.body_html.lower()
    assert len(content_hash(raw)) == 64


def test_inline_replies_are_not_collapsed():
    text = "> question one\nanswer one\n> question two\nanswer two"
    assert split_text(text) == (text, "", "")


def test_outlook_original_message_is_collapsed():
    main, _signature, quoted = split_text("Done.\n\n-----Original Message-----\nFrom: x\nold")
    assert main == "Done."
    assert quoted.startswith("-----Original Message-----")


@pytest.mark.parametrize("name", ["From", "from", "FROM"])
def test_header_names_are_case_insensitive(name):
    assert parse(f"{name}: a@example.org\r\n\r\nx".encode()).from_address == "a@example.org"


def test_encoded_display_name_with_a_comma_and_raw_utf8_subject():
    raw = (
        b"From: =?utf-8?q?Silva=2C_Maria?= <maria@example.org>\r\n"
        b'Cc: "Rossi, Luca" <luca@example.it>, giulia@example.it\r\n'
        + "Subject: Olá, não funciona\r\n\r\nx".encode()
    )
    parsed = parse(raw)
    assert (parsed.from_name, parsed.from_address) == ("Silva, Maria", "maria@example.org")
    assert parsed.cc == [("Rossi, Luca", "luca@example.it"), ("", "giulia@example.it")]
    assert parsed.subject == "Olá, não funciona"
