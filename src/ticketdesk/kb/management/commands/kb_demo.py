"""`ticketdesk kb_demo`: a small, believable knowledge base in English, Portuguese and Italian
(idempotent: existing articles are left alone)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from ticketdesk.kb import actions
from ticketdesk.kb.models import Article, KbCategory, Section, Visibility

# (category, section, slug, visibility, {language: (title, markdown)})
ARTICLES: list[tuple[str, str, str, str, dict[str, tuple[str, str]]]] = [
    (
        "Connectivity",
        "VPN",
        "connect-to-the-vpn-from-home",
        Visibility.PUBLIC,
        {
            "en": (
                "Connect to the VPN from home",
                "1. Open **GlobalProtect**.\n2. Enter `vpn.example.com` as the portal.\n"
                "3. Sign in with your company account and approve the MFA prompt.\n\n"
                "If it fails, restart the laptop and try again on a wired connection.",
            ),
            "pt-br": (
                "Conectar à VPN de casa",
                "1. Abra o **GlobalProtect**.\n2. Informe `vpn.example.com` como portal.\n"
                "3. Entre com a conta da empresa e aprove o MFA.\n\n"
                "Se falhar, reinicie o notebook e tente de novo com cabo de rede.",
            ),
            "it": (
                "Connettersi alla VPN da casa",
                "1. Apri **GlobalProtect**.\n2. Inserisci `vpn.example.com` come portale.\n"
                "3. Accedi con l'account aziendale e approva la richiesta MFA.\n\n"
                "Se non funziona, riavvia il portatile e riprova via cavo.",
            ),
        },
    ),
    (
        "Connectivity",
        "VPN",
        "vpn-keeps-disconnecting",
        Visibility.PUBLIC,
        {
            "en": (
                "VPN keeps disconnecting",
                "Wi-Fi power saving drops the tunnel. Plug in a network cable or turn off "
                "*power saving* for the wireless adapter, then reconnect.",
            ),
            "pt-br": (
                "A VPN cai toda hora",
                "A economia de energia do Wi-Fi derruba o túnel. Use cabo de rede ou desative "
                "a *economia de energia* do adaptador sem fio e reconecte.",
            ),
            "it": (
                "La VPN si disconnette di continuo",
                "Il risparmio energetico del Wi-Fi chiude il tunnel. Usa un cavo di rete o "
                "disattiva il *risparmio energetico* della scheda wireless e riconnettiti.",
            ),
        },
    ),
    (
        "Accounts",
        "Passwords",
        "reset-your-password",
        Visibility.PUBLIC,
        {
            "en": (
                "Reset your password",
                "Go to **account.example.com**, choose *Forgot password* and follow the "
                "link we email you. The new password needs 12 characters.",
            ),
            "pt-br": (
                "Redefinir sua senha",
                "Acesse **account.example.com**, escolha *Esqueci a senha* e siga o link "
                "enviado por e-mail. A nova senha precisa de 12 caracteres.",
            ),
            "it": (
                "Reimpostare la password",
                "Vai su **account.example.com**, scegli *Password dimenticata* e segui il "
                "link che ti inviamo. La nuova password deve avere 12 caratteri.",
            ),
        },
    ),
    (
        "Accounts",
        "Passwords",
        "set-up-multi-factor-authentication",
        Visibility.CUSTOMERS,
        {
            "en": (
                "Set up multi-factor authentication",
                "Install **Microsoft Authenticator**, open *Security info* in your account "
                "and scan the QR code. Keep the recovery codes somewhere safe.",
            ),
            "pt-br": (
                "Configurar a autenticação multifator",
                "Instale o **Microsoft Authenticator**, abra *Informações de segurança* na "
                "sua conta e leia o QR code. Guarde os códigos de recuperação.",
            ),
        },
    ),
    (
        "Hardware",
        "Printing",
        "fix-a-paper-jam",
        Visibility.PUBLIC,
        {
            "en": (
                "Fix a paper jam",
                "Open the **front tray**, pull the paper out gently in the direction it "
                "travels, close the tray and press *Resume*.",
            ),
            "it": (
                "Risolvere un inceppamento della carta",
                "Apri il **cassetto frontale**, estrai delicatamente la carta nel senso di "
                "avanzamento, chiudi il cassetto e premi *Riprendi*.",
            ),
        },
    ),
    (
        "Hardware",
        "Printing",
        "printer-admin-reset",
        Visibility.INTERNAL,
        {
            "en": (
                "Printer admin reset (agents)",
                "Hold *Stop* for 10 s, enter the admin PIN from the vault, choose "
                "**Network reset**. Re-register the printer in the print server afterwards.",
            ),
        },
    ),
]


# names of the topics and sections in the other languages (KbCategory / Section translations)
TOPICS: dict[str, dict[str, dict[str, str]]] = {
    "Connectivity": {
        "pt-br": {"name": "Conectividade", "description": "VPN, Wi-Fi e acesso remoto."},
        "it": {"name": "Connettività", "description": "VPN, Wi-Fi e accesso remoto."},
    },
    "Accounts": {
        "pt-br": {"name": "Contas", "description": "Senhas, acessos e autenticação."},
        "it": {"name": "Account", "description": "Password, accessi e autenticazione."},
    },
    "Hardware": {
        "pt-br": {"name": "Equipamentos", "description": "Notebooks, impressoras e telefones."},
        "it": {"name": "Dispositivi", "description": "Portatili, stampanti e telefoni."},
    },
}
TOPIC_DESCRIPTIONS = {
    "Connectivity": "VPN, Wi-Fi and remote access.",
    "Accounts": "Passwords, access and sign-in.",
    "Hardware": "Laptops, printers and phones.",
}
SECTIONS: dict[str, dict[str, dict[str, str]]] = {
    "VPN": {"pt-br": {"name": "VPN"}, "it": {"name": "VPN"}},
    "Passwords": {"pt-br": {"name": "Senhas"}, "it": {"name": "Password"}},
    "Printing": {"pt-br": {"name": "Impressão"}, "it": {"name": "Stampa"}},
}


class Command(BaseCommand):
    help = "Load a sample knowledge base (en, pt-br, it)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = 0
        with transaction.atomic():
            for category_name, section_name, slug, visibility, texts in ARTICLES:
                if Article.objects.filter(slug=slug).exists():
                    continue
                category, _new = KbCategory.objects.get_or_create(
                    slug=category_name.lower(),
                    defaults={
                        "name": category_name,
                        "description": TOPIC_DESCRIPTIONS.get(category_name, ""),
                        "translations": TOPICS.get(category_name, {}),
                    },
                )
                section, _new = Section.objects.get_or_create(
                    category=category,
                    slug=section_name.lower(),
                    defaults={"name": section_name, "translations": SECTIONS.get(section_name, {})},
                )
                title, body = texts["en"]
                article = actions.create_article(
                    actor=None,
                    section=section,
                    title=title,
                    body_markdown=body,
                    visibility=visibility,
                    slug=slug,
                    publish=True,
                )
                for language, (title, body) in texts.items():
                    if language != "en":
                        actions.save_version(
                            article,
                            actor=None,
                            language=language,
                            title=title,
                            body_markdown=body,
                            publish=True,
                        )
                created += 1
        self.stdout.write(f"{created} articles created.")
