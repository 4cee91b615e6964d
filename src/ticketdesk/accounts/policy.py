"""Every permission question, answered in one place.

UI views, API endpoints, search, exports, attachments, templates (through `may`, see
context_processors.py) and actions all ask here:
- `visible_tickets(user)`: the tickets a user may see, as a QuerySet filter;
- `can(user, verb, obj)`: may `user` do `verb` (to `obj`)?
- `require(user, verb, obj)`: the same, raising PermissionDenied.

The words, each with one meaning:
- *admin*: role admin (or a superuser): configuration, every ticket;
- *agent*: a full agent — role agent or admin. Agents reply, assign, open tickets for
  customers, write knowledge base articles and macros (`is_agent`);
- *light agent*: sees their teams' tickets and adds internal notes, nothing more;
- *staff member*: anyone who works tickets — admins, agents and light agents
  (`is_staff_member`); the agent workspace is theirs;
- *lead*: an agent who leads one of their teams (`is_lead`);
- *customer*: anyone else who signs in (the portal), with a contact.

What each role may do beyond tickets:

    verb                 admin  lead   agent  light  customer  anonymous
    use_workspace          ✓      ✓      ✓      ✓
    create_for_others      ✓      ✓      ✓
    view_reports           ✓      ✓                              (dashboard, journeys,
                                                                   report exports, schedules)
    view_problems          ✓      ✓      ✓      ✓                 (problem records)
    export_tickets         ✓      ✓      ✓      ✓                 (the tickets they see)
    view_macros            ✓      ✓      ✓      ✓                 (light: note-only ones)
    create_macro           ✓      ✓      ✓
    apply_macro (macro)    shared, their teams' and their own macros (light: note-only)
    manage_macro (macro)   all    own personal and their teams' macros
    write_articles         ✓      ✓      ✓                        (drafts, internal, edits)
    read_article (article) published ones by visibility: public to all, "customers" to
                           anyone signed in, internal to staff; drafts to writers
    set_availability       ✓      ✓      ✓                        (their own; admins anyone's)
    view_event_feed        ✓      ✓      ✓      ✓       ✓         (events of visible tickets;
                                                                   internal kinds to staff)
    administer             ✓
    manage_sign_in         ✓      ✓      ✓      ✓       ✓         (their own 2FA, sessions)
    view_audit_log         ✓                                        (audit page, its CSV)
    manage_personal_data   ✓                                        (export, erase a contact)
    manage_settings        ✓                                        (the workspace's Settings:
                                                                   fields, workflow, SLA, teams)
    exchange_configuration ✓                                        (configuration file)
    view_configuration_changes ✓                                    (who changed what)
    view_assets            ✓      ✓      ✓      ✓                 (items, their tickets)
    manage_assets          ✓      ✓      ✓                        (create, edit, import items)
    view_time_reports      ✓      ✓                                 (time per agent, team...)
    request_service        ✓      ✓      ✓              ✓         (the service catalog; staff
                                                                   for others, customers for
                                                                   themselves)
    decide_approval (approval)  the approver only (their contact, or their email)
    link_tracker (ticket)  ✓      ✓      ✓                        (developer tracker issues, on
                                                                   the tickets they may edit)
    merge_contacts         ✓      ✓      ✓                        (a messaging identity's
                                                                   contact into another)
    answer_chats           ✓      ✓      ✓                        (the chat console, their
                                                                   chat availability)
    take_chat (chat)       agents of the chat's team (any agent when it has none); admins
    handle_chat (chat)     the chat's agent (write, transfer, end); admins

On a ticket they see, agents also `link_items` (affected items) and `log_time`; light
agents log time too (they work the ticket) but do not change its items.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, Q, QuerySet
from django.utils.translation import gettext as _

from ticketdesk.core import config_cache
from ticketdesk.core.errors import PermissionDenied

from .models import Contact, Role, Team, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ticketdesk.tickets.models import Attachment, Message, Ticket

# Verbs on a ticket.
VIEW = "view"
REPLY = "reply"  # public reply
ADD_NOTE = "add_note"  # internal note
EDIT = "edit"  # change fields, status, tags, watchers, links
ASSIGN = "assign"
MERGE = "merge"
VIEW_INTERNAL = "view_internal"  # internal notes and events
CLOSE_OWN = "close_own"  # a customer closing or reopening their own ticket
ESCALATE = "escalate"  # raise a ticket's escalation level, to another team or a lead
APPLY_MACRO = "apply_macro"  # run an automation macro on a ticket (obj: the macro)
LINK_ITEMS = "link_items"  # link or unlink the items (assets) a ticket affects
LOG_TIME = "log_time"  # log time spent on a ticket
# a customer's visible tickets name the tickets they are copied on by id up to this many
CC_IDS_INLINE = 500
# what a light agent's macro may do (they only read tickets and add notes)
LIGHT_AGENT_MACRO_STEPS = frozenset({"add_note"})

SEE_SUGGESTIONS = "see_suggestions"  # smart support: triage, similar tickets, answers (agents)
TICKET_VERBS = {
    VIEW,
    REPLY,
    ADD_NOTE,
    EDIT,
    ASSIGN,
    MERGE,
    VIEW_INTERNAL,
    CLOSE_OWN,
    ESCALATE,
    SEE_SUGGESTIONS,
    LINK_ITEMS,
    LOG_TIME,
}

# Verbs beyond a single ticket (see the table above).
USE_WORKSPACE = "use_workspace"
CREATE_FOR_OTHERS = "create_for_others"  # open a ticket on a customer's behalf
ADMINISTER = "administer"  # configuration: statuses, workflow, teams, rules, SLA, mail
VIEW_REPORTS = "view_reports"
VIEW_PROBLEMS = "view_problems"
EXPORT_TICKETS = "export_tickets"
VIEW_MACROS = "view_macros"
CREATE_MACRO = "create_macro"
MANAGE_MACRO = "manage_macro"  # obj: a macro
WRITE_ARTICLES = "write_articles"
READ_ARTICLE = "read_article"  # obj: an article
SET_AVAILABILITY = "set_availability"  # obj: whose (None: one's own)
VIEW_EVENT_FEED = "view_event_feed"
MANAGE_SIGN_IN = "manage_sign_in"  # one's own second factor and open sessions
VIEW_AUDIT_LOG = "view_audit_log"  # the audit log page and its export
MANAGE_PERSONAL_DATA = "manage_personal_data"  # export or erase a contact's data
MANAGE_SETTINGS = "manage_settings"  # the workspace's Settings area (configuration pages)
EXCHANGE_CONFIGURATION = "exchange_configuration"  # export or import the configuration file
VIEW_CONFIGURATION_CHANGES = "view_configuration_changes"  # who changed the configuration
VIEW_ASSETS = "view_assets"  # the items (assets, products, services) and their tickets
MANAGE_ASSETS = "manage_assets"  # create, change and import items
VIEW_TIME_REPORTS = "view_time_reports"  # time logged per agent, team, organization
REQUEST_SERVICE = "request_service"  # order from the service catalog
DECIDE_APPROVAL = "decide_approval"  # obj: an approval (catalog)
LINK_TRACKER = "link_tracker"  # obj: a ticket; create or link a developer tracker issue
MERGE_CONTACTS = "merge_contacts"  # one customer's contacts (messaging, email) into one
ANSWER_CHATS = "answer_chats"  # live chat: the console and one's chat availability
TAKE_CHAT = "take_chat"  # obj: a chat waiting in the queue
HANDLE_CHAT = "handle_chat"  # obj: a chat — write in it, transfer it, end it

# Knowledge base visibilities (kb.models.Visibility's values)
ARTICLE_PUBLIC = "public"
ARTICLE_CUSTOMERS = "customers"
ARTICLE_INTERNAL = "internal"


def _is_active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user: Any) -> bool:
    return _is_active(user) and (user.is_superuser or user.role == Role.ADMIN)


def is_agent(user: Any) -> bool:
    """Full agents and admins (not light agents)."""
    return _is_active(user) and (user.is_superuser or user.role in (Role.ADMIN, Role.AGENT))


def is_staff_member(user: Any) -> bool:
    """Anyone who works tickets: admins, agents and light agents."""
    return _is_active(user) and (
        user.is_superuser or user.role in (Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT)
    )


def is_light_agent(user: Any) -> bool:
    return is_staff_member(user) and not is_agent(user)


def is_lead(user: Any) -> bool:
    """An agent who leads one of their teams."""
    return is_agent(user) and any(lead for _team, lead in memberships(user))


def contact_for(user: Any) -> Contact | None:
    if not _is_active(user):
        return None
    try:
        return user.contact  # type: ignore[no-any-return]
    except Contact.DoesNotExist:
        return None


def visible_tickets(user: User | AnonymousUser | None) -> QuerySet[Ticket]:
    """Tickets `user` may see. Admins: all; agents and light agents: their teams' tickets,
    tickets assigned to them or watched by them, tickets a note consults their team on, and
    tickets without a team (the triage queue) when they work it (`sees_triage`); customers:
    their own, CC'd, and their organizations' where the organization shares tickets."""
    from ticketdesk.tickets.models import Ticket

    qs = Ticket.objects.all()
    if not _is_active(user):
        return qs.none()
    assert user is not None
    if is_admin(user):
        return qs
    if is_staff_member(user):
        from ticketdesk.tickets.models import Consultation

        team_ids = [team_id for team_id, _lead in memberships(user)]
        # a subquery, not a join: a join on watchers could duplicate rows
        watched = Ticket.watchers.through.objects.filter(user_id=int(user.pk or 0)).values(
            "ticket_id"
        )
        condition = Q(assignee_id=user.pk) | Q(pk__in=watched)
        if team_ids:
            condition |= Q(team_id__in=team_ids)
            # teams asked for advice by a "consult" note
            consulted = Consultation.objects.filter(team_id__in=team_ids).values("ticket_id")
            condition |= Q(pk__in=consulted)
        condition |= Q(team__isnull=True) & _triage_condition(user)
        return qs.filter(condition)
    contact = contact_for(user)
    if contact is None:
        return qs.none()
    condition = Q(requester_id=contact.pk)
    # the tickets they are copied on, as a list of ids when there are few (always, in
    # practice): "requester OR id IN (subquery)" makes PostgreSQL walk the whole updated_at
    # index filtering every ticket (0.5 s at 1M), "requester OR id IN (1, 2)" is two index
    # lookups
    cc = Ticket.cc.through.objects.filter(contact_id=contact.pk).values("ticket_id")
    cc_ids = list(cc.order_by("ticket_id").values_list("ticket_id", flat=True)[: CC_IDS_INLINE + 1])
    if len(cc_ids) > CC_IDS_INLINE:
        condition |= Q(pk__in=cc)
    elif cc_ids:
        condition |= Q(pk__in=cc_ids)
    shared_orgs = list(
        contact.organizations.filter(shared_tickets=True).values_list("pk", flat=True)
    )
    if shared_orgs:
        condition |= Q(organization_id__in=shared_orgs)
    return qs.filter(condition)


def visible_ticket_ids(user: Any, ticket_ids: Iterable[int]) -> set[int]:
    """Which of `ticket_ids` `user` may see (one query; none for admins). For anything that
    names another ticket — link and event labels — so that a ticket's number and subject
    reach only those who may see the ticket itself."""
    wanted = {int(pk) for pk in ticket_ids}
    if not wanted or not _is_active(user):
        return set()
    if is_admin(user):
        return wanted
    return set(visible_tickets(user).filter(pk__in=wanted).values_list("pk", flat=True))


def _request_cache(user: Any) -> dict[Any, Any] | None:
    """A dict that lives as long as the request the user came with (set by
    `RequestCacheMiddleware`), or None outside a request: then nothing is cached, so code
    that changes memberships and asks again always sees the change."""
    return getattr(user, "_policy_cache", None)


def memberships(user: Any) -> list[tuple[int, bool]]:
    """(team id, is lead) of each of the user's teams; asked once per request. Not kept in
    the per-process configuration cache on purpose: who sees which tickets must follow a
    membership change at once, in every process."""
    cache = _request_cache(user)
    if cache is not None and "memberships" in cache:
        return cache["memberships"]  # type: ignore[no-any-return]
    rows = [
        (int(team_id), bool(lead))
        for team_id, lead in user.team_memberships.values_list("team_id", "is_lead")
    ]
    if cache is not None:
        cache["memberships"] = rows
    return rows


def triage_team_ids(user: Any = None) -> list[int]:
    """The active teams marked "works the triage queue" (empty: every agent works it): team
    configuration, from the per-process configuration cache (a save of a team clears it).
    Only what pages show and offer follows it; which tickets a user sees is decided in SQL
    (`_triage_condition`), never from this cache."""
    return config_cache.cached(
        "triage-team-ids",
        lambda: list(
            Team.objects.filter(sees_triage=True, active=True).values_list("pk", flat=True)
        ),
    )


def _triage_condition(user: Any) -> Q:
    """`sees_triage` as SQL (no query of its own): no team is chosen for the triage queue,
    or the user belongs to a chosen one."""
    chosen = Team.objects.filter(sees_triage=True, active=True)
    mine = chosen.filter(memberships__user_id=int(user.pk or 0))
    return Q(~Exists(chosen)) | Q(Exists(mine))


def sees_triage(user: Any) -> bool:
    """Does `user` see and work the triage queue (active tickets without a team)? Admins
    always; agents and light agents when no team is chosen for it, or when they belong to
    a chosen team. Light agents only read and add notes there, as everywhere."""
    if not is_staff_member(user):
        return False
    if is_admin(user):
        return True
    chosen = triage_team_ids(user)
    if not chosen:
        return True
    return any(team_id in chosen for team_id, _lead in memberships(user))


def _ticket_visible(user: Any, ticket: Ticket) -> bool:
    if is_admin(user):
        return True
    cache = _request_cache(user)
    # every action bumps the version: a change of team, assignee or watchers in this very
    # request is never answered from the cache
    key = ("visible", ticket.pk, getattr(ticket, "version", None))
    if cache is not None and key in cache:
        return cache[key]  # type: ignore[no-any-return]
    visible = visible_tickets(user).filter(pk=ticket.pk).exists()
    if cache is not None:
        cache[key] = visible
    return visible


def note_visible(user: Any, ticket: Ticket) -> None:
    """`ticket` was just read through `visible_tickets(user)`: later questions about it in
    this request (at this version) need no query of their own."""
    cache = _request_cache(user)
    if cache is not None:
        cache[("visible", ticket.pk, getattr(ticket, "version", None))] = True


def can(user: Any, verb: str, obj: Any = None) -> bool:
    """May `user` do `verb` (to `obj`)?"""
    from ticketdesk.tickets.models import Attachment, Message, Ticket

    if verb == READ_ARTICLE:  # the only verb anonymous visitors may be granted
        return can_read_article(user, obj)
    if not _is_active(user):
        return False
    if verb in ROLE_VERBS:
        return ROLE_VERBS[verb](user)
    if verb == MANAGE_MACRO:
        return can_manage_macro(user, obj)
    if verb == SET_AVAILABILITY:
        if obj is None or getattr(obj, "pk", None) == user.pk:
            return is_agent(user)
        return is_admin(user) and is_agent(obj)
    if verb == APPLY_MACRO:
        return can_apply_macro(user, obj)
    if verb == DECIDE_APPROVAL:
        return is_approver(user, obj)
    if verb == LINK_TRACKER:
        return is_agent(user) and can(user, EDIT, obj)
    if verb in (TAKE_CHAT, HANDLE_CHAT):
        return can_handle_chat(user, verb, obj)
    if isinstance(obj, Message):
        return can_see_message(user, obj)
    if isinstance(obj, Attachment):
        return can_see_attachment(user, obj)
    if isinstance(obj, Ticket):
        if verb not in TICKET_VERBS:
            return False
        if not _ticket_visible(user, obj):
            return False
        return _ticket_verb_allowed(user, verb)
    return False


ROLE_VERBS = {
    USE_WORKSPACE: is_staff_member,
    CREATE_FOR_OTHERS: is_agent,
    ADMINISTER: is_admin,
    VIEW_REPORTS: lambda user: is_admin(user) or is_lead(user),
    VIEW_PROBLEMS: is_staff_member,
    EXPORT_TICKETS: is_staff_member,
    VIEW_MACROS: is_staff_member,
    CREATE_MACRO: is_agent,
    WRITE_ARTICLES: is_agent,
    VIEW_EVENT_FEED: lambda user: is_staff_member(user) or contact_for(user) is not None,
    MANAGE_SIGN_IN: _is_active,
    VIEW_AUDIT_LOG: is_admin,
    MANAGE_PERSONAL_DATA: is_admin,
    MANAGE_SETTINGS: is_admin,
    EXCHANGE_CONFIGURATION: is_admin,
    VIEW_CONFIGURATION_CHANGES: is_admin,
    VIEW_ASSETS: is_staff_member,
    MANAGE_ASSETS: is_agent,
    VIEW_TIME_REPORTS: lambda user: is_admin(user) or is_lead(user),
    REQUEST_SERVICE: lambda user: is_agent(user) or contact_for(user) is not None,
    MERGE_CONTACTS: is_agent,
    ANSWER_CHATS: is_agent,
}


def is_approver(user: Any, approval: Any) -> bool:
    """Is `user` the person an approval (catalog.models.Approval) waits for: the approver's
    contact is theirs, or has their email address."""
    approver = getattr(approval, "approver", None)
    if approver is None or not _is_active(user):
        return False
    if approver.user_id is not None:
        return bool(approver.user_id == user.pk)
    return bool(user.email) and approver.email.lower() == user.email.lower()


def _ticket_verb_allowed(user: Any, verb: str) -> bool:
    """The role part of `can` for a ticket the user can see."""
    if is_agent(user):
        return verb != CLOSE_OWN
    if is_staff_member(user):  # light agent
        return verb in (VIEW, ADD_NOTE, VIEW_INTERNAL, LOG_TIME)
    # customer
    return verb in (VIEW, REPLY, CLOSE_OWN)


def ticket_permissions(user: Any, ticket: Ticket, verbs: Iterable[str]) -> dict[str, bool]:
    """`can(user, verb, ticket)` for several verbs with one visibility check (pages that
    show or hide many controls)."""
    verbs = list(verbs)
    visible = _is_active(user) and _ticket_visible(user, ticket)
    return {v: visible and v in TICKET_VERBS and _ticket_verb_allowed(user, v) for v in verbs}


def require(user: Any, verb: str, obj: Any = None) -> None:
    if not can(user, verb, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def can_see_message(user: Any, message: Message) -> bool:
    if message.is_internal and not is_staff_member(user):
        return False
    return _ticket_visible(user, message.ticket)


def can_see_attachment(user: Any, attachment: Attachment) -> bool:
    if attachment.message_id is not None:
        return can_see_message(user, attachment.message)  # type: ignore[arg-type]
    if attachment.field_key and not is_staff_member(user):
        # the file of a custom field: customers see it only when the portal asks the field
        from ticketdesk.tickets.models import CustomFieldDefinition

        asked = CustomFieldDefinition.objects.filter(
            key=attachment.field_key, visible_to_customers=True
        ).exists()
        if not asked:
            return False
    return _ticket_visible(user, attachment.ticket)


def visible_messages(user: Any, ticket: Ticket) -> QuerySet[Message]:
    """The messages of `ticket` that `user` may read (no internal notes for customers)."""
    from ticketdesk.tickets.models import Message, MessageKind

    if not can(user, VIEW, ticket):
        return Message.objects.none()
    qs = Message.objects.filter(ticket=ticket)
    if not is_staff_member(user):
        qs = qs.filter(kind=MessageKind.PUBLIC)
    return qs


def assignable_users(team_id: int | None) -> QuerySet[User]:
    """Who may be assigned a ticket of that team: active full agents and admins who are
    members (any full agent when the ticket has no team)."""
    qs = User.objects.filter(is_active=True, role__in=(Role.ADMIN, Role.AGENT))
    if team_id is not None:
        qs = qs.filter(team_memberships__team_id=team_id)
    return qs


def is_assignable(user: Any, team_id: int | None) -> bool:
    """Does `assignable_users(team_id)` hold `user`, answered from the instance (its role
    as read this request) and its memberships (asked once per request): for a user just read
    from the database, say the one signed in."""
    if not (_is_active(user) and user.role in (Role.ADMIN, Role.AGENT)):
        return False
    return team_id is None or any(member_of == team_id for member_of, _lead in memberships(user))


# ---------------------------------------------------------------- knowledge base


def article_visibilities(user: Any) -> tuple[str, ...]:
    """The visibilities of published articles `user` may read: anyone public ones, people
    who sign in also customers-only ones, staff members also internal ones."""
    if is_staff_member(user):
        return (ARTICLE_PUBLIC, ARTICLE_CUSTOMERS, ARTICLE_INTERNAL)
    if _is_active(user):
        return (ARTICLE_PUBLIC, ARTICLE_CUSTOMERS)
    return (ARTICLE_PUBLIC,)


def can_read_article(user: Any, article: Any) -> bool:
    """Published articles by visibility; drafts (unpublished) only to article writers."""
    if article is None:
        return False
    if not article.is_published:
        return can(user, WRITE_ARTICLES)
    return article.visibility in article_visibilities(user)


# ---------------------------------------------------------------- macros


def time_report_scope(user: Any) -> Q | None:
    """The time entries `user` may see in the time report, as a filter on TimeEntry (None:
    none, no report): admins all; team leads those logged on the teams they lead."""
    if not can(user, VIEW_TIME_REPORTS):
        return None
    if is_admin(user):
        return Q()
    return Q(team_id__in=[team_id for team_id, lead in memberships(user) if lead])


def macro_scope(user: Any) -> Q | None:
    """The macros `user` may apply, as a filter on Macro (None: none): shared ones, their
    teams' and their own. Light agents apply only those whose steps add notes (checked per
    macro by the automation app, which knows the steps)."""
    if not is_staff_member(user):
        return None
    team_ids = [team_id for team_id, _lead in memberships(user)]
    return (
        Q(visibility="shared")
        | Q(visibility="team", team_id__in=team_ids)
        | Q(visibility="personal", owner_id=user.pk)
    )


def can_apply_macro(user: Any, macro: Any) -> bool:
    """May `user` apply `macro` (to a ticket they may see)? An active macro in their
    `macro_scope`; light agents only macros whose steps add notes."""
    if macro is None or not getattr(macro, "active", False):
        return False
    if not is_staff_member(user):
        return False
    visibility = getattr(macro, "visibility", "")
    team_ids = [team_id for team_id, _lead in memberships(user)]
    in_scope = (
        visibility == "shared"
        or (visibility == "team" and getattr(macro, "team_id", None) in team_ids)
        or (visibility == "personal" and getattr(macro, "owner_id", None) == user.pk)
    )
    if not in_scope:
        return False
    if is_agent(user):
        return True
    steps = getattr(macro, "actions", None) or []
    return all(step.get("type") in LIGHT_AGENT_MACRO_STEPS for step in steps)


def manageable_macro_scope(user: Any) -> Q | None:
    """The macros `user` may change or delete, as a filter on Macro (None: none; an empty
    Q: all)."""
    if is_admin(user):
        return Q()
    if not is_agent(user):
        return None
    team_ids = [team_id for team_id, _lead in memberships(user)]
    return Q(visibility="team", team_id__in=team_ids) | Q(visibility="personal", owner_id=user.pk)


def can_manage_macro(user: Any, macro: Any, *, visibility: str = "", team_id: Any = None) -> bool:
    """May `user` change `macro` (None: create one) into one of `visibility` (and `team_id`)?
    Admins: every macro; agents: their own personal macros and their teams' macros; shared
    macros are the admins'."""
    if not _is_active(user):
        return False
    if is_admin(user):
        return True
    if not is_agent(user):
        return False
    team_ids = {team_id for team_id, _lead in memberships(user)}
    if macro is not None:
        if macro.visibility == "personal" and macro.owner_id != user.pk:
            return False
        if macro.visibility == "team" and macro.team_id not in team_ids:
            return False
    wanted = visibility or (macro.visibility if macro is not None else "")
    if wanted == "team":
        wanted_team = team_id if team_id is not None else getattr(macro, "team_id", None)
        return wanted_team in team_ids
    if wanted == "personal":
        return macro is None or macro.owner_id == user.pk
    return False  # shared macros are the admins'


# ---------------------------------------------------------------- live chat


def chat_queue_scope(user: Any) -> Q | None:
    """The chats whose queue `user` sees, as a filter on ChatConversation (None: none): those
    of their teams and those of no team; admins every one."""
    if not is_agent(user):
        return None
    if is_admin(user):
        return Q()
    team_ids = [team_id for team_id, _lead in memberships(user)]
    return Q(team__isnull=True) | Q(team_id__in=team_ids)


def can_handle_chat(user: Any, verb: str, chat: Any) -> bool:
    if chat is None or not is_agent(user):
        return False
    if is_admin(user):
        return True
    if verb == HANDLE_CHAT:
        return bool(chat.agent_id == user.pk)
    team_ids = [team_id for team_id, _lead in memberships(user)]
    return chat.team_id is None or chat.team_id in team_ids
