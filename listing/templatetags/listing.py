"""{% filter_field form.field %}: one field of a list page's filter bar, with
its label, help text and errors, in the Bootstrap markup crispy-forms would
write, without crispy's template work per field (a filter bar has up to
seven fields on pages staff open all day)."""

from html import escape

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def filter_field(field):
    widget = field.field.widget
    if isinstance(widget, forms.Select):
        css = "form-select"
    elif isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    # Django adds aria-describedby="<id>_helptext" itself when there is help text.
    attrs = {"class": css}
    # Django points aria-describedby at "<id>_error" when the field has errors.
    errors = (format_html('<div id="{}_error" class="invalid-feedback d-block">{}</div>',
                          field.auto_id, format_html_join(" ", "{}", ((e,) for e in field.errors)))
              if field.errors else "")
    help_text = (format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id,
                             field.help_text) if field.help_text else "")
    if isinstance(widget, forms.CheckboxInput):
        return format_html('<div class="form-check mb-3">{}<label class="form-check-label" '
                           'for="{}">{}</label>{}{}</div>', field.as_widget(attrs=attrs),
                           field.id_for_label, field.label, errors, help_text)
    return format_html('<div class="mb-3"><label class="form-label" for="{}">{}</label>{}{}{}'
                       "</div>", field.id_for_label, field.label, field.as_widget(attrs=attrs),
                       errors, help_text)


@register.simple_tag
def table_rows(rows, columns: str, empty: str = "—"):
    """The <tr>s of a list page, one Python pass over rows that the page's
    selector has already worked out (dicts with a "url"): Django's template
    engine costs about as much per cell as the rest of the page per row.

    `columns` names the keys, in order, separated by spaces; a key ending in
    "*" is linked to the row's url. A cell with None or "" prints `empty`
    (the columns' own defaults, such as "draft" for a reference, are for the
    selector to give). Every value is escaped."""
    spec = [(key.rstrip("*"), key.endswith("*")) for key in columns.split()]
    empty = escape(str(empty))
    out = []
    for row in rows:
        url = escape(str(row["url"]))
        cells = []
        for key, linked in spec:
            value = row[key]
            text = empty if value is None or value == "" else escape(str(value))
            cells.append(f'<td><a href="{url}">{text}</a></td>' if linked else f"<td>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped
