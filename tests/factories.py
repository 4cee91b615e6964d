"""factory-boy factories and helpers shared by every test module."""

from __future__ import annotations

from typing import Any

import factory

from ticketdesk.accounts.models import Contact, Organization, Role, Team, TeamMembership, User
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Channel, Status, Ticket

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.AGENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def teams(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            for team in extracted:
                TeamMembership.objects.create(team=team, user=self)
        if create:
            self.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"customer{n}@example.org")
    name = factory.Faker("name")


def make_agent(team: Team | None = None, role: str = Role.AGENT, **kwargs: Any) -> User:
    return UserFactory(role=role, teams=[team] if team else [], **kwargs)


def make_customer(**kwargs: Any) -> tuple[User, Contact]:
    user = UserFactory(role=Role.CUSTOMER, **kwargs)
    contact = ContactFactory(email=user.email, user=user)
    return user, contact


def make_ticket(
    *,
    team: Team | None = None,
    requester: Contact | None = None,
    subject: str = "Printer on fire",
    body: str = "It is really on fire.",
    channel: str = Channel.EMAIL,
    **kwargs: Any,
) -> Ticket:
    return actions.open_ticket(
        requester=requester or ContactFactory(),
        subject=subject,
        body=body,
        channel=channel,
        actor=None,
        team=team,
        **kwargs,
    )


def status(key: str) -> Status:
    return Status.objects.get(key=key)


def resolution(ticket: Ticket, summary: str = "Fixed and tested.") -> Any:
    """What an agent gives when resolving: a summary and every required checklist item."""
    from ticketdesk.tickets.resolution import Resolution, steps_for

    ticket.refresh_from_db(fields=["ticket_type"])
    answers = {
        step.key: ("Quality desk" if step.kind == "text" else True)
        for step in steps_for(ticket.ticket_type_id)
        if step.required
    }
    return Resolution(summary=summary, verification=answers)
