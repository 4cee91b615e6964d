"""The ticket write path: each action validates, writes in one transaction, records events
and publishes to the outbox; failures leave nothing half written."""

from __future__ import annotations

import pytest

from tests.factories import ContactFactory, TeamFactory, make_agent, make_ticket, resolution, status
from ticketdesk.core.errors import (
    Conflict,
    InvalidTransition,
    PermissionDenied,
    TooLarge,
    ValidationFailed,
)
from ticketdesk.core.models import OutboxMessage
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import (
    Attachment,
    Channel,
    CustomFieldDefinition,
    EventKind,
    FieldType,
    Level,
    LinkKind,
    Message,
    MessageKind,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketType,
)

pytestmark = pytest.mark.django_db


def test_open_ticket_records_event_message_and_outbox(team):
    contact = ContactFactory()
    ticket = make_ticket(team=team, requester=contact, tags=["VPN", " vpn ", "Network"])
    assert ticket.status.key == "new"
    assert ticket.status_category == "new"
    assert ticket.priority == Level.MEDIUM  # medium x medium
    assert ticket.display_number == f"#{ticket.number}"
    assert ticket.subject_token == f"[#{ticket.number}]"
    message = ticket.messages.get()
    assert message.kind == MessageKind.PUBLIC
    assert message.author_contact == contact
    assert message.is_customer_message
    event = ticket.events.get()
    assert event.kind == EventKind.CREATED
    assert event.data["version"] == 1
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["network", "vpn"]
    assert OutboxMessage.objects.filter(topic="ticket.created", ticket_id=ticket.pk).count() == 1


def test_numbers_are_sequential(team):
    numbers = [make_ticket(team=team).number for _ in range(5)]
    assert numbers == list(range(numbers[0], numbers[0] + 5))


def test_failed_open_leaves_nothing_and_gives_the_number_back(team, settings):
    first = make_ticket(team=team)
    settings.TICKETDESK = {**settings.TICKETDESK, "MAX_ATTACHMENT_BYTES": 10}
    before = (Ticket.objects.count(), Message.objects.count(), TicketEvent.objects.count())
    with pytest.raises(TooLarge):
        make_ticket(
            team=team, attachments=[actions.AttachmentInput(name="big.bin", content=b"x" * 11)]
        )
    assert (Ticket.objects.count(), Message.objects.count(), TicketEvent.objects.count()) == before
    assert make_ticket(team=team).number == first.number + 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"subject": "   "}, "subject"),
        ({"channel": "pigeon"}, "channel"),
        ({"urgency": 9}, "urgency"),
        ({"impact": 0}, "impact"),
    ],
)
def test_open_ticket_rejects_bad_fields(team, kwargs, field):
    with pytest.raises(ValidationFailed) as info:
        make_ticket(team=team, **kwargs)
    assert field in info.value.fields
    assert Ticket.objects.count() == 0


def test_priority_from_matrix_and_override(agent, team):
    ticket = make_ticket(team=team, urgency=Level.HIGH, impact=Level.CRITICAL)
    assert ticket.priority == Level.CRITICAL
    ticket = actions.set_fields(ticket, actor=agent, urgency=Level.LOW, impact=Level.LOW)
    assert ticket.priority == Level.LOW
    ticket = actions.set_fields(ticket, actor=agent, priority=Level.MEDIUM)
    assert ticket.priority_overridden
    ticket = actions.set_fields(ticket, actor=agent, urgency=Level.CRITICAL)
    assert ticket.priority == Level.MEDIUM  # the override holds
    override = ticket.events.filter(field="priority").order_by("id")
    assert override.last().data.get("override") is True
    ticket = actions.set_fields(ticket, actor=agent, priority=None)
    assert not ticket.priority_overridden
    assert ticket.priority == Level.HIGH  # critical urgency x low impact


def test_matrix_is_configurable(team):
    from ticketdesk.tickets.models import PriorityRule

    PriorityRule.objects.filter(urgency=Level.LOW, impact=Level.LOW).update(priority=Level.CRITICAL)
    ticket = make_ticket(team=team, urgency=Level.LOW, impact=Level.LOW)
    assert ticket.priority == Level.CRITICAL


def test_stale_version_raises_conflict_with_the_other_change(agent, team):
    ticket = make_ticket(team=team)
    seen = ticket.version
    actions.set_fields(ticket, actor=agent, subject="Changed by someone else")
    with pytest.raises(Conflict) as info:
        actions.set_fields(ticket, actor=agent, expected_version=seen, subject="Mine")
    assert info.value.status_code == 409
    assert info.value.extra["current_version"] == seen + 1
    assert info.value.extra["changes"][0]["field"] == "subject"
    ticket.refresh_from_db()
    assert ticket.subject == "Changed by someone else"


def test_version_increments_on_every_change(agent, team):
    ticket = make_ticket(team=team)
    v = ticket.version
    actions.reply(ticket, actor=agent, body="hi")
    actions.add_note(ticket, actor=agent, body="note")
    ticket.refresh_from_db()
    assert ticket.version == v + 2


def test_workflow_transitions(agent, team):
    ticket = make_ticket(team=team)
    actions.change_status(ticket, status("resolved"), actor=agent, resolution=resolution(ticket))
    actions.change_status(ticket, status("closed"), actor=agent)
    ticket.refresh_from_db()
    assert ticket.closed_at is not None
    with pytest.raises(InvalidTransition):
        actions.change_status(ticket, status("open"), actor=agent)  # closed is final


def test_reopen_is_a_transition_and_counts(agent, team):
    ticket = make_ticket(team=team)
    actions.change_status(ticket, status("resolved"), actor=agent, resolution=resolution(ticket))
    actions.change_status(ticket, status("open"), actor=agent)
    ticket.refresh_from_db()
    assert ticket.reopen_count == 1
    assert ticket.resolved_at is None
    event = ticket.events.filter(kind=EventKind.STATUS_CHANGED).last()
    assert event.data["reopened"] is True


def test_customer_reply_reopens_pending_ticket(agent, team):
    ticket = make_ticket(team=team)
    actions.reply(ticket, actor=agent, body="Need info", status=status("pending"))
    ticket.refresh_from_db()
    assert ticket.status.key == "pending"
    actions.reply(ticket, actor=None, author_contact=ticket.requester, body="Here", channel="email")
    ticket.refresh_from_db()
    assert ticket.status.key == "open"
    assert ticket.last_customer_message_at is not None


def test_assign_only_to_team_members(agent, team):
    other_team = TeamFactory()
    outsider = make_agent(other_team)
    ticket = make_ticket(team=team)
    with pytest.raises(ValidationFailed) as info:
        actions.assign(ticket, assignee=outsider, actor=agent)
    assert "assignee" in info.value.fields
    actions.assign(ticket, assignee=agent, actor=agent)
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert ticket.events.filter(kind=EventKind.ASSIGNED).count() == 1


def test_moving_team_drops_an_assignee_who_is_not_a_member(agent, team):
    ticket = make_ticket(team=team)
    actions.assign(ticket, assignee=agent, actor=agent)
    other = TeamFactory()
    admin = make_agent(None, role="admin")
    ticket = actions.set_fields(ticket, actor=admin, team=other)
    assert ticket.assignee is None


def test_unknown_field_is_rejected(agent, team):
    ticket = make_ticket(team=team)
    with pytest.raises(ValidationFailed) as info:
        actions.set_fields(ticket, actor=agent, number=1)
    assert "number" in info.value.fields


def test_light_agent_can_only_add_notes(team):
    light = make_agent(team, role="light_agent")
    ticket = make_ticket(team=team)
    actions.add_note(ticket, actor=light, body="seen")
    with pytest.raises(PermissionDenied):
        actions.reply(ticket, actor=light, body="hello")
    with pytest.raises(PermissionDenied):
        actions.set_fields(ticket, actor=light, subject="x")
    with pytest.raises(PermissionDenied):
        actions.change_status(ticket, status("resolved"), actor=light)


def test_agent_of_another_team_cannot_touch(team):
    ticket = make_ticket(team=team)
    stranger = make_agent(TeamFactory())
    with pytest.raises(PermissionDenied):
        actions.reply(ticket, actor=stranger, body="hi")
    assert ticket.messages.count() == 1


def test_customer_can_reply_and_close_but_not_edit(customer, team):
    user, contact = customer
    ticket = make_ticket(team=team, requester=contact)
    actions.reply(ticket, actor=user, body="more info")
    with pytest.raises(PermissionDenied):
        actions.set_fields(ticket, actor=user, subject="hijack")
    with pytest.raises(PermissionDenied):
        actions.add_note(ticket, actor=user, body="secret")
    actions.change_status(ticket, status("closed"), actor=user)
    ticket.refresh_from_db()
    assert ticket.status.key == "closed"


def test_customer_cannot_open_for_someone_else(customer):
    user, _contact = customer
    with pytest.raises(PermissionDenied):
        actions.open_ticket(
            requester=ContactFactory(), subject="x", channel=Channel.PORTAL, actor=user
        )


def test_empty_reply_is_rejected(agent, team):
    ticket = make_ticket(team=team)
    with pytest.raises(ValidationFailed) as info:
        actions.reply(ticket, actor=agent, body="  ")
    assert "body" in info.value.fields


def test_reply_html_is_sanitised(agent, team):
    ticket = make_ticket(team=team)
    message = actions.reply(
        ticket,
        actor=agent,
        body_html='<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:x">l</a></p>',
    )
    assert "script" not in message.body_html
    assert "onclick" not in message.body_html
    assert "javascript:" not in message.body_html
    assert "Hi" in message.body_html


def test_markdown_reply_is_rendered_and_sanitised(agent, team):
    ticket = make_ticket(team=team)
    message = actions.reply(ticket, actor=agent, body="**bold** <img src=x onerror=alert(1)>")
    assert "<strong>bold</strong>" in message.body_html
    assert "onerror" not in message.body_html


def test_attachments_are_stored_under_safe_names(agent, team):
    ticket = make_ticket(team=team)
    message = actions.reply(
        ticket,
        actor=agent,
        body="see file",
        attachments=[
            actions.AttachmentInput(
                name="../../etc/pass\x00wd\x07.png", content=b"\x89PNG\r\n\x1a\n" + b"0" * 20
            )
        ],
    )
    attachment = message.attachments.get()
    assert attachment.original_name == "passwd.png"
    assert "/" not in attachment.original_name and "\x00" not in attachment.original_name
    assert attachment.content_type == "image/png"
    assert ".." not in attachment.file.name
    assert attachment.file.read().startswith(b"\x89PNG")


def test_content_type_is_sniffed_not_trusted(agent, team):
    ticket = make_ticket(team=team)
    message = actions.reply(
        ticket,
        actor=agent,
        body="x",
        attachments=[
            actions.AttachmentInput(
                name="invoice.pdf", content=b"MZ\x90\x00 evil", content_type="application/pdf"
            )
        ],
    )
    assert message.attachments.get().content_type == "application/x-msdownload"


def test_oversized_attachment_on_reply_rolls_back(agent, team, settings):
    ticket = make_ticket(team=team)
    settings.TICKETDESK = {**settings.TICKETDESK, "MAX_ATTACHMENT_BYTES": 100}
    with pytest.raises(TooLarge):
        actions.reply(
            ticket,
            actor=agent,
            body="x",
            attachments=[actions.AttachmentInput(name="a.txt", content=b"a" * 101)],
        )
    assert ticket.messages.count() == 1
    assert Attachment.objects.count() == 0


def test_custom_fields_typed_and_required(agent, team):
    incident = TicketType.objects.get(key="incident")
    field = CustomFieldDefinition.objects.create(
        key="asset", label="Asset tag", field_type=FieldType.TEXT, required=True, pattern=r"A-\d+"
    )
    field.ticket_types.add(incident)
    CustomFieldDefinition.objects.create(
        key="users", label="Users affected", field_type=FieldType.NUMBER, min_value=1
    )
    CustomFieldDefinition.objects.create(
        key="os",
        label="OS",
        field_type=FieldType.CHOICE,
        choices=["linux", "windows"],
    )
    with pytest.raises(ValidationFailed) as info:
        make_ticket(team=team, ticket_type=incident, custom_field_values={"users": 0, "os": "bsd"})
    assert set(info.value.fields) == {
        "custom_fields.asset",
        "custom_fields.users",
        "custom_fields.os",
    }
    ticket = make_ticket(
        team=team,
        ticket_type=incident,
        custom_field_values={"asset": "A-42", "users": "3", "os": "linux"},
    )
    assert ticket.custom_fields == {"asset": "A-42", "users": 3, "os": "linux"}
    ticket = actions.set_fields(ticket, actor=agent, custom_fields={"users": 5})
    assert ticket.custom_fields["users"] == 5
    with pytest.raises(ValidationFailed):
        actions.set_fields(ticket, actor=agent, custom_fields={"asset": ""})
    with pytest.raises(ValidationFailed):
        actions.set_fields(ticket, actor=agent, custom_fields={"nope": 1})


def test_tags_add_remove_events(agent, team):
    ticket = make_ticket(team=team, tags=["a"])
    actions.set_tags(ticket, actor=agent, add=["B"], remove=["a"])
    assert list(ticket.tags.values_list("name", flat=True)) == ["b"]
    event = ticket.events.get(kind=EventKind.TAGS_CHANGED)
    assert event.old_value == ["a"] and event.new_value == ["b"]


def test_watchers_and_cc(agent, team):
    ticket = make_ticket(team=team)
    actions.add_watcher(ticket, agent, actor=agent)
    actions.add_watcher(ticket, agent, actor=agent)  # idempotent
    assert list(ticket.watchers.all()) == [agent]
    contact = ContactFactory()
    with pytest.raises(ValidationFailed):
        actions.add_watcher(ticket, contact.user or make_customer_user(), actor=agent)
    actions.add_cc(ticket, contact, actor=agent)
    assert list(ticket.cc.all()) == [contact]
    actions.remove_watcher(ticket, agent, actor=agent)
    assert ticket.watchers.count() == 0


def make_customer_user():
    from tests.factories import make_customer

    return make_customer()[0]


def test_merge_moves_messages_and_closes_source(agent, team):
    target = make_ticket(team=team, subject="VPN down")
    source = make_ticket(team=team, subject="VPN broken", tags=["vpn"])
    actions.reply(source, actor=agent, body="dup reply")
    actions.merge(source, target, actor=agent)
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.merged_into == target
    assert source.status_category == "closed"
    assert source.messages.count() == 0
    assert target.messages.count() == 3
    assert source.requester in target.cc.all()
    assert "vpn" in target.tags.values_list("name", flat=True)
    assert TicketLink.objects.filter(source=source, target=target, kind=LinkKind.DUPLICATE).exists()
    assert source.events.filter(kind=EventKind.MERGED_INTO).exists()
    assert target.events.filter(kind=EventKind.MERGED).exists()
    with pytest.raises(ValidationFailed):
        actions.merge(source, target, actor=agent)
    with pytest.raises(ValidationFailed):
        actions.merge(target, target, actor=agent)


def test_merge_needs_permission_on_both(agent, team):
    mine = make_ticket(team=team)
    theirs = make_ticket(team=TeamFactory())
    with pytest.raises(PermissionDenied):
        actions.merge(mine, theirs, actor=agent)
    mine.refresh_from_db()
    assert mine.merged_into is None


def test_split_moves_a_message_into_a_linked_ticket(agent, team):
    ticket = make_ticket(team=team, subject="Two problems")
    second = actions.reply(
        ticket, actor=None, author_contact=ticket.requester, body="Also my phone", channel="email"
    )
    new_ticket = actions.split(second, actor=agent, subject="Phone problem")
    second.refresh_from_db()
    assert second.ticket == new_ticket
    assert new_ticket.messages.count() == 1
    assert new_ticket.subject == "Phone problem"
    assert new_ticket.requester == ticket.requester
    assert TicketLink.objects.filter(source=new_ticket, target=ticket).exists()
    assert ticket.events.filter(kind=EventKind.SPLIT).exists()
    only = new_ticket.messages.get()
    with pytest.raises(ValidationFailed):
        actions.split(only, actor=agent)


def test_move_message(agent, team):
    a = make_ticket(team=team)
    b = make_ticket(team=team)
    msg = actions.reply(a, actor=None, author_contact=a.requester, body="wrong", channel="email")
    actions.move_message(msg, b, actor=agent)
    msg.refresh_from_db()
    assert msg.ticket == b
    assert a.events.filter(kind=EventKind.MESSAGE_MOVED).exists()
    assert b.events.filter(kind=EventKind.MESSAGE_MOVED).exists()


def test_links(agent, team):
    a = make_ticket(team=team)
    b = make_ticket(team=team)
    created = actions.link(a, b, LinkKind.PARENT, actor=agent)
    assert actions.link(a, b, LinkKind.PARENT, actor=agent) == created  # idempotent
    with pytest.raises(ValidationFailed):
        actions.link(a, a, LinkKind.RELATED, actor=agent)
    with pytest.raises(ValidationFailed):
        actions.link(a, b, "cousin", actor=agent)
    actions.unlink(created, actor=agent)
    assert not TicketLink.objects.exists()
    assert a.events.filter(kind=EventKind.UNLINKED).exists()
