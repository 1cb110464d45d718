"""Background exports: asked for by a user, built by a worker
(reporting.tasks), downloaded by the same user only, swept when expired.

A job's status moves only through _move (a table of allowed moves); the job's
own timestamps are its trail (asked, started, finished, expires).

The admin's bulk actions over many records run here too (bulk_job_start,
bulk_job_run): the same service per record as in the request, by a worker."""

import datetime
import logging
import tempfile
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import ReadEvent
from audit.services import record_read
from common.tasks import enqueue

from . import bulk, datasets
from .exports import dataset_write
from .models import BulkJob, ExportJob

logger = logging.getLogger(__name__)

# The build task (tasks.py), queued by name: it runs export_job_build below.
BUILD_TASK = "reporting.tasks.export_job_build"
Status = ExportJob.Status

MOVES: dict[str, tuple[str, ...]] = {
    Status.QUEUED: (Status.RUNNING, Status.FAILED),
    Status.RUNNING: (Status.DONE, Status.FAILED, Status.RUNNING),
    Status.DONE: (Status.EXPIRED,),
    Status.FAILED: (Status.EXPIRED,),
    Status.EXPIRED: (),
}

MSG_NOT_ALLOWED = _("You may not export this.")
# A job's parameter that is not a filter: the language of the user who asked,
# in which the worker writes the headers and labels.
LANGUAGE_PARAM = "_lang"


class InvalidTransition(Exception):
    pass


def keep_hours() -> int:
    return int(getattr(settings, "REPORTING_EXPORT_KEEP_HOURS", 24))


def _move(job: ExportJob, to: str, **fields) -> bool:
    """Move the job in the database only if it still is where it was read:
    two workers given the same job (a redelivered message) cannot both run it."""
    if to not in MOVES[job.status]:
        raise InvalidTransition(f"{job.status} -> {to}")
    claimed = ExportJob.objects.filter(pk=job.pk, status=job.status).update(status=to, **fields)
    if claimed:
        job.status = to
        for name, value in fields.items():
            setattr(job, name, value)
    return bool(claimed)


@transaction.atomic
def export_job_request(*, actor, kind: str, params: dict | None = None, fmt: str = "csv",
                       pseudonymise: bool = True) -> ExportJob:
    found = datasets.get(kind)
    if found is None or not found.may_export(actor):
        raise PermissionDenied(MSG_NOT_ALLOWED)
    if fmt not in ExportJob.Format.values:
        raise ValueError(fmt)
    job = ExportJob.objects.create(user=actor, kind=kind, params=params or {}, format=fmt,
                                   pseudonymised=pseudonymise)
    transaction.on_commit(lambda: enqueue(BUILD_TASK, job.pk))
    return job


def export_job_build(*, job_id: int) -> str:
    """Build the job's file, saying how far it has got every thousand rows.
    Safe to run twice: a job already taken by a live worker, or finished, is
    left alone; one left "being built" by a worker that died (longer ago than
    the task's time limit) is taken again."""
    job = ExportJob.objects.filter(pk=job_id).select_related("user").first()
    if job is None:
        return "missing"
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    if job.status == Status.RUNNING and job.started_at and job.started_at > stale:
        return "taken"
    if job.status not in (Status.QUEUED, Status.RUNNING):
        return job.status
    if not _move(job, Status.RUNNING, started_at=now, rows_done=0):
        return "taken"
    kind = datasets.get(job.kind)
    if kind is None or not kind.may_export(job.user):
        # The user lost the right between asking and the build.
        _move(job, Status.FAILED, finished_at=timezone.now(), error=str(MSG_NOT_ALLOWED))
        return Status.FAILED
    try:
        with translation.override(job.params.get(LANGUAGE_PARAM) or settings.LANGUAGE_CODE):
            return _build(job, kind)
    except Exception as exc:
        logger.exception("Export job %s failed", job.pk)
        if job.file:
            job.file.delete(save=False)
        _move(job, Status.FAILED, finished_at=timezone.now(), error=type(exc).__name__,
              file="")
        return Status.FAILED


def _build(job: ExportJob, kind) -> str:
    """Write the file and mark the job done (errors: export_job_build)."""
    dataset = kind.build(user=job.user, params=job.params)
    total = dataset.count()
    ExportJob.objects.filter(pk=job.pk).update(total_rows=total)

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

    with tempfile.TemporaryFile() as handle:
        rows = dataset_write(dataset, handle, fmt=job.format,
                             pseudonymise=job.pseudonymised, progress=progress)
        handle.seek(0)
        job.file.save(f"export.{job.format}", File(handle), save=False)
    finished = timezone.now()
    _move(job, Status.DONE, file=job.file.name, rows_done=rows, total_rows=rows,
          finished_at=finished,
          expires_at=finished + datetime.timedelta(hours=keep_hours()))
    # The file leaves the system when its owner downloads it (logged then,
    # reporting.views.job_download); its making is logged here, with its rows.
    record_read(user=job.user, action=ReadEvent.Action.EXPORT, model=kind.model,
                object_id=job.pk, page="reporting:job", rows=rows)
    return Status.DONE


def export_jobs_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of the jobs past their time (and of failed ones), in
    one query for the list; the jobs stay, marked expired, as the trail."""
    now = now or timezone.now()
    due = list(ExportJob.objects.filter(
        Q(status=Status.DONE, expires_at__lte=now) | Q(status=Status.FAILED, file__gt="")
    ).only("pk", "status", "file"))
    for job in due:
        if job.file:
            job.file.delete(save=False)
        _move(job, Status.EXPIRED, file="")
    return len(due)


# --- bulk actions of the admin in the background ------------------------------------------
# An admin action over more than BULK_ACTION_DIRECT_MAX records becomes a
# BulkJob (reporting.admin_bulk); the worker runs the action's own service on
# each record (reporting.bulk), in the language of the user who asked.

BULK_RUN_TASK = "reporting.tasks.bulk_job_run"
BulkStatus = BulkJob.Status
# Records read per query, and how long one task runs before it hands the rest
# to a fresh task (well inside CELERY_TASK_SOFT_TIME_LIMIT, so no limit cuts
# a job short). A worker holds its job for BULK_LEASE_SECONDS, renewed after
# each chunk: a chunk takes a few seconds.
BULK_CHUNK = 50
BULK_TASK_SECONDS = 60
BULK_LEASE_SECONDS = 120
# Refusals kept with the job (each one is counted).
BULK_REFUSALS_KEPT = 200
# What bulk_job_run says it did, besides a finished job's status.
BULK_CONTINUE = "continue"  # ran its time; a new task carries on
BULK_HELD = "held"  # another worker holds the job: try again when its lease ends
BULK_LOST = "lost"  # another worker took the job meanwhile
# Why a job failed (BulkJob.error): the page says it in the reader's language.
BULK_NOT_ALLOWED = "not_allowed"

MSG_BULK_GONE = gettext_lazy("No longer there, or no longer yours to change.")
MSG_BULK_NOT_ALLOWED = gettext_lazy("You may not run this action.")


def bulk_direct_max() -> int:
    return int(getattr(settings, "BULK_ACTION_DIRECT_MAX", 200))


@transaction.atomic
def bulk_job_start(*, actor, kind: str, ids, list_path: str = "") -> BulkJob:
    """Record the action over these records and queue it (after commit).
    `list_path`: the list it was chosen on, to go back to."""
    action = bulk.get(kind)
    if action is None or not _may_run(actor, action):
        raise PermissionDenied(MSG_BULK_NOT_ALLOWED)
    ids = list(ids)
    job = BulkJob.objects.create(user=actor, kind=kind, ids=ids, total=len(ids),
                                 language=translation.get_language() or settings.LANGUAGE_CODE,
                                 list_path=list_path[:1000])
    transaction.on_commit(lambda: enqueue(BULK_RUN_TASK, job.pk))
    return job


def _may_run(user, action) -> bool:
    return bool(user.is_active and user.is_staff and action.may_run(user))


def bulk_job_run(*, job_id: int, now: datetime.datetime | None = None) -> str:
    """Run the job from its cursor for up to BULK_TASK_SECONDS. Safe to run
    twice: a finished job is left alone, one held by a live worker is left
    to it, and each record moves the cursor in its own transaction, so a
    task redelivered after a crash does not run a record again."""
    job = BulkJob.objects.filter(pk=job_id).select_related("user").first()
    if job is None:
        return "missing"
    if job.is_finished:
        return job.status
    now = now or timezone.now()
    lease = now + datetime.timedelta(seconds=BULK_LEASE_SECONDS)
    claimed = BulkJob.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lte=now),
        pk=job.pk, status__in=[BulkStatus.QUEUED, BulkStatus.RUNNING],
    ).update(status=BulkStatus.RUNNING, lease_until=lease,
             started_at=job.started_at or now)
    if not claimed:
        job.refresh_from_db(fields=["status"])
        return job.status if job.is_finished else BULK_HELD
    job.refresh_from_db()
    action = bulk.get(job.kind)
    if action is None or not _may_run(job.user, action):
        # The user lost the right (or the account) between asking and the run.
        _bulk_finish(job, BulkStatus.FAILED, error=BULK_NOT_ALLOWED)
        return BulkStatus.FAILED
    started = time.monotonic()
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            reason = _("Bulk action of the admin, run in the background (job %(id)s).") % {
                "id": job.pk}
            while job.processed < job.total:
                if not _bulk_chunk(job, action, reason):
                    return BULK_LOST
                if time.monotonic() - started > BULK_TASK_SECONDS and job.processed < job.total:
                    # The hold ends now: the next task takes the job at once,
                    # and were that task lost, the sweep finds a lapsed lease.
                    BulkJob.objects.filter(pk=job.pk, lease_until=job.lease_until).update(
                        lease_until=timezone.now())
                    return BULK_CONTINUE
                job.lease_until = timezone.now() + datetime.timedelta(
                    seconds=BULK_LEASE_SECONDS)
                BulkJob.objects.filter(pk=job.pk).update(lease_until=job.lease_until)
    except Exception as exc:
        logger.exception("Bulk job %s failed", job.pk)
        _bulk_finish(job, BulkStatus.FAILED, error=type(exc).__name__)
        return BulkStatus.FAILED
    _bulk_finish(job, BulkStatus.DONE)
    return BulkStatus.DONE


def _bulk_finish(job: BulkJob, status: str, *, error: str = "") -> None:
    BulkJob.objects.filter(pk=job.pk, status=BulkStatus.RUNNING).update(
        status=status, error=error, finished_at=timezone.now(), lease_until=None)
    job.status, job.error = status, error


def _bulk_chunk(job: BulkJob, action, reason: str) -> bool:
    """The next BULK_CHUNK records, read in one query, each run and counted in
    its own transaction. False when the cursor was moved by someone else."""
    chunk = job.ids[job.processed:job.processed + BULK_CHUNK]
    records = {record.pk: record for record in action.load(user=job.user, ids=chunk)}
    for pk in chunk:
        with transaction.atomic():
            cursor = (BulkJob.objects.select_for_update()
                      .filter(pk=job.pk, status=BulkStatus.RUNNING)
                      .values_list("processed", flat=True).first())
            if cursor != job.processed:
                return False
            record = records.get(pk)
            if record is None:
                outcome = bulk.Outcome(refused=[(f"#{pk}", str(MSG_BULK_GONE))])
            else:
                try:
                    with transaction.atomic():
                        outcome = action.run(actor=job.user, items=[record], reason=reason)
                except ValidationError as error:
                    outcome = bulk.Outcome(refused=[(record, " ".join(error.messages))])
            fields: dict[str, Any] = {
                "processed": job.processed + 1, "succeeded": job.succeeded + outcome.done,
                "refused_count": job.refused_count + len(outcome.refused),
                "found": job.found + outcome.found}
            kept = [{"ref": item if isinstance(item, str) else action.ref(item),
                     "reason": str(why)} for item, why in outcome.refused]
            kept = kept[:max(0, BULK_REFUSALS_KEPT - len(job.refused))]
            if kept:
                fields["refused"] = [*job.refused, *kept]
            BulkJob.objects.filter(pk=job.pk).update(**fields)
        for name, value in fields.items():
            setattr(job, name, value)
    return True



# A job still waiting this long after it was asked for, or held by a worker
# past its time (a bulk job's lease, an export's task time limit), lost its
# task: the broker was down when the request committed, or the worker died
# before the broker redelivered (Redis redelivers only after its visibility
# timeout, an hour). The beat queues such jobs again every five minutes; a
# job that is merely waiting behind others gets a second task that finds it
# taken or done and does nothing.
JOBS_STALE_SECONDS = 300


def jobs_requeue_stale(*, now: datetime.datetime | None = None) -> list[tuple[str, int]]:
    """Queue again every stale export and bulk job: [(task, job id)]."""
    now = now or timezone.now()
    waited = now - datetime.timedelta(seconds=JOBS_STALE_SECONDS)
    export_stale = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    lost = [(BUILD_TASK, pk) for pk in ExportJob.objects.filter(
        Q(status=Status.QUEUED, created_at__lte=waited)
        | Q(status=Status.RUNNING, started_at__lte=export_stale),
    ).order_by("pk").values_list("pk", flat=True)]
    lost += [(BULK_RUN_TASK, pk) for pk in BulkJob.objects.filter(
        Q(status=BulkStatus.QUEUED, created_at__lte=waited)
        | Q(status=BulkStatus.RUNNING, lease_until__lte=now),
    ).order_by("pk").values_list("pk", flat=True)]
    for task, pk in lost:
        enqueue(task, pk)
    if lost:
        logger.warning("Queued again %d background jobs whose task was lost", len(lost))
    return lost
