from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Outgoing e-mail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the delivery task in every process: services.py queues it
        # by name (common.tasks.enqueue), so that the two do not import each other.
        from . import tasks  # noqa: F401
