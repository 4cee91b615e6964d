"""Training, prediction and evaluation of the baseline on a small three-language history."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command

from tests.factories import make_ticket
from ticketdesk.smart import actions, evaluation, learning, prediction, training
from ticketdesk.smart.models import Decision, Suggestion, TrainedModel

from .helpers import KINDS, build_desk, suggestions_by_field

pytestmark = pytest.mark.django_db


def test_without_a_model_there_are_no_suggestions(team):
    ticket = make_ticket(subject="VPN is down", team=team)
    assert prediction.triage(ticket) is None
    assert actions.record_suggestions(ticket) == []


def test_training_stores_numbered_versions_and_keeps_two():
    build_desk(rounds=1, solve=False)
    first = training.train()
    assert first is not None and first.version == 1
    assert first.ticket_count == 15
    assert set(first.summary["fields"]) == {"ticket_type", "category", "team", "urgency"}
    training.train()
    third = training.train()
    assert third is not None
    assert list(TrainedModel.objects.values_list("version", flat=True)) == [3, 2]
    version, learner = training.current()
    assert version == 3 and isinstance(learner, learning.Learner)


def test_learning_reads_the_newest_tickets_when_the_history_is_longer_than_the_cap():
    """A 1M-ticket desk learns from its newest TICKETDESK_SMART_MAX_TICKETS, oldest first."""
    build_desk(rounds=1, solve=False)
    ids = list(training.history().order_by("id").values_list("id", flat=True))
    data = training.load_dataset(limit=4)
    assert data.ids == ids[-4:]
    assert training.load_dataset(limit=len(ids) + 10).ids == ids
    model = training.train(limit=6)
    assert model is not None and model.ticket_count == 6


def test_a_new_vpn_ticket_gets_network_and_vpn_with_its_reason():
    desk = build_desk(rounds=2, solve=False)
    training.train()
    ticket = make_ticket(subject="The VPN keeps dropping", body="VPN disconnects at home.")
    triage = prediction.triage(ticket)
    assert triage is not None
    guesses = {g.field: g for g in triage.fields}
    team = guesses["team"]
    assert team.value == str(desk.teams["vpn"].pk)
    assert team.confidence > 0.5
    assert "vpn" in team.words
    assert team.similar_ids  # past tickets with the same team
    assert guesses["category"].value == str(desk.categories["vpn"].pk)
    assert len(team.ranked) == 3


def test_portuguese_and_italian_tickets_are_understood():
    desk = build_desk(rounds=2, solve=False)
    training.train()
    for subject in ("A impressora não imprime", "La stampante è offline"):
        ticket = make_ticket(subject=subject, body=subject)
        guesses = {g.field: g for g in prediction.triage(ticket).fields}
        assert guesses["team"].value == str(desk.teams["printer"].pk), subject


def test_suggestions_are_recorded_once_per_model_version():
    build_desk(rounds=1, solve=False)
    training.train()
    ticket = make_ticket(subject="VPN disconnects", body="VPN")
    first = actions.record_suggestions(ticket)
    again = actions.record_suggestions(ticket)
    assert {s.pk for s in first} == {s.pk for s in again}
    assert Suggestion.objects.filter(ticket=ticket).count() == len(first)
    suggestion = suggestions_by_field(ticket)["team"]
    Suggestion.objects.filter(pk=suggestion.pk).update(decision=Decision.REJECTED)
    training.train()
    actions.record_suggestions(ticket)
    assert Suggestion.objects.get(pk=suggestion.pk).decision == Decision.REJECTED


def test_evaluation_beats_the_most_frequent_class():
    build_desk(rounds=3, solve=False)
    result = evaluation.evaluate()
    assert result.trained_on == 36 and result.tested_on == 9
    scores = {s.field: s for s in result.fields}
    assert scores["category"].accuracy > scores["category"].baseline
    assert scores["category"].top3 >= scores["category"].accuracy
    assert result.precision_at_5 is not None and result.precision_at_5 > 0.6
    lines = evaluation.report(result)
    assert lines[0].startswith("trained on 36")
    assert any(line.startswith("category") for line in lines)


def test_commands_train_and_evaluate():
    build_desk(rounds=2, solve=False)
    out = io.StringIO()
    call_command("smart", "train", stdout=out)
    assert "model v1: 30 tickets" in out.getvalue()
    assert "reading [" in out.getvalue() and "learning: step 7/7" in out.getvalue()
    out = io.StringIO()
    call_command("smart", "evaluate", stdout=out)
    assert "precision@5" in out.getvalue()
    assert "baseline" in out.getvalue()


def test_the_training_task_is_scheduled_daily():
    from ticketdesk.core.scheduler import jobs
    from ticketdesk.smart.tasks import train_models

    [job] = [j for j in jobs() if j.name == "smart.train_models"]
    assert job.every_seconds == 24 * 3600
    build_desk(rounds=1, solve=False)
    assert train_models.call() == 1


def test_probabilities_over_the_non_zero_features_equal_predict_proba():
    """learning.probabilities_of (the fast path of triage) gives scikit-learn's own
    predict_proba, for binary and multi-class fields, and for a text with no known word."""
    texts, labels = [], {name: [] for name in learning.FIELDS}
    for round_number in range(3):
        for kind, (subjects, _summary, _reply) in KINDS.items():
            for subject in subjects:
                texts.append(learning.ticket_text(subject, f"{subject} #{round_number}"))
                labels["category"].append(kind)  # three classes
                labels["ticket_type"].append("question" if kind == "invoice" else "incident")
                labels["team"].append(kind)
                labels["urgency"].append(len(texts) % 4 + 1)
                labels["impact"].append(None)  # unknown: not learned
    learner = learning.fit(texts, labels, list(range(1, len(texts) + 1)), index_size=100)
    assert learner.classifiers["ticket_type"].coef_.shape[0] == 1  # a binary field
    assert learner.classifiers["urgency"].coef_.shape[0] == 4
    questions = [
        "VPN outage: cannot connect to the VPN",
        "Fattura sbagliata, IVA errata",
        "zzzz qqqq",  # nothing the model knows
        "",
    ]
    for text in questions:
        vector = learner.vectors([learning.ticket_text(text, "")])
        for classifier in learner.classifiers.values():
            expected = classifier.predict_proba(vector)[0]
            found = learning.probabilities_of(classifier, vector)
            assert found.shape == expected.shape
            np.testing.assert_allclose(found, expected, rtol=0, atol=1e-9)
