from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ScholarshipsConfig(AppConfig):
    name = "scholarships"
    verbose_name = _("Scholarships")

    def ready(self):
        # Django's rule: what imports the models is imported once the app
        # registry is ready, here, not at the top of apps.py. workflow.py
        # registers the workflows at import, so the diagrams and the tests
        # know them as soon as Django starts.
        from . import privacy, selectors, workflow  # noqa: F401 - workflow: registers
        from .models import Call

        privacy.register()
        # The staff list's cached call filter (selectors.call_choices).
        for signal in (post_save, post_delete):
            signal.connect(selectors.call_choices_forget, sender=Call,
                           dispatch_uid=f"call-choices-forget-{signal is post_save}")
