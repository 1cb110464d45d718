"""Background exports: asked for by a user, built by a worker
(reporting.tasks), downloaded by the same user only, swept when expired.

A job's status moves only through _move (a table of allowed moves); the job's
own timestamps are its trail (asked, started, finished, expires)."""

import datetime
import logging
import tempfile

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.models import ReadEvent
from audit.services import record_read
from common.tasks import enqueue

from . import datasets
from .exports import dataset_write
from .models import ExportJob

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
