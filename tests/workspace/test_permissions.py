"""The workspace asks the policy once per ticket page (policy.ticket_permissions); it must
answer exactly what `can` answers, for every role."""

import pytest

from tests.factories import TeamFactory, make_agent, make_ticket
from ticketdesk.accounts import policy

pytestmark = pytest.mark.django_db

VERBS = [*sorted(policy.TICKET_VERBS), policy.ADMINISTER]


def test_ticket_permissions_match_can(team, agent, admin_user, customer):
    light = make_agent(team, role="light_agent", username="lee")
    outsider = make_agent(TeamFactory(), username="out")
    user, contact = customer
    own = make_ticket(team=team, requester=contact)
    other = make_ticket(team=TeamFactory())
    for person in (agent, admin_user, light, outsider, user):
        for ticket in (own, other):
            expected = {verb: policy.can(person, verb, ticket) for verb in VERBS}
            assert policy.ticket_permissions(person, ticket, VERBS) == {
                **expected,
                policy.ADMINISTER: False,  # not a ticket verb
            }, (person.username, ticket.number)
