import datetime as dt

import pytest

from tests.factories import ContactFactory, TeamFactory, make_ticket, status
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.search.filtering import apply_filters, parse_query
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Channel, Ticket


def test_parse_terms_phrases_and_words():
    parsed = parse_query(
        'status:open,pending priority:high -tag:spam team:"IT Support" "exact phrase" vpn down'
    )
    assert [(t.key, t.values, t.negated) for t in parsed.terms] == [
        ("status", ("open", "pending"), False),
        ("priority", ("high",), False),
        ("tag", ("spam",), True),
        ("team", ("IT Support",), False),
    ]
    assert parsed.phrases == ["exact phrase"]
    assert parsed.words == ["vpn", "down"]
    assert parsed.text == '"exact phrase" vpn down'


def test_unknown_key_is_named():
    with pytest.raises(ValidationFailed) as err:
        parse_query("colour:red")
    assert "colour" in err.value.message
    assert err.value.as_dict()["key"] == "colour"


def test_empty_value_is_an_error():
    with pytest.raises(ValidationFailed):
        parse_query("status:")


@pytest.mark.django_db
def test_apply_filters_on_fields(agent, team):
    other_team = TeamFactory(name="Facilities")
    ana_req = ContactFactory(email="ana@example.org", name="Ana Lima")
    t1 = make_ticket(team=team, requester=ana_req, tags=["vpn"], urgency=3, impact=3)
    t2 = make_ticket(team=other_team, channel=Channel.PHONE)
    t3 = make_ticket(team=team)
    actions.assign(t3, assignee=agent, actor=None)
    actions.change_status(t2, status("open"), actor=None)
    qs = Ticket.objects.all()

    def numbers(q):
        return set(apply_filters(qs, q, agent).values_list("number", flat=True))

    assert numbers("tag:vpn") == {t1.number}
    assert numbers("-tag:vpn") == {t2.number, t3.number}
    assert numbers('team:"IT Support"') == {t1.number, t3.number}
    assert numbers("team:facilities") == {t2.number}
    assert numbers("assignee:me") == {t3.number}
    assert numbers("assignee:none") == {t1.number, t2.number}
    # assigning the new t3 moved it to "In progress", an open-category status
    assert numbers("status:open") == {t2.number, t3.number}
    assert numbers("status:in-progress") == {t3.number}
    assert numbers("status:new,open") == {t1.number, t2.number, t3.number}
    assert numbers("channel:phone") == {t2.number}
    assert numbers("requester:ana@example.org") == {t1.number}
    assert numbers("priority:>=high") == {t1.number}
    assert numbers("priority:medium") == {t2.number, t3.number}
    today = t1.created_at.date()
    assert numbers(f"created:{today.isoformat()}") == {t1.number, t2.number, t3.number}
    assert numbers(f"created:>{today.isoformat()}") == set()
    assert numbers(f"created:<{(today + dt.timedelta(days=1)).isoformat()}") == {
        t1.number,
        t2.number,
        t3.number,
    }
    assert numbers("is:unassigned type:none") == {t1.number, t2.number}
    with pytest.raises(ValidationFailed):
        numbers("channel:pigeon")
    with pytest.raises(ValidationFailed):
        numbers("priority:huge")
    with pytest.raises(ValidationFailed):
        numbers("created:yesterday")


@pytest.mark.django_db
def test_free_text_goes_to_search_backend(agent, team):
    pytest.importorskip("ticketdesk.search.backend")
    t1 = make_ticket(team=team, subject="VPN keeps dropping")
    make_ticket(team=team, subject="Printer jam")
    from ticketdesk.core import outbox

    outbox.process_pending()
    found = apply_filters(Ticket.objects.all(), "vpn", agent)
    assert list(found.values_list("number", flat=True)) == [t1.number]


@pytest.mark.django_db
def test_words_only_in_internal_notes_do_not_match_for_customers(agent, team, customer):
    from ticketdesk.accounts import policy
    from ticketdesk.core import outbox
    from ticketdesk.search.filtering import apply_filters
    from ticketdesk.tickets import actions

    user, contact = customer
    ticket = make_ticket(team=team, requester=contact, subject="Printer jam")
    actions.add_note(ticket, actor=agent, body="suspect zebracode firmware")
    outbox.process_pending()  # index the ticket
    for_agent = apply_filters(policy.visible_tickets(agent), "zebracode", agent)
    for_customer = apply_filters(policy.visible_tickets(user), "zebracode", user)
    assert list(for_agent) == [ticket]
    assert list(for_customer) == []
    assert list(apply_filters(policy.visible_tickets(user), "printer", user)) == [ticket]
