"""The scholarships section of the donor's yearly report (reporting.yearly)."""

from django.utils.translation import gettext_lazy as _

from reporting import yearly


def _tables(*, user, year):
    from . import report
    from .selectors import Filters

    return report.build(Filters(year=year))["tables"]


def _years(*, user):
    from . import selectors

    return selectors.years()


def _may_see(user) -> bool:
    from ..access import is_scholarship_staff

    return bool(user) and is_scholarship_staff(user)


def register_section() -> None:
    yearly.register(yearly.Section(key="scholarships", title=lambda: str(_("Scholarships")),
                                   order=1, may_see=_may_see, tables=_tables, years=_years))
