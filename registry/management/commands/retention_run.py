"""Run the retention schedule by hand: `manage.py retention_run` reports who
is due (a dry run, recorded); `--apply` anonymises them."""

from django.core.management.base import BaseCommand

from registry.retention import retention_run


class Command(BaseCommand):
    help = "Run the retention schedule: report the persons due, or anonymise them with --apply."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true",
                            help="Anonymise the persons due (default: only report them).")

    def handle(self, *args, apply=False, **options):
        run = retention_run(actor=None, dry_run=not apply)
        report = run.report
        self.stdout.write(f"Retention run {run.pk}: {report['due']} person(s) due"
                          + ("" if run.dry_run else f", {run.persons} anonymised") + ".")
        for side, reasons in report["by_programme"].items():
            for reason, count in sorted(reasons.items()):
                self.stdout.write(f"  {side}: {reason}: {count}")
        if report["failed"]:
            self.stderr.write(f"Failed: {report['failed']}")
