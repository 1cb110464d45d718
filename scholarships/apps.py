from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ScholarshipsConfig(AppConfig):
    name = "scholarships"
    verbose_name = _("Scholarships")

    def ready(self):
        from . import privacy, selectors

        privacy.register()
        from .models import Call

        # The staff list's cached call filter (selectors.call_choices).
        for signal in (post_save, post_delete):
            signal.connect(selectors.call_choices_forget, sender=Call,
                           dispatch_uid=f"call-choices-forget-{signal is post_save}")
