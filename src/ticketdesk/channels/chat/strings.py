"""The widget's words, in the visitor's language (served by the config endpoint)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

WIDGET_STRINGS = {
    "open": _("Chat with us"),
    "close": _("Close the chat window"),
    "title": _("Live chat"),
    "intro": _("Tell us who you are and what it is about; an agent will join you."),
    "offline": _("No agent is online right now. Leave a message and we will answer by email."),
    "name": _("Name"),
    "email": _("Email"),
    "topic": _("Topic"),
    "message": _("Message"),
    "start": _("Start the chat"),
    "leave": _("Send the message"),
    "left": _("Thank you: we received your message (ticket %s) and will answer by email."),
    "suggestions": _("These articles may answer your question:"),
    "waiting": _("Waiting for an agent…"),
    "joined": _("%s joined the chat."),
    "transferred": _("The chat was transferred."),
    "ended": _("The chat has ended. We will continue by email if needed."),
    "abandoned": _(
        "The chat has ended because we did not hear from you for a while. We will continue "
        "by email if needed."
    ),
    "you": _("You"),
    "agent": _("Agent"),
    "typing": _("The agent is typing…"),
    "write": _("Write a message"),
    "send": _("Send"),
    "attach": _("Attach a file"),
    "transcript": _("Email me the transcript"),
    "transcript_sent": _("The transcript is on its way to your email."),
    "end": _("End the chat"),
    "messages": _("Messages"),
    "error": _("Something went wrong. Try again."),
    "required": _("This field is required."),
}
