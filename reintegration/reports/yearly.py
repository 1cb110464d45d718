"""The return and reintegration section of the donor's yearly report
(reporting.yearly), scoped like the report page (scope.py)."""

from django.utils.translation import gettext_lazy as _

from reporting import yearly


def _tables(*, user, year):
    from . import report
    from .selectors import Filters

    return report.build(user, Filters(year=year))["tables"]


def _years(*, user):
    from . import selectors

    return selectors.years(user)


def _may_see(user) -> bool:
    from . import scope

    return scope.may_see_report(user)


def register_section() -> None:
    yearly.register(yearly.Section(
        key="reintegration", title=lambda: str(_("Voluntary return and reintegration")),
        order=2, may_see=_may_see, tables=_tables, years=_years))
