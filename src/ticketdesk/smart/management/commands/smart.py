"""`ticketdesk smart train`: learn from the desk's history now (the worker also does it every
day); `ticketdesk smart evaluate`: learn from the older 80 % of tickets and report accuracy,
top-3 accuracy and precision@5 on the newer 20 %."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ticketdesk.core.progress import Progress
from ticketdesk.smart import evaluation, training


class Command(BaseCommand):
    help = "Smart support: train | evaluate"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["train", "evaluate"])
        parser.add_argument(
            "--limit", type=int, default=training.MAX_TICKETS, help="At most this many tickets."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bars: dict[str, Progress] = {}

        def progress(done: int, total: int, unit: str) -> None:
            if unit == "steps":  # vectorising, one classifier per field, the index
                self.stdout.write(f"learning: step {done}/{total}")
                return
            bar = bars.get(unit)
            if bar is None:
                bar = bars[unit] = Progress(self.stdout, total, "reading")
            bar.advance(done - bar.done)
            if done >= total:
                bar.finish()

        if options["action"] == "train":
            model = training.train(limit=options["limit"], progress=progress)
            if model is None:
                self.stdout.write("not enough tickets to learn from")
                return
            self.stdout.write(
                f"model v{model.version}: {model.ticket_count} tickets, {model.seconds} s, "
                f"fields {', '.join(model.summary.get('fields', []))}"
            )
            return
        result = evaluation.evaluate(limit=options["limit"], progress=progress)
        for line in evaluation.report(result):
            self.stdout.write(line)
