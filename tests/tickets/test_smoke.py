from tests.factories import make_ticket, resolution, status
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import EventKind


def test_open_reply_resolve(agent, team):
    ticket = make_ticket(team=team)
    assert ticket.number >= 1000
    assert ticket.status.key == "new"
    actions.reply(ticket, actor=agent, body="On it.")
    ticket.refresh_from_db()
    assert ticket.status.key == "open"
    assert ticket.first_response_at is not None
    actions.change_status(ticket, status("resolved"), actor=agent, resolution=resolution(ticket))
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[0] == EventKind.CREATED
    assert EventKind.MESSAGE_ADDED in kinds
