"""Run one reminder sweep by hand, as beat does every hour.

    manage.py reminders_sweep                      every declared kind
    manage.py reminders_sweep --kind K             one kind
    manage.py reminders_sweep --dry-run            list what would be sent; send and record nothing

The sends go through the Celery queue, as the beat's sweeps do: a worker
must be running (make run starts one)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders import kinds, services


class Command(BaseCommand):
    help = "Run one reminder sweep: claim the reminders due now and queue their sending."

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", dest="codes", metavar="K",
                            help="Only this kind (repeatable). Default: every declared kind.")
        parser.add_argument("--dry-run", action="store_true",
                            help="List what would be sent; send nothing, record nothing.")

    def handle(self, *args, codes: list[str] | None = None, dry_run: bool = False, **options):
        codes = codes or [kind.code for kind in kinds.all_kinds()]
        try:
            selected = [kinds.get(code) for code in codes]
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        now = timezone.now()
        for kind in selected:
            result = services.reminder_sweep(kind=kind, now=now, dry_run=dry_run)
            self._report(result)

    def _report(self, result):
        code = result.kind.code
        if result.paused:
            self.stdout.write(self.style.WARNING(
                f"{code}: paused by an administrator: nothing claimed, nothing sent."))
            return
        if result.dry_run:
            self.stdout.write(f"{code}: {len(result.new)} would be sent "
                              f"({len(result.due)} due, {len(result.due) - len(result.new)} "
                              "already claimed). Dry run: nothing sent or recorded.")
            for item in result.new:
                due = timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M %Z")
                self.stdout.write(f"  {due}  {item.recipient.email} "
                                  f"({item.recipient.language})  "
                                  f"{result.kind.model._meta.model_name} {item.object_id}")
            return
        self.stdout.write(self.style.SUCCESS(
            f"{code}: {len(result.due)} due, {len(result.new)} newly claimed, "
            f"{result.queued} queued for sending."))
