"""The demo data guard shared by the seed_demo* commands."""

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def refuse_demo_data_in_production() -> None:
    """Raise CommandError unless settings.DEMO_DATA_ALLOWED (False in
    config/settings/production.py): made-up persons must never mix with real ones."""
    if not getattr(settings, "DEMO_DATA_ALLOWED", False):
        raise CommandError(_(
            "Demo data is not allowed with these settings (DEMO_DATA_ALLOWED is False, as "
            "in production): nothing was written. Run this command only on a development "
            "or test database."))
