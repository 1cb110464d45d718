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
    from accounts.roles import Role, has_role

    return bool(user and user.is_authenticated and (
        user.is_superuser or has_role(user, Role.SCHOLARSHIP_ADMIN, Role.DPO)))


def register_section() -> None:
    yearly.register(yearly.Section(key="scholarships", title=lambda: str(_("Scholarships")),
                                   order=1, may_see=_may_see, tables=_tables, years=_years))
