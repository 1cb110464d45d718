from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Each programme declares what may be exported in the background in its
        # own `<app>/reports/` package (reporting.datasets.register). Found by
        # name here, so this shared app imports no programme.
        autodiscover_modules("reports")
        # Likewise the admin's bulk actions that may run in the background
        # (reporting.bulk.register), from each app's `bulk` module.
        autodiscover_modules("bulk")
        from . import tasks  # noqa: F401 - registered: services.py queues it by name
