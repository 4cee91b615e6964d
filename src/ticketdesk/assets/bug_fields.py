"""The fields of a bug report, shipped as custom-field definitions of the "Bug" ticket type
(data migration assets 0002): affected product or asset and version, environment, steps to
reproduce, expected and actual result, severity, where it was found, the version that fixes
it. Optional, so that bugs opened by mail or the API are not refused; admins change them
like any custom field. Those marked `customers` are asked in the portal too."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

BUG_TYPE = "bug"

# key, label, type, choices [(value, label)], help text, asked in the portal
FIELDS: list[tuple[str, str, str, list[tuple[str, str]], str, bool]] = [
    ("bug_affected_item", gettext_noop("Affected product or asset"), "text", [],
     gettext_noop("Its name or identifier in the asset list."), True),
    ("bug_affected_version", gettext_noop("Affected version"), "text", [], "", True),
    ("bug_environment", gettext_noop("Environment"), "text", [],
     gettext_noop("Operating system, browser, device, configuration."), True),
    ("bug_steps", gettext_noop("Steps to reproduce"), "text", [],
     gettext_noop("What to do, step by step, to see the bug."), True),
    ("bug_expected", gettext_noop("Expected result"), "text", [], "", True),
    ("bug_actual", gettext_noop("Actual result"), "text", [], "", True),
    ("bug_severity", gettext_noop("Severity"), "choice", [
        ("blocker", gettext_noop("Blocker")),
        ("critical", gettext_noop("Critical")),
        ("major", gettext_noop("Major")),
        ("minor", gettext_noop("Minor")),
        ("trivial", gettext_noop("Trivial")),
    ], "", False),
    ("bug_found_in", gettext_noop("Found in"), "choice", [
        ("testing", gettext_noop("Testing")),
        ("production", gettext_noop("Production")),
    ], "", False),
    ("bug_fixed_in", gettext_noop("Fixed in version"), "text", [], "", False),
]  # fmt: skip

# the rows store their other languages themselves (core/translatable.py)
TRANSLATIONS: dict[str, dict[str, str]] = {
    "pt-br": {
        "Affected product or asset": "Produto ou ativo afetado",
        "Its name or identifier in the asset list.": "O nome ou identificador na lista de ativos.",
        "Affected version": "Versão afetada",
        "Environment": "Ambiente",
        "Operating system, browser, device, configuration.": (
            "Sistema operacional, navegador, dispositivo, configuração."
        ),
        "Steps to reproduce": "Passos para reproduzir",
        "What to do, step by step, to see the bug.": (
            "O que fazer, passo a passo, para ver o defeito."
        ),
        "Expected result": "Resultado esperado",
        "Actual result": "Resultado obtido",
        "Severity": "Gravidade",
        "Blocker": "Impeditivo",
        "Critical": "Crítico",
        "Major": "Grave",
        "Minor": "Menor",
        "Trivial": "Trivial",
        "Found in": "Encontrado em",
        "Testing": "Testes",
        "Production": "Produção",
        "Fixed in version": "Corrigido na versão",
    },
    "it": {
        "Affected product or asset": "Prodotto o asset interessato",
        "Its name or identifier in the asset list.": (
            "Il nome o l'identificativo nell'elenco degli asset."
        ),
        "Affected version": "Versione interessata",
        "Environment": "Ambiente",
        "Operating system, browser, device, configuration.": (
            "Sistema operativo, browser, dispositivo, configurazione."
        ),
        "Steps to reproduce": "Passi per riprodurre",
        "What to do, step by step, to see the bug.": (
            "Cosa fare, passo per passo, per vedere il difetto."
        ),
        "Expected result": "Risultato atteso",
        "Actual result": "Risultato effettivo",
        "Severity": "Gravità",
        "Blocker": "Bloccante",
        "Critical": "Critico",
        "Major": "Grave",
        "Minor": "Minore",
        "Trivial": "Banale",
        "Found in": "Trovato in",
        "Testing": "Collaudo",
        "Production": "Produzione",
        "Fixed in version": "Corretto nella versione",
    },
}


def _translations(label: str, help_text: str, choices: list[tuple[str, str]]) -> dict:
    out: dict[str, dict[str, Any]] = {}
    for language, words in TRANSLATIONS.items():
        entry: dict[str, Any] = {"label": words[label]}
        if help_text:
            entry["help_text"] = words[help_text]
        if choices:
            entry["choices"] = {value: words[text] for value, text in choices}
        out[language] = entry
    return out


def seed(apps: Any) -> int:
    """Create the bug fields that are missing (by key) and give them to the Bug type, if
    there is one; returns how many were created."""
    definition_model = apps.get_model("tickets", "CustomFieldDefinition")
    type_model = apps.get_model("tickets", "TicketType")
    bug = type_model.objects.filter(key=BUG_TYPE).first()
    created = 0
    for order, (key, label, kind, choices, help_text, customers) in enumerate(FIELDS, 100):
        if definition_model.objects.filter(key=key).exists():
            continue
        definition = definition_model.objects.create(
            key=key,
            label=label,
            field_type=kind,
            choices=[{"value": value, "label": text} for value, text in choices],
            help_text=help_text,
            required=False,
            visible_to_customers=customers,
            order=order,
            translations=_translations(label, help_text, choices),
        )
        if bug is not None:
            definition.ticket_types.add(bug)
        created += 1
    return created


def unseed(apps: Any) -> None:
    definition_model = apps.get_model("tickets", "CustomFieldDefinition")
    definition_model.objects.filter(key__in=[f[0] for f in FIELDS]).delete()
