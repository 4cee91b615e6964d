"""Settings → Agents: invite by email (the link sets a password and signs in), change a role,
switch an account off (no sign-in, not assignable, routing skips them; tickets stay), and the
last active administrator is kept."""

import re

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from tests.factories import PASSWORD, make_agent, make_ticket
from ticketdesk.accounts import agent_actions, policy
from ticketdesk.accounts.models import AssignmentStrategy, Role, TeamMembership, User
from ticketdesk.audit.models import AuditEntry
from ticketdesk.core import outbox
from ticketdesk.core.errors import PermissionDenied, ValidationFailed
from ticketdesk.core.models import OutgoingMail
from ticketdesk.routing import engine

pytestmark = pytest.mark.django_db


@pytest.fixture
def root():
    return make_agent(None, role="admin", username="boss", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("name", ["agents", "agent_invite"])
@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("agent", 403), ("light_agent", 403)]
)
def test_pages_by_role(as_role, name, role, expected):
    assert as_role(role).get(reverse(f"workspace:settings:{name}")).status_code == expected


def test_agents_cannot_invite(team):
    agent = make_agent(team)
    with pytest.raises(PermissionDenied):
        agent_actions.invite_agent(actor=agent, email="x@example.org", first_name="X")


def invitation_path(address: str) -> str:
    outbox.process_pending()
    (sent,) = [m for m in django_mail.outbox if address in m.to]
    return re.search(r"https?://[^/\s]+(/accounts/invitation/\S+/)", sent.body).group(1)


def test_an_invited_agent_sets_a_password_and_lands_in_the_workspace(as_role, client, team):
    admin = as_role("admin")
    response = admin.post(
        reverse("workspace:settings:agent_invite"),
        {"first_name": "Ana", "last_name": "Souza", "email": "Ana@Example.org",
         "role": "agent", "teams": [team.pk], "language": "pt-br"},
    )  # fmt: skip
    assert response.status_code == 302
    ana = User.objects.get(email="Ana@example.org")
    assert ana.role == Role.AGENT and not ana.has_usable_password()
    assert TeamMembership.objects.filter(user=ana, team=team).exists()
    assert OutgoingMail.objects.filter(purpose="invitation", to=["Ana@example.org"]).exists()
    assert AuditEntry.objects.filter(action="user.created", target_id=str(ana.pk)).exists()
    path = invitation_path("Ana@example.org")
    client.logout()
    page = client.get(path, follow=True)  # Django moves the token into the session
    assert page.status_code == 200
    assert page.context["form"] is not None  # the link is valid
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "a long new pass 42", "new_password2": "a long new pass 42"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("workspace:home")
    assert response.context["user"] == ana
    ana.refresh_from_db()
    assert ana.check_password("a long new pass 42")
    assert not agent_actions.is_invited(ana)
    client.logout()
    assert client.get(path, follow=True).context.get("validlink") is False  # used once


def test_inviting_an_address_already_in_use_is_refused(root):
    make_agent(None, username="bo", email="bo@example.org")
    with pytest.raises(ValidationFailed) as raised:
        agent_actions.invite_agent(actor=root, email="BO@example.org", first_name="Bo")
    assert "email" in raised.value.fields
    with pytest.raises(ValidationFailed) as raised:
        agent_actions.invite_agent(actor=root, email="c@example.org", role="customer")
    assert "role" in raised.value.fields


def test_the_invitation_is_sent_after_commit_not_inside_it(
    root, django_capture_on_commit_callbacks
):
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):
        agent_actions.invite_agent(actor=root, email="dee@example.org", first_name="Dee")
    assert django_mail.outbox == []  # an intent row only
    assert OutgoingMail.objects.filter(to=["dee@example.org"]).count() == 1


def test_resending_queues_a_new_mail(root):
    dee = agent_actions.invite_agent(actor=root, email="dee@example.org", first_name="Dee")
    agent_actions.resend_invitation(actor=root, user=dee)
    assert OutgoingMail.objects.filter(to=["dee@example.org"]).count() == 2


def test_the_last_active_admin_cannot_demote_or_switch_off_themself(root, client):
    for role, active in ((Role.AGENT, True), (Role.ADMIN, False)):
        with pytest.raises(ValidationFailed, match="last active administrator"):
            agent_actions.update_agent(actor=root, user=root, role=role, active=active)
    root.refresh_from_db()
    assert root.role == Role.ADMIN and root.is_active
    assert client.login(username=root.username, password=PASSWORD)
    response = client.post(
        reverse("workspace:settings:agent_edit", args=[root.pk]), {"role": "agent"}
    )
    assert response.status_code == 400
    assert "last active administrator" in response.content.decode()
    # with a second admin, the first may step down
    other = make_agent(None, role="admin", username="second")
    agent_actions.update_agent(actor=root, user=root, role=Role.AGENT, active=True)
    root.refresh_from_db()
    assert root.role == Role.AGENT and not root.is_superuser and not policy.is_admin(root)
    assert policy.is_admin(other)


def test_a_switched_off_agent_cannot_sign_in_nor_be_assigned_and_keeps_tickets(root, client, team):
    team.assignment_strategy = AssignmentStrategy.ROUND_ROBIN
    team.save()
    off = make_agent(team, username="off")
    on = make_agent(team, username="on")
    kept = make_ticket(team=team, assignee=off)
    agent_actions.update_agent(actor=root, user=off, role=Role.AGENT, active=False)
    assert not client.login(username="off", password=PASSWORD)
    assert off.pk not in set(policy.assignable_users(team.pk).values_list("pk", flat=True))
    kept.refresh_from_db()
    assert kept.assignee_id == off.pk  # their tickets stay
    for _ in range(3):
        ticket = make_ticket(team=team)
        engine.route(ticket.pk)
        ticket.refresh_from_db()
        assert ticket.assignee_id == on.pk
    entry = AuditEntry.objects.filter(action="user.permissions_changed").latest("id")
    assert entry.details["changes"]["is_active"] == [True, False]
    agent_actions.update_agent(actor=root, user=off, role=Role.AGENT, active=True)
    assert client.login(username="off", password=PASSWORD)


def test_agents_page_searches_and_paginates(as_role):
    client = as_role("admin")
    for n in range(60):
        make_agent(None, username=f"agent{n:02}", first_name="Agent", last_name=f"N{n:02}")
    page = client.get(reverse("workspace:settings:agents"))
    assert len(page.context["rows"]) == 50
    found = client.get(reverse("workspace:settings:agents"), {"q": "agent05"})
    assert [u.username for u, _invited in found.context["rows"]] == ["agent05"]


def test_the_invitation_mail_speaks_the_invited_agents_language(root):
    django_mail.outbox.clear()
    agent_actions.invite_agent(actor=root, email="gio@example.org", first_name="Gio", language="it")
    outbox.process_pending()
    (sent,) = [m for m in django_mail.outbox if "gio@example.org" in m.to]
    assert "Sei invitato/a" in sent.subject
    assert "Scegli la tua password qui:" in sent.body


def test_switching_off_ends_the_open_sessions(root, client, team):
    kim = make_agent(team, username="kim")
    assert client.login(username="kim", password=PASSWORD)
    assert client.get(reverse("workspace:home")).status_code == 200
    agent_actions.update_agent(actor=root, user=kim, role=Role.AGENT, active=False)
    response = client.get(reverse("workspace:home"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_link_of_a_switched_off_invitee_no_longer_works(root, client):
    dee = agent_actions.invite_agent(actor=root, email="dee@example.org", first_name="Dee")
    path = invitation_path("dee@example.org")
    agent_actions.update_agent(actor=root, user=dee, role=Role.AGENT, active=False)
    assert client.get(path, follow=True).context.get("validlink") is False
