from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """The last number issued per prefix and year (SCH-2026-00042,
    RET-2026-00017). The row is locked while a number is taken, so two
    transactions never get the same number and numbers have no gaps."""

    prefix = models.CharField(_("prefix"), max_length=8)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="counter_once")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last}"
