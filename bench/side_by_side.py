"""Two checkouts measured alternately in one run, so that their ratio survives a noisy machine.

    git worktree add --detach /work/wt/speed-base main        # the code to compare against
    python bench/side_by_side.py --base-src /work/wt/speed-base/src \\
        --database-url postgres://postgres@127.0.0.1:5432/td_speed_100k

The database must already hold data (`ticketdesk demo --tickets 100000 --messages 3`, or a
SQLite file: `--database-url sqlite:////path/bench.sqlite3`) and both checkouts must agree
on its schema. One long-lived worker process per checkout (this file with `--worker`, the
checkout's `src` first on the path) answers "run scenario S R times"; the coordinator asks
base and branch in turn, swapping who goes first every round, for `--rounds` rounds, and
records the 1-minute load average with each round. Reported: p50 / p95 of each side (ms,
or per-second rates for writes) and base ÷ branch of the p50s (> 1: the branch is faster).

`--base-env NAME=VALUE` / `--branch-env NAME=VALUE` set variables for one side only: the same
checkout against itself isolates a setting, e.g. prepared statements:
`--base-src src --base-env TICKETDESK_DB_PREPARE_THRESHOLD=0`.

Scenarios: ticket page, ticket list (three views), rail counts, API get one / create,
KB search, `open_ticket` and `reply` (writes go to the database: both sides add rows).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [
    "ticket_page",
    "list_mine",
    "list_team",
    "list_all_admin",
    "rail_counts",
    "api_get",
    "api_create",
    "kb_search",
    "open_ticket",
    "reply",
]


# --- worker (runs inside one checkout) ----------------------------------------------------


class Worker:
    def __init__(self) -> None:
        import random

        from django.conf import settings
        from django.test import Client

        from ticketdesk.accounts.models import Contact, Team, User
        from ticketdesk.api import tokens
        from ticketdesk.tickets.models import Ticket

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.TICKETDESK["API_RATE_LIMIT"] = 10**9
        self.admin = User.objects.get(username="admin")
        self.agent = User.objects.get(username="luca")
        self.team = Team.objects.filter(memberships__user=self.agent).order_by("pk").first()
        self.requester = Contact.objects.order_by("pk").first()
        self.admin_client, self.agent_client = Client(), Client()
        self.admin_client.force_login(self.admin)
        self.agent_client.force_login(self.agent)
        token = tokens.create_token(self.admin, name="side-by-side", scope="write")[1]
        self.api_headers = {"Authorization": f"Bearer {token}"}
        self.numbers = list(
            Ticket.objects.filter(team=self.team)
            .order_by("-id")
            .values_list("number", flat=True)[:500]
        )
        self.ids = list(
            Ticket.objects.filter(team=self.team).order_by("-id").values_list("pk", flat=True)[:500]
        )
        self.rng = random.Random(11)

    def _get(self, client: Any, path: str, **kwargs: Any) -> None:
        response = client.get(path, **kwargs)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")

    def call(self, scenario: str) -> None:
        from django.core.cache import cache

        if scenario == "ticket_page":
            self._get(self.agent_client, f"/t/{self.rng.choice(self.numbers)}/")
        elif scenario == "list_mine":
            self._get(self.agent_client, "/?view=mine")
        elif scenario == "list_team":
            self._get(self.agent_client, f"/?view=team-{self.team.pk}")
        elif scenario == "list_all_admin":
            self._get(self.admin_client, "/?view=all")
        elif scenario == "rail_counts":
            # the first load of a window (counts computed) and a reload (within the window)
            cache.clear()
            self._get(self.agent_client, "/rail/?view=mine")
            self._get(self.agent_client, "/rail/?view=mine")
        elif scenario == "api_get":
            self._get(
                self.admin_client,
                f"/api/v1/tickets/{self.rng.choice(self.numbers)}",
                headers=self.api_headers,
            )
        elif scenario == "api_create":
            body = json.dumps(
                {
                    "subject": "Side-by-side ticket",
                    "body": "Created by bench/side_by_side.py",
                    "requester_id": self.requester.pk if self.requester else None,
                    "team_id": self.team.pk if self.team else None,
                }
            )
            response = self.admin_client.post(
                "/api/v1/tickets", body, content_type="application/json", headers=self.api_headers
            )
            if response.status_code != 201:
                raise SystemExit(f"create: {response.status_code} {response.content[:300]!r}")
        elif scenario == "kb_search":
            from ticketdesk.kb import search as kb_search

            kb_search.search(self.agent, self.rng.choice(["printer", "password", "vpn", "conf"]))
        elif scenario == "open_ticket":
            from ticketdesk.tickets import actions
            from ticketdesk.tickets.models import Channel

            actions.open_ticket(
                requester=self.requester,
                subject="The VPN drops every few minutes",
                body="Hello,\n\nthe VPN disconnects and I lose my work.\n\nThanks",
                channel=Channel.EMAIL,
                actor=None,
                team=self.team,
            )
        elif scenario == "reply":
            from ticketdesk.tickets import actions
            from ticketdesk.tickets.models import Ticket

            ticket = Ticket.objects.get(pk=self.rng.choice(self.ids))
            actions.reply(ticket, actor=self.agent, body="Could you restart the client?")
        else:
            raise SystemExit(f"unknown scenario {scenario}")

    def measure(self, scenario: str, repeats: int) -> list[float]:
        self.call(scenario)  # warm
        timings = []
        for _ in range(repeats):
            began = time.perf_counter()
            self.call(scenario)
            timings.append((time.perf_counter() - began) * 1000)
        return timings


def worker_main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
    import django

    django.setup()
    worker = Worker()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        timings = worker.measure(request["scenario"], request["repeats"])
        print(json.dumps({"timings": timings}), flush=True)


# --- coordinator --------------------------------------------------------------------------


class Side:
    def __init__(
        self, name: str, src: Path, database_url: str, var_dir: Path, extra: list[str]
    ) -> None:
        self.name = name
        env = {
            **os.environ,
            **dict(item.split("=", 1) for item in extra),
            "PYTHONPATH": str(src),
            "DATABASE_URL": database_url,
            "TICKETDESK_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "ticketdesk.settings",
        }
        env.pop("TICKETDESK_TEST_DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            cwd=str(src.parent),
        )
        self._read()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit(f"{self.name}: the worker stopped")
            if line.startswith("{"):
                return json.loads(line)  # type: ignore[no-any-return]

    def measure(self, scenario: str, repeats: int) -> list[float]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"scenario": scenario, "repeats": repeats}) + "\n")
        self.process.stdin.flush()
        return list(self._read()["timings"])

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


WRITES = {"open_ticket", "reply"}


def run(args: argparse.Namespace) -> str:
    var_dir = Path(args.var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    sides = [
        Side("base", Path(args.base_src).resolve(), args.database_url, var_dir, args.base_env),
        Side(
            "branch", Path(args.branch_src).resolve(), args.database_url, var_dir, args.branch_env
        ),
    ]
    scenarios = args.scenarios.split(",") if args.scenarios else SCENARIOS
    timings: dict[tuple[str, str], list[float]] = {}
    loads: list[float] = []
    began = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    try:
        for round_number in range(args.rounds):
            loads.append(os.getloadavg()[0])
            order = sides if round_number % 2 == 0 else sides[::-1]
            for scenario in scenarios:
                for side in order:
                    found = side.measure(scenario, args.repeats)
                    timings.setdefault((side.name, scenario), []).extend(found)
            print(f"round {round_number + 1}/{args.rounds} done, load {loads[-1]:.1f}", flush=True)
    finally:
        for side in sides:
            side.close()
    lines = [
        f"Side by side, {began}: base `{args.base_src}` {' '.join(args.base_env)}, "
        f"branch `{args.branch_src}` {' '.join(args.branch_env)}",
        f"Database: `{args.database_url}`; {args.rounds} rounds × {args.repeats} calls per "
        "side and scenario, alternating (who goes first swaps every round).",
        f"Load average (1 min) per round: {', '.join(f'{x:.1f}' for x in loads)}",
        "",
        "| scenario | base p50 | base p95 | branch p50 | branch p95 | base ÷ branch (p50) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for scenario in scenarios:
        base, branch = timings[("base", scenario)], timings[("branch", scenario)]
        b50, n50 = statistics.median(base), statistics.median(branch)
        b95, n95 = percentile(base, 0.95), percentile(branch, 0.95)
        if scenario in WRITES:
            lines.append(
                f"| {scenario} (per s; ms p95) | {1000 / b50:.0f}/s | {b95:.1f} ms "
                f"| {1000 / n50:.0f}/s | {n95:.1f} ms | {b50 / n50:.2f} |"
            )
        else:
            lines.append(
                f"| {scenario} | {b50:.1f} | {b95:.1f} | {n50:.1f} | {n95:.1f} | {b50 / n50:.2f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        worker_main()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-src", required=True, help="src/ of the checkout to compare to")
    parser.add_argument("--branch-src", default=str(ROOT / "src"))
    parser.add_argument("--database-url", required=True, help="a database already loaded")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=20, help="calls per side per round")
    parser.add_argument("--scenarios", default="", help="comma-separated; default: all")
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument(
        "--base-env", action="append", default=[], help="NAME=VALUE for the base worker"
    )
    parser.add_argument(
        "--branch-env", action="append", default=[], help="NAME=VALUE for the branch worker"
    )
    print(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
