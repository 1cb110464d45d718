"""The scholarships report: its tables (after suppression, reporting.tables)
and its charts, from the selectors' figures."""

from django.utils.translation import gettext as _

from reporting.charts import bar_chart, line_chart
from reporting.tables import Table

from . import selectors
from .selectors import BREAKDOWN_STAGES, DIMENSIONS, STAGES, Filters


def _stage_labels(keys=None) -> list[str]:
    return [str(s.label) for s in STAGES if keys is None or s.key in keys]


def build(filters: Filters) -> dict:
    """Everything the page and the exports show, in a fixed number of queries."""
    tables: list[Table] = []
    yearly = selectors.by_year(filters)
    per_year = Table(
        key="years", title=_("Year on year"), row_header=_("Academic year"),
        columns=_stage_labels(),
        rows=[(str(r["year"]), [r[f"n_{s.key}"] for s in STAGES]) for r in yearly],
        column_totals=False)
    calls = selectors.by_call(filters)
    per_call = Table(
        key="calls", title=_("By call"), row_header=_("Call"), columns=_stage_labels(),
        rows=[(f'{c["title"]} ({c["academic_year"]})', [c[f"n_{s.key}"] for s in STAGES])
              for c in calls])
    quotas = Table(
        key="quotas", title=_("Awards against the call quotas"), row_header=_("Call"),
        columns=[_("Awards held"), _("Quota")], counts=False,
        rows=[(f'{c["title"]} ({c["academic_year"]})', [c["held"], c["quota"]])
              for c in calls],
        note=_("An award is held from selection on; a decline, a lapse or a withdrawal "
               "gives it back."))
    tables += [per_call, per_year]
    recorded = selectors.residence_recorded(filters)
    if not recorded:
        per_call.note = per_year.note = _(
            "Returned home: no data yet. Where scholars live after their studies is recorded "
            "on their follow-up; none is recorded for this selection.")
    breakdowns = []
    for dimension, label in DIMENSIONS.items():
        rows = selectors.breakdown(filters, dimension)
        table = Table(
            key=dimension, title=str(_("By %(what)s") % {"what": str(label).lower()}),
            row_header=str(label), columns=_stage_labels(BREAKDOWN_STAGES),
            rows=[(selectors.dimension_label(dimension, r["group_key"] or ""),
                   [r[f"n_{key}"] for key in BREAKDOWN_STAGES]) for r in rows])
        breakdowns.append(table)
    tables += breakdowns
    tables.append(quotas)
    ceiling = selectors.ceiling(filters)

    charts = {
        "years": line_chart(
            key="years", title=_("Applications, selections and acceptances per academic year"),
            x_labels=[label for label, _v in per_year.rows],
            series=[(label, [v for _l, v, _t in per_year.chart_values(index)])
                    for index, label in ((0, _("Applications")), (3, _("Selected")),
                                         (5, _("Accepted")))]),
    }
    for table in breakdowns:
        if table.key in ("nationality", "sex", "age_band"):
            charts[table.key] = bar_chart(key=table.key, title=f'{_("Applications")} – '
                                          f"{table.title}", values=table.chart_values(0))
    return {"tables": tables, "per_call": per_call, "per_year": per_year,
            "breakdowns": breakdowns, "quotas": quotas, "ceiling": ceiling, "charts": charts,
            "returned_home_known": bool(recorded)}
