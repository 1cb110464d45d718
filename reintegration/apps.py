from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReintegrationConfig(AppConfig):
    name = "reintegration"
    verbose_name = _("Voluntary return and reintegration")

    def ready(self):
        from . import privacy, workflow  # noqa: F401  (workflow: registers its declarations)

        privacy.register()
