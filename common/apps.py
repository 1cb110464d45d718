from django.apps import AppConfig


class CommonConfig(AppConfig):
    """What every page shares: the response headers that keep personal data
    out of caches (middleware.py) and the demo data guard (demo.py)."""

    name = "common"
    default_auto_field = "django.db.models.BigAutoField"
