"""The reintegration report: its tables (after suppression) and charts."""

from decimal import Decimal

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django_countries import countries

from reporting.charts import bar_chart, line_chart
from reporting.tables import Table

from ..models import BudgetLine, Vulnerability
from . import scope, selectors
from .selectors import Filters


def _country(code) -> str:
    return str(countries.name(code)) if code else _("Not known")


def _days(value) -> float | None:
    """A duration from the database in days."""
    return None if value is None else round(value.total_seconds() / 86400, 1)


def rounds() -> list[int]:
    return list(settings.REINTEGRATION_VISIT_MONTHS)


def build(user, filters: Filters) -> dict:
    tables: list[Table] = []
    charts = {}

    by_country = selectors.returns_by_country(user, filters)
    countries_table = Table(key="countries", title=_("Returns by country of return"),
                            row_header=_("Country of return"), columns=[_("Returns")],
                            rows=[(_country(r["key"]), [r["n"]]) for r in by_country])
    by_month = selectors.returns_by_month(user, filters)
    months_table = Table(
        key="months", title=_("Returns by month of arrival"), row_header=_("Month"),
        columns=[_("Returns")],
        rows=[(formats.date_format(r["month"], "YEAR_MONTH_FORMAT"), [r["n"]])
              for r in by_month])
    by_team = selectors.returns_by_team(user, filters)
    teams_table = Table(
        key="teams", title=_("Returns by team"), row_header=_("Team"), columns=[_("Returns")],
        rows=[(r["key"] or _("No team"), [r["n"]]) for r in by_team],
        note=_("A case counts in the team of its caseworker; a caseworker in two teams counts "
               "in both."))
    tables += [countries_table, months_table, teams_table]
    charts["countries"] = bar_chart(key="countries", title=countries_table.title,
                                    values=countries_table.chart_values(0))
    charts["months"] = line_chart(
        key="months", title=months_table.title,
        x_labels=[label for label, _v in months_table.rows],
        series=[(_("Returns"), [v for _l, v, _t in months_table.chart_values(0)])])

    durations = selectors.durations(user, filters)
    durations_table = Table(
        key="durations", title=_("Days from counselling to departure and from arrival to "
                                  "first assistance"),
        row_header=_("Country of return"), counts=False,
        columns=[_("Counselling to departure: median"), _("mean"), _("cases"),
                 _("Arrival to first assistance: median"), _("mean"), _("cases")],
        rows=[(_country(r["key"]), [_days(r["median_departure"]), _days(r["mean_departure"]),
                                    r["n_departure"], _days(r["median_help"]),
                                    _days(r["mean_help"]), r["n_help"]])
              for r in durations],
        cell_n=[[r["n_departure"]] * 3 + [r["n_help"]] * 3 for r in durations],
        note=_("Figures computed from fewer cases than the threshold are hidden."))
    tables.append(durations_table)

    categories = dict(BudgetLine.Category.choices)
    for by, title, header in (("category", _("Assistance approved and delivered by category"),
                               _("Category")),
                              ("partner", _("Assistance approved and delivered by partner"),
                               _("Partner organisation"))):
        rows = selectors.assistance(user, filters, by)
        label = (lambda key: str(categories.get(key, key))) if by == "category" else (
            lambda key: key or _("No partner"))
        table = Table(
            key=f"assistance_{by}", title=title, row_header=header, counts=False,
            columns=[_("Approved (EUR)"), _("Delivered (EUR)"), _("Delivered (%)")],
            rows=[(label(r["key"]), [r["approved"], r["delivered"],
                                     _share(r["delivered"], r["approved"])]) for r in rows],
            row_n=[r["n"] for r in rows],
            note=_("Amounts over fewer cases than the threshold are hidden."))
        tables.append(table)
        charts[table.key] = bar_chart(key=table.key, title=f'{title} – {_("Delivered (%)")}',
                                      values=table.chart_values(2), unit=" %")

    visits = selectors.visits(user, filters)
    visits_table = Table(
        key="visits", title=_("Monitoring visits due, by round"),
        row_header=_("Months after arrival"),
        columns=[_("Done on time"), _("Done late"), _("Waived"), _("Not done yet")],
        rows=[(_("%(months)s months") % {"months": r["key"]} if r["key"] else _("Other"),
               [r["on_time"], r["late"], r["waived"], r["overdue"]]) for r in visits],
        row_totals=True,
        note=_("On time: done at most %(days)s days after the due date.") % {
            "days": selectors.ON_TIME_DAYS})
    tables.append(visits_table)

    visit_rounds = rounds()
    for by, title, header, label in (
            ("country", _("Sustainability scores by country of return"),
             _("Country of return"), _country),
            ("version", _("Sustainability scores by survey version"), _("Survey version"),
             lambda key: _("Version %(number)s") % {"number": key})):
        rows = selectors.scores(user, filters, by)
        grouped: dict = {}
        for r in rows:
            grouped.setdefault(r["key"], {})[r["months"]] = r
        table = Table(
            key=f"scores_{by}", title=title, row_header=header, counts=False,
            columns=[_("%(months)s months") % {"months": m} for m in visit_rounds],
            rows=[(label(key), [_score(per.get(m)) for m in visit_rounds])
                  for key, per in grouped.items()],
            cell_n=[[per[m]["n"] if m in per else 0 for m in visit_rounds]
                    for per in grouped.values()],
            note=_("Mean composite score (0 to 1) of the surveys at each round."))
        tables.append(table)
        if by == "country":
            shown = table.display()
            charts[table.key] = line_chart(
                key=table.key, title=title, x_labels=table.columns, y_max=1,
                y_format="{:.2f}",
                series=[(row[0], [_as_float(cell) for cell in row[1:]]) for row in shown.body])

    vulnerable = None
    if scope.may_see_vulnerabilities(user):
        kinds = dict(Vulnerability.Kind.choices)
        rows = selectors.vulnerabilities(user, filters)
        vulnerable = Table(
            key="vulnerabilities", title=_("Cases by vulnerability"),
            row_header=_("Vulnerability"), columns=[_("Cases")], column_totals=False,
            rows=[(str(kinds.get(r["key"], r["key"])), [r["n"]]) for r in rows],
            note=_("Counts of cases only; a case with two vulnerabilities counts under each."))
        tables.append(vulnerable)
    return {"tables": tables, "charts": charts, "vulnerabilities": vulnerable}


def _share(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _score(row):
    return None if row is None or row["composite"] is None else Decimal(
        row["composite"]).quantize(Decimal("0.01"))


def _as_float(text: str):
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None
