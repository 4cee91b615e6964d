"""Knowledge-base search at 10k articles (issue 20): p50 / p95 of `kb.search.search` — the
function the portal's search page and the agent's insert-link fragment call — for every query
shape, plus one series through the real views with Django's test client.

    python bench/kb_search.py                        # SQLite file database under var/bench
    python bench/kb_search.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    python bench/kb_search.py --articles 10000 --repeats 60 [--keep] [--existing]

The articles are written in bulk (rows as `kb.actions` leaves them: article, published
translation per language, the search document per published translation): `--articles`
articles over 4 categories × 3 sections; about 85 % published, visibility 70 % public, 20 %
customers-only, 10 % internal; every article in English, 30 % also in Portuguese, 20 % also
in Italian. Bodies are 120–360 words from a Zipf-like vocabulary (a few help-desk words in a
large share of articles, thousands of rare ones), so "password" matches thousands of articles
and "quorvex" a handful. Goal (issue 20): p95 ≤ 25 ms for every query shape.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from run import prepare_database, setup_django  # noqa: E402 - bench scripts share helpers

COMMON_EN = [
    "password",
    "reset",
    "account",
    "login",
    "vpn",
    "printer",
    "email",
    "network",
    "access",
    "error",
    "update",
    "install",
    "laptop",
    "connect",
    "configure",
    "server",
    "browser",
    "mailbox",
    "license",
    "screen",
    "phone",
    "backup",
    "folder",
    "shared",
    "drive",
    "wifi",
    "settings",
    "security",
    "certificate",
    "token",
    "portal",
    "invoice",
    "report",
]
COMMON_PT = [
    "senha",
    "conta",
    "acesso",
    "impressora",
    "rede",
    "configurar",
    "erro",
    "atualizar",
    "instalar",
    "conectar",
    "servidor",
    "navegador",
    "pasta",
    "compartilhada",
    "segurança",
    "certificado",
    "fatura",
    "relatório",
]
COMMON_IT = [
    "password",
    "account",
    "accesso",
    "stampante",
    "rete",
    "configurare",
    "errore",
    "aggiornare",
    "installare",
    "collegare",
    "server",
    "browser",
    "cartella",
    "condivisa",
    "sicurezza",
    "certificato",
    "fattura",
    "rapporto",
]
FILLER = {
    "en": [
        "the",
        "a",
        "to",
        "and",
        "of",
        "in",
        "for",
        "your",
        "you",
        "is",
        "it",
        "on",
        "with",
        "this",
        "that",
        "click",
        "open",
        "then",
    ],
    "pt-br": [
        "o",
        "a",
        "de",
        "para",
        "e",
        "em",
        "com",
        "sua",
        "você",
        "é",
        "isso",
        "clique",
        "abra",
        "então",
        "não",
    ],
    "it": [
        "il",
        "la",
        "di",
        "per",
        "e",
        "in",
        "con",
        "tua",
        "tu",
        "è",
        "questo",
        "clicca",
        "apri",
        "poi",
        "non",
    ],
}
COMMON = {"en": COMMON_EN, "pt-br": COMMON_PT, "it": COMMON_IT}
SYLLABLES = "ka lo ri ven tor mi sa dun pe quor vex bal tin ro shu gar nel fi zo"
SYLLABLES_LIST = SYLLABLES.split()
RARE_WORD = "quorvex"  # planted in exactly RARE_COUNT articles
RARE_COUNT = 5

QUERIES = {
    # shape: (text, reader language)
    "common word": ("password", "en"),
    "two words": ("reset password", "en"),
    "prefix (as you type)": ("pass", "en"),
    "prefix, second word": ("printer conf", "en"),
    "rare word": (RARE_WORD, "en"),
    "other language phrase": ('"configurar impressora"', "pt-br"),
    "no match": ("zzqxjv", "en"),
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (temp db)")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--existing", action="store_true", help="use --database-url as it is (already loaded)"
    )
    parser.add_argument("--explain", action="store_true", help="print the SQL plans")
    return parser.parse_args(argv)


# --- data ---------------------------------------------------------------------------------------


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES_LIST) for _ in range(rng.randint(2, 4)))
        if word != RARE_WORD and RARE_WORD not in word:
            words.add(word)
    return sorted(words)


def body(rng: random.Random, language: str, rare: list[str], cumulative: list[float]) -> str:
    count = rng.randint(120, 360)
    drawn = iter(rng.choices(rare, cum_weights=cumulative, k=count))
    words: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.45:
            words.append(rng.choice(FILLER[language]))
        elif roll < 0.60:
            words.append(rng.choice(COMMON[language]))
        else:
            words.append(next(drawn))
    sentences = [" ".join(words[i : i + 12]).capitalize() + "." for i in range(0, len(words), 12)]
    return " ".join(sentences)


def load(count: int) -> None:
    from django.db import connection, transaction

    from ticketdesk.kb.models import Article, ArticleTranslation, KbCategory, Section
    from ticketdesk.kb.search import KIND
    from ticketdesk.search.models import SearchDocument

    rng = random.Random(20)
    rare = vocabulary(rng)
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(rare))))
    sections = []
    for c, name in enumerate(["Accounts", "Network", "Hardware", "Billing"]):
        category = KbCategory.objects.create(name=name, slug=name.lower(), order=c)
        for s in range(3):
            sections.append(
                Section.objects.create(category=category, name=f"{name} {s}", slug=f"s{s}")
            )
    now = dt.datetime.now(dt.UTC)
    planted = set(rng.sample(range(count), RARE_COUNT))
    started = time.perf_counter()
    for batch_start in range(0, count, 1000):
        with transaction.atomic():
            articles = []
            for i in range(batch_start, min(count, batch_start + 1000)):
                roll = rng.random()
                visibility = "public" if roll < 0.7 else "customers" if roll < 0.9 else "internal"
                articles.append(
                    Article(
                        section=rng.choice(sections),
                        slug=f"article-{i}",
                        visibility=visibility,
                        is_published=rng.random() < 0.85,
                        created_at=now,
                        updated_at=now,
                        helpful_count=rng.randint(0, 50),
                    )
                )
            Article.objects.bulk_create(articles)
            translations = []
            for offset, article in enumerate(articles):
                i = batch_start + offset
                languages = ["en"]
                if rng.random() < 0.3:
                    languages.append("pt-br")
                if rng.random() < 0.2:
                    languages.append("it")
                for language in languages:
                    common = COMMON[language]
                    title = " ".join(
                        [
                            rng.choice(common),
                            rng.choice(common),
                            rng.choices(rare, cum_weights=cumulative)[0],
                        ]
                    ).capitalize()
                    text = body(rng, language, rare, cumulative)
                    if language == "pt-br" and rng.random() < 0.1:
                        text += " Como configurar impressora da rede."
                    if i in planted and language == "en":
                        text += f" See also the {RARE_WORD} procedure."
                    translations.append(
                        ArticleTranslation(
                            article=article,
                            language=language,
                            title=title,
                            body_html=f"<p>{text}</p>",
                            body_text=text,
                            published_at=now,
                        )
                    )
            ArticleTranslation.objects.bulk_create(translations)
            published = {a.pk for a in articles if a.is_published}
            SearchDocument.objects.bulk_create(
                SearchDocument(
                    kind=KIND,
                    object_id=t.pk,
                    title=t.title,
                    body=t.body_text,
                    language=t.language,
                )
                for t in translations
                if t.article_id in published
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"loaded {count} articles in {time.perf_counter() - started:.1f} s", flush=True)


# --- timing -------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(call: Callable[[], Any], repeats: int) -> dict[str, float]:
    for _ in range(5):
        call()
    timings = []
    cpu_began = time.process_time()
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        timings.append((time.perf_counter() - began) * 1000)
    return {
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "max": max(timings),
        # this process's CPU per call: SQLite's work included, PostgreSQL's not; on a busy
        # machine it moves far less than the wall-clock figures
        "cpu": (time.process_time() - cpu_began) * 1000 / repeats,
    }


def users() -> tuple[Any, Any]:
    from ticketdesk.accounts.actions import create_user
    from ticketdesk.accounts.models import Role, Team, User

    customer = User.objects.filter(username="kb-bench-customer").first()
    agent = User.objects.filter(username="kb-bench-agent").first()
    if customer is None:
        customer = create_user(
            username="kb-bench-customer",
            email="kb-customer@bench.example",
            password="bench-password",
            role=Role.CUSTOMER,
        )
    if agent is None:
        team, _ = Team.objects.get_or_create(slug="kb-bench", defaults={"name": "KB bench"})
        agent = create_user(
            username="kb-bench-agent",
            email="kb-agent@bench.example",
            password="bench-password",
            role=Role.AGENT,
            teams=[team],
        )
    return customer, agent


def measure(repeats: int, explain: bool) -> dict[str, dict[str, Any]]:
    from urllib.parse import urlencode

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from ticketdesk.kb import search

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    customer, agent = users()
    portal, workspace = Client(), Client()
    portal.force_login(customer)
    workspace.force_login(agent)
    results: dict[str, dict[str, Any]] = {}
    for shape, (text, language) in QUERIES.items():
        row: dict[str, Any] = {"query": text, "language": language}
        with translation.override(language):
            hits = search.search(customer, text, limit=30)
            row["hits"] = len(hits)
            with CaptureQueriesContext(connection) as captured:
                search.search(customer, text, limit=30)
            row["queries"] = len(captured.captured_queries)
            if explain:
                for query in captured.captured_queries:
                    print(f"--- {shape}: {float(query['time']) * 1000:.1f} ms\n{query['sql']}")
            row["portal"] = timed(lambda t=text: search.search(customer, t, limit=30), repeats)
            row["workspace"] = timed(lambda t=text: search.search(agent, t, limit=12), repeats)
        query = urlencode({"q": text})
        headers = {"HTTP_ACCEPT_LANGUAGE": language}

        def view(client: Client, path: str, headers: dict = headers) -> None:
            response = client.get(path, **headers)  # type: ignore[arg-type]
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code}")

        row["portal view"] = timed(
            lambda q=query: view(portal, f"/kb/search/?{q}"), max(20, repeats // 3)
        )
        row["workspace view"] = timed(
            lambda q=query: view(workspace, f"/kb/insert-link/?{q}"), max(20, repeats // 3)
        )
        results[shape] = row
        print(
            f"{shape:<24} hits {row['hits']:>3} queries {row['queries']} "
            f"portal p50 {row['portal']['p50']:6.1f} p95 {row['portal']['p95']:6.1f}  "
            f"workspace p50 {row['workspace']['p50']:6.1f} p95 {row['workspace']['p95']:6.1f}  "
            f"views p95 {row['portal view']['p95']:6.1f} / {row['workspace view']['p95']:6.1f}",
            flush=True,
        )
    return results


def report(label: str, args: argparse.Namespace, results: dict, load: tuple) -> str:
    lines = [
        f"### {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — KB search, {label}",
        "",
        f"Command: `python bench/kb_search.py {' '.join(sys.argv[1:])}`".rstrip(),
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"Load average (1 min) at start / end: {load[0]:.2f} / {load[1]:.2f}; "
        f"{args.repeats} repeats per function series, {max(20, args.repeats // 3)} per view",
        "",
        "| query shape | query | hits | queries | `search()` portal p50 / p95 ms "
        "| `search()` workspace p50 / p95 ms | portal view p50 / p95 ms "
        "| workspace view p50 / p95 ms | `search()` portal CPU ms per call |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for shape, row in results.items():
        cells = [
            f"{row[key]['p50']:.1f} / {row[key]['p95']:.1f}"
            for key in ("portal", "workspace", "portal view", "workspace view")
        ]
        query = row["query"].replace('"', "&quot;")
        lines.append(
            f"| {shape} | `{query}` ({row['language']}) | {row['hits']} | {row['queries']} | "
            + " | ".join(cells)
            + f" | {row['portal']['cpu']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="kb-search-", dir=ROOT / "var" / "bench"))
    label, cleanup = prepare_database(args, workdir)
    try:
        setup_django()
        from django.conf import settings

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        if not args.existing:
            load(args.articles)
        load_start = os.getloadavg()[0]
        results = measure(args.repeats, args.explain)
        load_end = os.getloadavg()[0]
        print()
        print(report(label, args, results, (load_start, load_end)))
    finally:
        if not args.keep:
            cleanup()
        else:
            print(f"Kept database: {os.environ['DATABASE_URL']}")
        if not (args.keep and not args.database_url):  # nothing of the run is kept there
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
