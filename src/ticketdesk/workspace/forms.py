"""Forms of the workspace: the side panel, the composer, new ticket, profile, saved views."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Role, Team, User
from ticketdesk.core import config_cache
from ticketdesk.tickets import custom_fields, workflow
from ticketdesk.tickets.actions import AttachmentInput
from ticketdesk.tickets.models import (
    DONE_CATEGORIES,
    BusinessArea,
    Category,
    Channel,
    CustomFieldDefinition,
    FieldType,
    Level,
    Status,
    Ticket,
    TicketType,
)

LEVEL_CHOICES = [(str(v), label) for v, label in Level.choices]


class ShortChoiceIterator(forms.models.ModelChoiceIterator):
    """Reads a short list of choices (statuses, teams, agents, types, categories) from the
    per-process configuration cache (`cache_key`) or from objects the form already holds:
    no query per render. Django's default `.iterator()` would open a server-side cursor on
    PostgreSQL, three round trips for a dozen rows, five times per ticket page."""

    def _objects(self) -> list[Any]:
        field = self.field
        if isinstance(field, ShortChoiceField):
            return field.choice_objects()
        return list(self.queryset.all())

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._objects():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self._objects()) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self._objects())


class ShortChoiceField(forms.ModelChoiceField):
    """A model choice whose options come from the configuration cache (`cache_key`) or from
    `objects`; the submitted value is still checked against the queryset."""

    iterator = ShortChoiceIterator

    def __init__(self, *args: Any, cache_key: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.cache_key = cache_key
        self.objects: list[Any] | None = None

    def choice_objects(self) -> list[Any]:
        if self.objects is not None:
            return self.objects
        queryset = self.queryset
        assert queryset is not None
        if self.cache_key:
            return config_cache.cached(f"choices:{self.cache_key}", lambda: list(queryset.all()))
        return list(queryset.all())


class AgentChoiceField(ShortChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


def agents_queryset() -> Any:
    return User.objects.filter(is_active=True, role__in=(Role.ADMIN, Role.AGENT)).order_by(
        "first_name", "last_name", "username"
    )


def active_teams() -> list[Team]:
    """The active teams by name, from the configuration cache (the side panel's and the
    escalation form's choices, the consult picker)."""
    return config_cache.cached("choices:teams", lambda: list(Team.objects.filter(active=True)))


def agent_choices() -> list[User]:
    """Active admins and agents by name (assignee pickers), from the configuration cache."""
    return config_cache.cached("choices:agents", lambda: list(agents_queryset()))


def active_ticket_types() -> list[TicketType]:
    """The active ticket types in order, from the configuration cache."""
    return config_cache.cached(
        "choices:ticket_types", lambda: list(TicketType.objects.filter(active=True))
    )


def staff_choices(limit: int = 200) -> list[User]:
    """Active staff by name (the watcher picker), from the configuration cache."""
    from ticketdesk.tickets import mentions

    return config_cache.cached(
        f"choices:staff:{limit}",
        lambda: list(
            mentions.staff_users().order_by("first_name", "last_name", "username")[:limit]
        ),
    )


def split_tags(text: str) -> list[str]:
    return [t.strip().lower() for t in (text or "").split(",") if t.strip()]


def _custom_field(definition: CustomFieldDefinition) -> forms.Field:
    common: dict[str, Any] = {
        "label": definition.translated("label"),
        "required": False,
        "help_text": definition.translated("help_text"),
    }
    field = _custom_field_of_kind(definition, common)
    field.widget.attrs.update(custom_fields.condition_attrs(definition))
    return field


def _custom_field_of_kind(definition: CustomFieldDefinition, common: dict[str, Any]) -> forms.Field:
    choices = definition.choice_options()
    kind = definition.field_type
    if kind == FieldType.NUMBER:
        return forms.FloatField(**common)
    if kind == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if kind == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == FieldType.USER:
        agents = [(str(pk), name) for pk, name in custom_fields.desk_agents()]
        return forms.TypedChoiceField(
            choices=[("", "—"), *agents], coerce=int, empty_value=None, **common
        )
    if kind in custom_fields.REFERENCES:
        rows = [(str(pk), name) for pk, name in custom_fields.REFERENCES[kind].choices()]
        return forms.TypedChoiceField(
            choices=[("", "—"), *rows], coerce=int, empty_value=None, **common
        )
    if kind == FieldType.CHECKBOX:
        return forms.BooleanField(**common)
    if kind == FieldType.FILE:
        return file_field(definition, common)
    return forms.CharField(max_length=2000, **common)


def file_field(definition: CustomFieldDefinition, common: dict[str, Any]) -> forms.Field:
    """A field of type "file": the browser offers the allowed types; the ticket action
    checks them (and the size) on the bytes."""
    accept = ",".join(custom_fields.file_type_rules(definition.allowed_file_types))
    return forms.FileField(
        widget=forms.FileInput(attrs={"accept": accept} if accept else {}), **common
    )


def uploaded(value: Any) -> AttachmentInput | None:
    """A file input's upload in the shape the ticket actions take."""
    return AttachmentInput.from_upload(value) if value else None


def custom_field_groups(
    form: forms.Form, definitions: list[CustomFieldDefinition], prefix: str = "cf_"
) -> list[tuple[Any, list[forms.BoundField]]]:
    """(section or None, its bound fields) in the order the form draws them."""
    return [
        (section, [form[prefix + d.key] for d in inside if prefix + d.key in form.fields])
        for section, inside in custom_fields.group_by_section(definitions)
    ]


class RoutingFieldsForm(forms.Form):
    """Team, assignee, type, category and business area: the fields the side panel and the
    new-ticket form share."""

    team = ShortChoiceField(
        queryset=Team.objects.filter(active=True),
        cache_key="teams",
        label=_("Team"),
        required=False,
        empty_label=_("No team"),
    )
    assignee = AgentChoiceField(
        queryset=User.objects.none(),
        label=_("Assignee"),
        required=False,
        empty_label=_("Unassigned"),
    )
    ticket_type = ShortChoiceField(
        queryset=TicketType.objects.filter(active=True),
        cache_key="ticket_types",
        label=_("Type"),
        required=False,
        empty_label="—",
    )
    category = ShortChoiceField(
        queryset=Category.objects.filter(active=True),
        cache_key="categories",
        label=_("Category"),
        required=False,
        empty_label="—",
    )
    business_area = ShortChoiceField(
        queryset=BusinessArea.objects.filter(active=True),
        cache_key="business_areas",
        label=_("Business area"),
        required=False,
        empty_label="—",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, ShortChoiceField)
        assignee_field.queryset = agents_queryset()
        assignee_field.cache_key = "agents"


class TicketFieldsForm(RoutingFieldsForm):
    """The side panel. `changes()` returns only what differs from the ticket, in the shape
    `tickets.actions.set_fields` takes."""

    field_order = [
        "expected_version",
        "status",
        "priority",
        "urgency",
        "impact",
        "team",
        "assignee",
        "ticket_type",
        "category",
        "business_area",
        "tags",
    ]

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    status = ShortChoiceField(queryset=Status.objects.none(), label=_("Status"))
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("From urgency × impact")), *LEVEL_CHOICES],
    )
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=LEVEL_CHOICES, coerce=int)
    impact = forms.TypedChoiceField(label=_("Impact"), choices=LEVEL_CHOICES, coerce=int)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separate tags with commas."),
    )

    def __init__(self, *args: Any, ticket: Ticket, tag_names: list[str], **kwargs: Any):
        self.ticket = ticket
        self.tag_names = tag_names
        self.definitions = custom_fields.cached_definitions_for(ticket.ticket_type)
        kwargs.setdefault(
            "initial",
            {
                "expected_version": ticket.version,
                "status": ticket.status_id,
                "priority": str(ticket.priority) if ticket.priority_overridden else "",
                "urgency": ticket.urgency,
                "impact": ticket.impact,
                "team": ticket.team_id,
                "assignee": ticket.assignee_id,
                "ticket_type": ticket.ticket_type_id,
                "category": ticket.category_id,
                "business_area": ticket.business_area_id,
                "tags": ", ".join(tag_names),
                **{
                    f"cf_{d.key}": ticket.custom_fields.get(d.key)
                    for d in self.definitions
                    if d.key in ticket.custom_fields and d.field_type != FieldType.FILE
                },
            },
        )
        super().__init__(*args, **kwargs)
        targets = workflow.allowed_targets(ticket.status, ticket_type_id=ticket.ticket_type_id)
        if ticket.is_open:
            # resolving asks for a summary and a checklist: the page's Resolve form does it
            targets = [s for s in targets if s.category not in DONE_CATEGORIES]
        self.status_targets = [ticket.status, *targets]
        status_field = self.fields["status"]
        assert isinstance(status_field, ShortChoiceField)
        status_field.queryset = Status.objects.filter(pk__in=[s.pk for s in self.status_targets])
        status_field.objects = sorted(self.status_targets, key=lambda s: (s.order, s.pk))
        for definition in self.definitions:
            self.fields[f"cf_{definition.key}"] = _custom_field(definition)

    def initial_data(self) -> QueryDict:
        """The form's starting values as submitted data (to tell what the agent changed)."""
        data = QueryDict(mutable=True)
        for name in self.fields:
            if name == "expected_version" or name in self.file_field_names:
                continue
            value = self.initial.get(name)
            if isinstance(value, list | tuple):
                data.setlist(name, [str(v) for v in value])
            elif isinstance(value, bool):
                data[name] = "on" if value else ""
            else:
                data[name] = "" if value is None else str(value)
        return data

    def changed_names(self, submitted: QueryDict, was: QueryDict) -> list[str]:
        return [
            name
            for name in self.fields
            if name != "expected_version"
            and name not in self.file_field_names  # a file is not sent again
            and submitted.getlist(name) != was.getlist(name)
        ]

    @property
    def file_field_names(self) -> set[str]:
        return {f"cf_{d.key}" for d in self.definitions if d.field_type == FieldType.FILE}

    @property
    def custom_field_names(self) -> list[str]:
        return [f"cf_{d.key}" for d in self.definitions]

    def custom_field_groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return custom_field_groups(self, self.definitions)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        ticket = self.ticket
        changes: dict[str, Any] = {}
        if data["status"].pk != ticket.status_id:
            changes["status"] = data["status"]
        for name in ("urgency", "impact"):
            if data[name] != getattr(ticket, name):
                changes[name] = data[name]
        wanted = int(data["priority"]) if data["priority"] else None
        if wanted is None and ticket.priority_overridden:
            changes["priority"] = None
        elif wanted is not None and (not ticket.priority_overridden or wanted != ticket.priority):
            changes["priority"] = wanted
        for name in ("team", "ticket_type", "category", "business_area"):
            value = data[name]
            if (value.pk if value else None) != getattr(ticket, f"{name}_id"):
                changes[name] = value
        assignee = data["assignee"]
        if (assignee.pk if assignee else None) != ticket.assignee_id:
            changes["assignee"] = assignee
        wanted_tags = set(split_tags(data["tags"]))
        current = {t.lower() for t in self.tag_names}
        if wanted_tags - current:
            changes["tags_add"] = sorted(wanted_tags - current)
        if current - wanted_tags:
            changes["tags_remove"] = sorted(current - wanted_tags)
        custom: dict[str, Any] = {}
        for definition in self.definitions:
            value = data.get(f"cf_{definition.key}")
            if definition.field_type == FieldType.FILE:
                if value:  # no new file: the field keeps its file
                    custom[definition.key] = uploaded(value)
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            if value in ("", None, []) and definition.field_type != FieldType.CHECKBOX:
                value = None
            if value != ticket.custom_fields.get(definition.key):
                custom[definition.key] = value
        if custom:
            changes["custom_fields"] = custom
        return changes


class NewTicketForm(RoutingFieldsForm):
    """A ticket opened by an agent for a customer (phone, walk-in, chat)."""

    field_order = [
        "requester_email",
        "requester_name",
        "channel",
        "subject",
        "body",
        "team",
        "assignee",
        "ticket_type",
        "category",
        "business_area",
        "urgency",
        "impact",
        "tags",
    ]
    CHANNELS = [
        (Channel.PHONE, _("Phone")),
        (Channel.AGENT, _("In person (walk-in)")),
        (Channel.EMAIL, _("Email")),
        (Channel.CHAT, _("Chat")),
    ]
    requester_email = forms.EmailField(label=_("Requester email"))
    requester_name = forms.CharField(label=_("Requester name"), max_length=200, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNELS, initial=Channel.PHONE)
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What the customer told you. Markdown is supported."),
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=LEVEL_CHOICES, coerce=int, initial=Level.MEDIUM
    )
    impact = forms.TypedChoiceField(
        label=_("Impact"), choices=LEVEL_CHOICES, coerce=int, initial=Level.MEDIUM
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Comma separated."))

    def __init__(
        self, *args: Any, definitions: list[CustomFieldDefinition] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.definitions = list(definitions or [])
        for definition in self.definitions:
            field = _custom_field(definition)
            field.required = definition.required
            self.fields[f"cf_{definition.key}"] = field
        # choosing another type shows that type's custom fields (the page without JavaScript
        # shows them after the first submit)
        self.fields["ticket_type"].widget.attrs.update(
            {
                "hx-get": reverse("workspace:new_ticket"),
                "hx-trigger": "change",
                "hx-target": "#custom-fields",
                "hx-select": "#custom-fields",
                "hx-swap": "outerHTML",
                "hx-include": "this",
            }
        )

    @property
    def custom_fields(self) -> list[forms.BoundField]:
        return [self[f"cf_{d.key}"] for d in self.definitions]

    def custom_field_groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return custom_field_groups(self, self.definitions)

    def custom_values(self) -> dict[str, Any]:
        """The filled-in custom fields, in the shape `open_ticket` takes."""
        values: dict[str, Any] = {}
        for definition in self.definitions:
            value = self.cleaned_data.get(f"cf_{definition.key}")
            if isinstance(value, dt.date):
                value = value.isoformat()
            if definition.field_type == FieldType.FILE:
                value = uploaded(value)
            if value not in (None, "", [], False):
                values[definition.key] = value
        return values


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    query = forms.CharField(label=_("Query"), max_length=500)
