"""Models of the smart-support app.

`TrainedModel` keeps each trained baseline (TF-IDF + one linear classifier per field, and the
TF-IDF rows of recent tickets for similarity) as a joblib blob with its version; the newest
row is the one in use. `Suggestion` is one suggested value for one field of one ticket, with
its confidence, its reason and what the agent (or a rule) did with it: the acceptance rate
per field is read from these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainedModel(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained"))
    ticket_count = models.PositiveIntegerField(_("tickets learned from"), default=0)
    seconds = models.FloatField(_("training time (s)"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    blob = models.BinaryField(_("model"))

    class Meta:
        verbose_name = _("trained model")
        verbose_name_plural = _("trained models")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class SuggestedField(models.TextChoices):
    TICKET_TYPE = "ticket_type", _("Type")
    CATEGORY = "category", _("Category")
    TEAM = "team", _("Team")
    URGENCY = "urgency", _("Urgency")
    IMPACT = "impact", _("Impact")


class Decision(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    AUTOMATIC = "automatic", _("Applied by a rule")


class Suggestion(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="smart_suggestions"
    )
    field = models.CharField(_("field"), max_length=20, choices=SuggestedField.choices)
    value = models.CharField(_("value"), max_length=40)
    confidence = models.FloatField(_("confidence"))
    reason = models.JSONField(_("reason"), default=dict, blank=True)
    model_version = models.PositiveIntegerField(_("model version"))
    created_at = models.DateTimeField(_("created"))
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "field"], name="smart_one_per_field"),
        ]
        indexes = [models.Index(fields=["field", "decision"], name="smart_field_decision")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.field}={self.value} ({self.confidence:.0%})"


class AnswerKind(models.TextChoices):
    ARTICLE = "article", _("Knowledge base article")
    REPLY = "reply", _("Past reply")


class AnswerOffer(models.Model):
    """An answer suggestion (an article or a past reply) shown to an agent on a ticket, once
    per ticket, kind and answer; `used_at` is set when an agent inserts it into a reply. The
    acceptance rate of answer suggestions is read from these rows."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="smart_answer_offers"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AnswerKind.choices)
    answer_id = models.PositiveIntegerField(_("answer"))
    offered_at = models.DateTimeField(_("offered"))
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    used_at = models.DateTimeField(_("inserted"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer suggestion")
        verbose_name_plural = _("answer suggestions")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind", "answer_id"], name="smart_one_offer_per_answer"
            ),
        ]
        indexes = [models.Index(fields=["kind", "used_at"], name="smart_answer_kind_used")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.answer_id}"
