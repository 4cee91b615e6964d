from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_ticket
from tests.reports.conftest import T0
from ticketdesk.reports.models import TicketFact
from ticketdesk.reports.percentiles import percentiles

pytestmark = pytest.mark.django_db


@pytest.fixture
def facts_one_to_ten(team):
    """Ten facts with first responses of 10..100 minutes, one merged duplicate (9999)."""
    tickets = [make_ticket(team=team) for _ in range(11)]
    TicketFact.objects.all().delete()
    TicketFact.objects.bulk_create(
        [
            TicketFact(
                ticket=ticket,
                number=ticket.number,
                team_id=team.pk,
                created_at=T0,
                created_date=T0.date(),
                created_hour=T0,
                first_response_seconds=9999 if i == 10 else (i + 1) * 600,
                merged=i == 10,
                computed_at=T0,
            )
            for i, ticket in enumerate(tickets)
        ]
    )


@pytest.mark.parametrize("index", [None, "fact_first_response"])
def test_percentiles_match_percentile_cont(facts_one_to_ten, index):
    qs = TicketFact.objects.filter(merged=False, created_date__range=(T0.date(), T0.date()))
    # percentile_cont over 600..6000: median 3300, p90 = 5400 + 0.1 * 600
    assert percentiles(qs, "first_response_seconds", (0.5, 0.9, 0.0, 1.0), index=index) == [
        3300.0,
        5460.0,
        600.0,
        6000.0,
    ]
    empty = qs.filter(created_date=T0.date() + dt.timedelta(days=1))
    assert percentiles(empty, "first_response_seconds", (0.5,), index=index) == [None]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40),
    fraction=st.sampled_from([0.0, 0.25, 0.5, 0.9, 0.99, 1.0]),
)
def test_percentiles_equal_the_definition(facts_one_to_ten, values, fraction):
    """Any values (duplicates, one row, ties at the rank): the same as by hand."""
    facts = list(TicketFact.objects.order_by("pk"))
    TicketFact.objects.update(first_response_seconds=None, merged=False)
    chosen = facts[: len(values)] if len(values) <= len(facts) else facts
    values = values[: len(chosen)]
    for fact, value in zip(chosen, values, strict=True):
        TicketFact.objects.filter(pk=fact.pk).update(first_response_seconds=value)
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = ordered[min(low + 1, len(ordered) - 1)]
    expected = ordered[low] + (high - ordered[low]) * (rank - low)
    (result,) = percentiles(TicketFact.objects.all(), "first_response_seconds", (fraction,))
    assert result == pytest.approx(expected)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pairs=st.lists(
        st.tuples(
            st.none() | st.integers(min_value=0, max_value=10**5),
            st.none() | st.integers(min_value=0, max_value=10**5),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_several_columns_at_once_equal_one_at_a_time(facts_one_to_ten, pairs):
    """Two columns with NULLs in different rows: one windowed query gives what two do."""
    from ticketdesk.reports.percentiles import percentiles_of

    facts = list(TicketFact.objects.order_by("pk"))
    TicketFact.objects.update(
        first_response_seconds=None, first_response_business_seconds=None, merged=False
    )
    for fact, (clock_value, business) in zip(facts, pairs, strict=False):
        TicketFact.objects.filter(pk=fact.pk).update(
            first_response_seconds=clock_value, first_response_business_seconds=business
        )
    fractions = (0.5, 0.9)
    qs = TicketFact.objects.all()
    together = percentiles_of(
        qs,
        {"first_response_seconds": fractions, "first_response_business_seconds": fractions},
    )
    for column in ("first_response_seconds", "first_response_business_seconds"):
        assert together[column] == pytest.approx(percentiles(qs, column, fractions))
