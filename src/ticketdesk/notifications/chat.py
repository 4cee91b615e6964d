"""Chat adapters: one event, shaped for each tool's incoming-webhook format.

Every adapter implements `ChatAdapter.render(event) -> JSON body`; deliveries go through the
same queue, retries and SSRF-safe sender as webhooks (see webhooks.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from .models import EndpointFormat


@dataclass
class ChatText:
    title: str
    text: str
    url: str
    color: str


TOPIC_COLORS = {
    "sla.breached": "#d33a2c",
    "sla.warning": "#e8a317",
    "ticket.created": "#2b6cb0",
}


def describe(event: dict[str, Any]) -> ChatText:
    """A short human summary of a delivery payload (see webhooks.build_payload)."""
    topic = str(event.get("topic", ""))
    data = event.get("data") or {}
    if topic == "webhook.test":
        return ChatText(
            title=_("Test message from Ticketdesk"),
            text=_("If you read this, ticket notifications reach this channel."),
            url="",
            color="#718096",
        )
    ticket = data.get("ticket") or {}
    label = f"{ticket.get('display_number', '#?')} “{ticket.get('subject', '')}”"
    metric = str(data.get("metric", "")).replace("_", " ")
    titles = {
        "ticket.created": _("New ticket %(t)s"),
        "ticket.updated": _("Ticket %(t)s updated"),
        "message.created": _("New message on %(t)s"),
        "ticket.merged": _("Ticket %(t)s merged"),
        "sla.warning": _("SLA at risk on %(t)s"),
        "sla.breached": _("SLA breached on %(t)s"),
        "csat.received": _("Satisfaction rating on %(t)s"),
    }
    title = titles.get(topic, _("%(topic)s on %(t)s")) % {"t": label, "topic": topic}
    details = []
    if metric:
        details.append(_("Target: %(m)s") % {"m": metric})
    if ticket.get("status"):
        details.append(_("Status: %(s)s") % {"s": ticket["status"]})
    if ticket.get("priority_name"):
        details.append(_("Priority: %(p)s") % {"p": ticket["priority_name"]})
    details.append(_("Team: %(t)s") % {"t": ticket.get("team") or _("none")})
    details.append(_("Assignee: %(a)s") % {"a": ticket.get("assignee") or _("unassigned")})
    if data.get("changes"):
        details.append(_("Changed: %(c)s") % {"c": ", ".join(map(str, data["changes"]))})
    return ChatText(
        title=title,
        text=" · ".join(details),
        url=str(ticket.get("url", "")),
        color=TOPIC_COLORS.get(topic, "#718096"),
    )


class ChatAdapter(ABC):
    """Turns an event into the JSON body one chat tool's incoming webhook expects."""

    format: str

    @abstractmethod
    def render(self, event: dict[str, Any]) -> dict[str, Any]: ...


class SlackAdapter(ChatAdapter):
    format = EndpointFormat.SLACK

    def render(self, event: dict[str, Any]) -> dict[str, Any]:
        msg = describe(event)
        link = f"<{msg.url}|{msg.title}>" if msg.url else msg.title
        return {
            "text": msg.title,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{link}*\n{msg.text}"}}
            ],
        }


class TeamsAdapter(ChatAdapter):
    """Microsoft Teams incoming webhook (an Adaptive Card in a message attachment)."""

    format = EndpointFormat.TEAMS

    def render(self, event: dict[str, Any]) -> dict[str, Any]:
        msg = describe(event)
        card: dict[str, Any] = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                {"type": "TextBlock", "text": msg.title, "weight": "Bolder", "wrap": True},
                {"type": "TextBlock", "text": msg.text, "wrap": True},
            ],
        }
        if msg.url:
            card["actions"] = [{"type": "Action.OpenUrl", "title": _("Open"), "url": msg.url}]
        return {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        }


class MattermostAdapter(ChatAdapter):
    format = EndpointFormat.MATTERMOST

    def render(self, event: dict[str, Any]) -> dict[str, Any]:
        msg = describe(event)
        title = f"[{msg.title}]({msg.url})" if msg.url else msg.title
        return {"username": "Ticketdesk", "text": f"**{title}**\n{msg.text}"}


class RocketChatAdapter(ChatAdapter):
    format = EndpointFormat.ROCKETCHAT

    def render(self, event: dict[str, Any]) -> dict[str, Any]:
        msg = describe(event)
        attachment: dict[str, Any] = {"title": msg.title, "text": msg.text, "color": msg.color}
        if msg.url:
            attachment["title_link"] = msg.url
        return {"alias": "Ticketdesk", "text": msg.title, "attachments": [attachment]}


ADAPTERS: dict[str, ChatAdapter] = {
    adapter.format: adapter
    for adapter in (SlackAdapter(), TeamsAdapter(), MattermostAdapter(), RocketChatAdapter())
}


def adapter_for(endpoint_format: str) -> ChatAdapter | None:
    return ADAPTERS.get(endpoint_format)
