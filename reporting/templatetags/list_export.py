"""The export buttons of a staff list: `{% list_export kind csv_url xlsx_url %}`
writes a small form that carries the list's current filters to the export
address, with the "include names" box only for those the data set allows it."""

from django import template

from reporting import datasets
from reporting.list_exports import NOT_FILTERS, direct_max_rows

register = template.Library()


@register.inclusion_tag("reporting/_list_export.html", takes_context=True)
def list_export(context, kind: str, csv_url: str, xlsx_url: str) -> dict:
    request = context["request"]
    found = datasets.get(kind)
    if found is None or not found.may_export(request.user):
        return {"shown": False}
    return {
        "shown": True, "csv_url": csv_url, "xlsx_url": xlsx_url,
        "filters": [(key, value) for key, values in request.GET.lists()
                    if key not in NOT_FILTERS for value in values if value != ""],
        "names_allowed": found.may_include_names(request.user),
        "back": request.get_full_path(), "limit": direct_max_rows(),
        "form_id": f"export-{kind.replace('.', '-')}",
    }
