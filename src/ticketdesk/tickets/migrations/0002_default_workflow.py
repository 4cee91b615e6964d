"""The shipped configuration: statuses, the default workflow, ticket types, the priority
matrix and the ticket counter. Admins change all of it in the admin."""

from django.db import migrations

STATUSES = [
    # key, name, category, order, default
    ("new", "New", "new", 10, True),
    ("open", "Open", "open", 20, False),
    ("pending", "Pending", "pending", 30, False),
    ("on-hold", "On hold", "open", 35, False),
    ("resolved", "Resolved", "resolved", 40, False),
    ("closed", "Closed", "closed", 50, False),
]
TRANSITIONS = {
    "new": ["open", "pending", "on-hold", "resolved", "closed"],
    "open": ["pending", "on-hold", "resolved", "closed"],
    "pending": ["open", "on-hold", "resolved", "closed"],
    "on-hold": ["open", "pending", "resolved", "closed"],
    "resolved": ["open", "closed"],  # reopening is a transition
    "closed": [],
}
TYPES = [("incident", "Incident"), ("service-request", "Service request"),
         ("question", "Question"), ("problem", "Problem"), ("bug", "Bug")]


def default_priority(urgency, impact):
    total = urgency + impact
    if total <= 3:
        return 1
    if total == 4:
        return 2
    if total <= 6:
        return 3
    return 4


def forwards(apps, schema_editor):
    Status = apps.get_model("tickets", "Status")
    Transition = apps.get_model("tickets", "Transition")
    TicketType = apps.get_model("tickets", "TicketType")
    PriorityRule = apps.get_model("tickets", "PriorityRule")
    TicketCounter = apps.get_model("tickets", "TicketCounter")
    statuses = {}
    for key, name, category, order, default in STATUSES:
        statuses[key], _ = Status.objects.get_or_create(
            key=key, defaults={"name": name, "category": category, "order": order,
                               "is_default": default})
    for source, targets in TRANSITIONS.items():
        for target in targets:
            Transition.objects.get_or_create(from_status=statuses[source],
                                             to_status=statuses[target])
    for order, (key, name) in enumerate(TYPES):
        TicketType.objects.get_or_create(key=key, defaults={"name": name, "order": order})
    for urgency in range(1, 5):
        for impact in range(1, 5):
            PriorityRule.objects.get_or_create(
                urgency=urgency, impact=impact,
                defaults={"priority": default_priority(urgency, impact)})
    TicketCounter.objects.get_or_create(name="ticket", defaults={"next_value": 1000})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
