"""The demo's words: people's names by language, ticket subjects and bodies, replies and
notes (used by `demo.data` and `demo.bulk`)."""

from __future__ import annotations

from typing import Any

NAMES = {
    "Hardware": ("Equipamentos", "Dispositivi"),
    "Laptop": ("Notebook", "Portatile"),
    "Printer": ("Impressora", "Stampante"),
    "Phone": ("Telefone", "Telefono"),
    "Software": ("Software", "Software"),
    "Email": ("E-mail", "Posta elettronica"),
    "VPN": ("VPN", "VPN"),
    "Office": ("Office", "Office"),
    "Accounts": ("Contas", "Account"),
    "Password": ("Senha", "Password"),
    "Access request": ("Pedido de acesso", "Richiesta di accesso"),
    "Billing": ("Faturamento", "Fatturazione"),
    "Invoice": ("Nota fiscal", "Fattura"),
    "Refund": ("Reembolso", "Rimborso"),
    "Sales": ("Vendas", "Vendite"),
    "Operations": ("Operações", "Operazioni"),
    "Finance": ("Financeiro", "Finanza"),
}
# custom fields of the demo: (key, label, type, choices, types, required, help text,
# {language: {"label", "help_text", "choices"}})
CUSTOM_FIELDS: list[tuple[str, str, str, list[str], list[str], bool, str, dict[str, Any]]] = [
    (
        "asset_tag",
        "Asset tag",
        "text",
        [],
        ["incident"],
        False,
        "The sticker on the device, e.g. LT-1234.",
        {
            "pt-br": {
                "label": "Patrimônio",
                "help_text": "A etiqueta no equipamento, por exemplo LT-1234.",
            },
            "it": {
                "label": "Numero di inventario",
                "help_text": "L'etichetta sul dispositivo, ad es. LT-1234.",
            },
        },
    ),
    (
        "operating_system",
        "Operating system",
        "choice",
        ["windows", "macos", "linux", "other"],
        ["incident", "service-request"],
        False,
        "Which system the computer runs.",
        {
            "pt-br": {
                "label": "Sistema operacional",
                "help_text": "Qual sistema o computador usa.",
                "choices": {
                    "windows": "Windows",
                    "macos": "macOS",
                    "linux": "Linux",
                    "other": "Outro",
                },
            },
            "it": {
                "label": "Sistema operativo",
                "help_text": "Quale sistema usa il computer.",
                "choices": {
                    "windows": "Windows",
                    "macos": "macOS",
                    "linux": "Linux",
                    "other": "Altro",
                },
            },
        },
    ),
]


SUBJECTS = {
    "en": [
        ("VPN disconnects every few minutes", "Software / VPN", "incident"),
        ("Cannot print to the 3rd floor printer", "Hardware / Printer", "incident"),
        ("Please reset my password", "Accounts / Password", "service-request"),
        ("Invoice shows the wrong VAT number", "Billing / Invoice", "question"),
        ("Laptop battery drains in an hour", "Hardware / Laptop", "incident"),
        ("Request access to the finance share", "Accounts / Access request", "service-request"),
        ("Outlook keeps asking for my password", "Software / Email", "incident"),
        ("Refund for a double charge", "Billing / Refund", "question"),
        ("Export to PDF crashes the app", "Software / Office", "bug"),
    ],
    "pt-br": [
        ("A VPN cai a cada poucos minutos", "Software / VPN", "incident"),
        ("Não consigo imprimir", "Hardware / Printer", "incident"),
        ("Preciso redefinir minha senha", "Accounts / Password", "service-request"),
        ("Nota fiscal com CNPJ errado", "Billing / Invoice", "question"),
        ("O notebook não liga", "Hardware / Laptop", "incident"),
        ("Cobrança duplicada no cartão", "Billing / Refund", "question"),
    ],
    "it": [
        ("La VPN si disconnette spesso", "Software / VPN", "incident"),
        ("La stampante non funziona", "Hardware / Printer", "incident"),
        ("Devo reimpostare la password", "Accounts / Password", "service-request"),
        ("Fattura con partita IVA errata", "Billing / Invoice", "question"),
        ("Il telefono aziendale non si carica", "Hardware / Phone", "incident"),
        ("Richiesta di rimborso", "Billing / Refund", "question"),
    ],
}
BODIES = {
    "en": "Hi,\n\n{subject}. It started this morning and it is blocking my work. "
    "Could you please take a look?\n\nThanks,\n{name}",
    "pt-br": "Olá,\n\n{subject}. Começou hoje de manhã e está atrapalhando meu trabalho. "
    "Podem verificar, por favor?\n\nObrigado(a),\n{name}",
    "it": "Buongiorno,\n\n{subject}. È iniziato stamattina e mi blocca il lavoro. "
    "Potete verificare, per favore?\n\nGrazie,\n{name}",
}
AGENT_REPLIES = {
    "en": [
        "Thanks {first}, I'm looking into it now.",
        "Could you send a screenshot of the error, please?",
        "This should be fixed now. Can you confirm?",
    ],
    "pt-br": [
        "Obrigado, {first}! Já estou verificando.",
        "Pode enviar uma captura de tela do erro?",
        "Deve estar resolvido agora. Pode confirmar?",
    ],
    "it": [
        "Grazie {first}, ci sto lavorando.",
        "Può inviare uno screenshot dell'errore?",
        "Dovrebbe essere risolto ora. Può confermare?",
    ],
}
CUSTOMER_REPLIES = {
    "en": ["Here is the screenshot you asked for.", "Yes, it works now. Thank you!"],
    "pt-br": ["Segue a captura de tela.", "Sim, funcionou. Obrigado!"],
    "it": ["Ecco lo screenshot richiesto.", "Sì, ora funziona. Grazie!"],
}
NOTES = [
    "Checked the logs: the token expired at 09:12.",
    "Escalating to the network team.",
    "Known issue with the last update, see the problem ticket.",
]
