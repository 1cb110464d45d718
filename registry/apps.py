from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry of persons")

    def ready(self):
        # The apps below the registry (common, audit, accounts) never import
        # it; what they need from it is plugged in here, once, at startup.
        from . import hooks, workflow  # noqa: F401  (workflow: registers its declarations)

        hooks.connect()
