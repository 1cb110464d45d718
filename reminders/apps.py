from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self):
        from . import (
            lookups,  # noqa: F401 - registers field__any
            tasks,  # noqa: F401 - registered: services.py queues it by name
        )
        # Each app declares its kinds in its own reminders.py (as the admin
        # finds admin.py), so this app imports no programme.
        autodiscover_modules("reminders")
        # As Django creates permissions: after migrate, one switch row per
        # declared kind, so an administrator finds every kind in the admin,
        # ready to pause. Not a business rule: a kind without its row is simply
        # not paused.
        post_migrate.connect(_sync_kinds, sender=self, dispatch_uid="reminders-kinds-sync")


def _sync_kinds(sender, using="default", **kwargs):
    from .services import kinds_sync

    kinds_sync(using=using)
