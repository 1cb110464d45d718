"""Who read what: one row per page, download or export that showed personal
data. Changes are kept by django-simple-history on each model; this log keeps
the reads, which leave no other trace.

The row names what was read by model label and id (and the person when the
page knows it), never by a foreign key: the log must outlive a merge, an
anonymisation or a deletion of what it points at, and this shared app imports
neither the registry nor a programme."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import formats


class ReadEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("Viewed a record")
        LIST = "list", _("Listed or searched")
        DOWNLOAD = "download", _("Downloaded a file")
        EXPORT = "export", _("Exported")
        DENIED = "denied", _("Refused (not allowed or not found)")

    at = models.DateTimeField(_("at"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    # "registry.person", "scholarships.application", "reintegration.case", ...
    model = models.CharField(_("record type"), max_length=60, blank=True)
    object_id = models.CharField(_("record id"), max_length=40, blank=True)
    # The person the record is about, where the page knows it (registry.Person id).
    person_id = models.PositiveBigIntegerField(_("person id"), null=True, blank=True)
    # The URL name of the page ("registry:person_detail", "admin:registry_person_change").
    page = models.CharField(_("page"), max_length=120, blank=True)
    # The address as asked, with its query (what was searched for).
    path = models.CharField(_("address"), max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(_("answer"), default=200)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True,
                                       help_text=_("For exports: how many rows left."))

    class Meta:
        verbose_name = _("read")
        verbose_name_plural = _("read log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at"], name="read_at"),
            models.Index(fields=["user", "-at"], name="read_user_at"),
            models.Index(fields=["person_id", "-at"], name="read_person_at"),
            models.Index(fields=["model", "object_id"], name="read_record"),
        ]

    def __str__(self):
        return f"{formats.short_moment(self.at)} {self.action} {self.model}:{self.object_id}"
