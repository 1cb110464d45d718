"""A long export run in the background: who asked for what, how far it has
got, and the file, kept in private storage (privatemedia) until it expires."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privatemedia.files import RandomName


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel (XLSX)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    # The data set's name in reporting.datasets ("scholarships.applications").
    kind = models.CharField(_("what"), max_length=60)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    pseudonymised = models.BooleanField(_("pseudonymised"), default=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.QUEUED, editable=False)
    total_rows = models.PositiveIntegerField(_("rows to write"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to=RandomName("exports"), blank=True,
                            max_length=200)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True,
                                      db_index=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="exportjob_user_created")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(expires_at__isnull=False),
                name="exportjob_done_expires",
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    def get_absolute_url(self):
        return reverse("reporting:job", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(100 * self.rows_done / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)


class BulkJob(models.Model):
    """An admin bulk action over more items than are changed within one
    request (BULK_ACTION_DIRECT_MAX): the same service per item, run by a
    worker (reporting.services.bulk_job_run), watched on a progress page by
    the user who asked. `processed` is the cursor into `ids`: it moves in the
    same transaction as the item it counts, so a redelivered task carries on
    where the last one stopped and never runs an item twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.CASCADE,
        related_name="bulk_jobs",
    )
    # The action's name in reporting.bulk ("scholarships.confirm_eligibility").
    kind = models.CharField(_("action"), max_length=60)
    ids = models.JSONField(_("selected records"), default=list)
    # The language of the user who asked: the refusals are written in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The list the action was chosen on, with its filters, search and page
    # (a path of this site): the progress page's way back.
    list_path = models.CharField(_("list"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.QUEUED, editable=False)
    total = models.PositiveIntegerField(_("records selected"), default=0)
    processed = models.PositiveIntegerField(_("records processed"), default=0)
    succeeded = models.PositiveIntegerField(_("records changed"), default=0)
    refused_count = models.PositiveIntegerField(_("records refused"), default=0)
    # The first refusals, [{"ref": ..., "reason": ...}] (reason in `language`).
    refused = models.JSONField(_("refusals"), default=list, blank=True)
    # What the action found on the way (new possible duplicates), if it counts any.
    found = models.PositiveIntegerField(_("found"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # A worker holds the job until then (renewed after each chunk); a task that
    # finds it held by a live worker tries again later.
    lease_until = models.DateTimeField(_("held until"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="bulkjob_user_created")]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    def get_absolute_url(self):
        return reverse("reporting:bulk_job", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, int(100 * self.processed / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
