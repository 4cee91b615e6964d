"""The agents' chat console: who may open it, accepting, answering, transferring, ending;
bounded queries on its lists."""

from __future__ import annotations

import json

import pytest

from tests.factories import TeamFactory, make_agent
from ticketdesk.channels.chat import actions
from ticketdesk.channels.chat.models import ChatAgent, ChatStatus

pytestmark = pytest.mark.django_db
FETCH = {"X-Requested-With": "fetch"}


def test_only_agents_open_the_console(client, customer, team):
    assert client.get("/chat/console/").status_code == 302  # to the sign-in page
    client.force_login(customer[0])
    assert client.get("/chat/console/").status_code == 403
    client.force_login(make_agent(team, role="light_agent", username="lia"))
    refused_page = client.get("/chat/console/")
    assert refused_page.status_code == 403
    # the same "Not allowed" page as every other refusal, with the policy's reason
    html = refused_page.content.decode()
    assert "<h1>Not allowed</h1>" in html and "You are not allowed to answer chats." in html
    assert "That did not work" not in html
    refused = client.post("/chat/console/presence/", {"status": "online"}, headers=FETCH)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_presence_toggle(client, agent):
    client.force_login(agent)
    response = client.post("/chat/console/presence/", {"status": "online", "max_chats": "4"})
    assert response.status_code == 302
    row = ChatAgent.objects.get(user=agent)
    assert (row.status, row.max_chats) == ("online", 4)
    # the console says so (the new-user walk found a silent reload)
    page = client.get(response["Location"]).content.decode()
    assert "Saved: you are online for chats, at most 4 at once." in page
    bad = client.post("/chat/console/presence/", {"max_chats": "99"}, headers=FETCH)
    assert bad.status_code == 400 and "max_chats" in bad.json()["fields"]


def test_accept_answer_transfer_end(client, online_agent, started, team):
    chat, _token = started
    colleague = make_agent(team, username="bea")
    actions.set_presence(colleague, actor=colleague, status="online")
    client.force_login(online_agent)
    page = client.get("/chat/console/")
    assert b"Vera Visitor" in page.content and b"Accept the chat with Vera Visitor" in page.content
    assert client.post(f"/chat/console/chats/{chat.pk}/accept/", headers=FETCH).status_code == 200
    panel = client.get(f"/chat/console/chats/{chat.pk}/")
    assert b"https://shop.example.net/help" in panel.content  # the visitor's page
    said = client.post(f"/chat/console/chats/{chat.pk}/say/", {"text": "Hi Vera"}, headers=FETCH)
    assert said.status_code == 200
    assert chat.ticket.messages.filter(body_text="Hi Vera").exists()
    assert client.post(f"/chat/console/chats/{chat.pk}/typing/").status_code == 204
    moved = client.post(
        f"/chat/console/chats/{chat.pk}/transfer/", {"to": f"agent:{colleague.pk}"}, headers=FETCH
    )
    assert moved.status_code == 200
    chat.refresh_from_db()
    assert chat.agent == colleague
    # no longer hers: 403 with a JSON body
    again = client.post(f"/chat/console/chats/{chat.pk}/say/", {"text": "x"}, headers=FETCH)
    assert again.status_code == 403 and again.json()["code"] == "permission_denied"
    client.force_login(colleague)
    assert client.post(f"/chat/console/chats/{chat.pk}/end/", headers=FETCH).status_code == 200
    chat.refresh_from_db()
    assert chat.status == ChatStatus.ENDED


def test_console_stream_hears_the_queue(client, online_agent, started):
    chat, _token = started
    client.force_login(online_agent)
    response = client.get("/chat/console/events/?after=0", headers={"Accept": "text/event-stream"})
    chunks = iter(response.streaming_content)
    next(chunks)
    first = json.loads(next(chunks).split(b"data: ")[1])
    response.close()
    assert first["kind"] == "queued" and first["chat"] == chat.pk


def test_console_queries_are_bounded(client, online_agent, django_assert_max_num_queries):
    for n in range(8):
        other, _t = actions.start_chat(name=f"V{n}", email=f"v{n}@example.net", topic="Hi")
        if n < 2:
            actions.accept(other, online_agent)
    client.force_login(online_agent)
    client.get("/chat/console/lists/")
    with django_assert_max_num_queries(20):
        response = client.get("/chat/console/lists/")
    assert response.content.count(b"data-open-chat") == 8


def _macro(name, actions_list, **extra):
    from ticketdesk.automation.models import Macro

    return Macro.objects.create(
        name=name,
        actions=actions_list,
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
        **extra,
    )


def test_the_composer_offers_the_desks_macros_filled_for_the_ticket(
    client, online_agent, started, team
):
    from ticketdesk.tickets.models import CannedResponse

    chat, _token = started
    chat = actions.accept(chat, online_agent)
    greeting = CannedResponse.objects.create(
        title="Greeting", body="Hi {{ requester.first_name }}, {{ agent.first_name }} here."
    )
    _macro(
        "Welcome",
        [{"type": "canned", "value": str(greeting.pk)}, {"type": "add_tag", "value": "x"}],
    )
    _macro("Only a tag", [{"type": "add_tag", "value": "vip"}])  # writes nothing: not offered
    other_team = TeamFactory(name="Other")
    _macro(
        "Not hers",
        [{"type": "canned", "value": "Greeting"}],
        visibility="team",
        team=other_team,
    )
    client.force_login(online_agent)
    panel = client.get(f"/chat/console/chats/{chat.pk}/")
    assert panel.context["macros"] == [("Welcome", "Hi Vera, Ana here.")]
    html = panel.content.decode()
    assert 'value="Hi Vera, Ana here."' in html and ">Welcome</option>" in html
    assert "Only a tag" not in html and "Not hers" not in html


def test_the_console_shows_times_in_the_agents_language_and_zone(client, online_agent, started):
    import datetime as dt

    from ticketdesk.core import clock

    chat, _token = started
    chat = actions.accept(chat, online_agent)
    with clock.frozen(dt.datetime(2026, 3, 9, 17, 5, tzinfo=dt.UTC)):
        actions.agent_says(chat, online_agent, "Hello")
    online_agent.language, online_agent.time_zone = "pt-br", "America/Sao_Paulo"
    online_agent.save(update_fields=["language", "time_zone"])
    client.force_login(online_agent)
    html = client.get(f"/chat/console/chats/{chat.pk}/").content.decode()
    assert ">14:05</time>" in html  # pt-BR's TIME_FORMAT, in São Paulo's time
    online_agent.language, online_agent.time_zone = "en", "UTC"
    online_agent.save(update_fields=["language", "time_zone"])
    html = client.get(f"/chat/console/chats/{chat.pk}/").content.decode()
    assert ">5:05 p.m.</time>" in html  # English's


def test_the_demo_desk_offers_canned_responses_and_reply_macros_in_the_composer(
    client, online_agent, started
):
    """The walk found an empty composer picker: the demo had no canned responses and no macro
    that posts a reply."""
    from django.core.management import call_command

    make_agent(None, role="admin", username="admin")
    call_command("automation_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    chat, _token = started
    chat = actions.accept(chat, online_agent)
    client.force_login(online_agent)
    html = client.get(f"/chat/console/chats/{chat.pk}/").content.decode()
    assert 'id="id_canned"' in html
    assert ">Greeting</option>" in html and ">Reply: known VPN outage</option>" in html
    assert "We are aware of a VPN outage" in html


def test_the_console_reads_right_in_portuguese_and_dates_the_start_like_the_workspace(
    client, online_agent, started
):
    import datetime as dt

    from django.utils import timezone

    from ticketdesk.core import clock

    this_year = timezone.now().year  # short_datetime leaves out this year
    with clock.frozen(dt.datetime(this_year, 12, 6, 17, 9, tzinfo=dt.UTC)):
        chat, _token = actions.start_chat(name="Zoe", email="zoe@example.net", topic="Hi")
    client.force_login(online_agent)
    english = client.get(f"/chat/console/?chat={chat.pk}").content.decode()
    assert "0 of 2 chats" in english
    assert ">Dec 6, 17:09</time>" in english  # the workspace's short date and time
    chat = actions.accept(chat, online_agent)
    online_agent.language = "pt-br"
    online_agent.save(update_fields=["language"])
    html = client.get(f"/chat/console/?chat={chat.pk}").content.decode()
    assert f"Chamado #{chat.ticket.number}</a> · Ativo" in html  # the adjective agrees
    assert "1 de 2 chats" in html
    assert "6 de dez, 17:09" in html
