"""{% filter_field form.field %}: one field of a list page's filter bar, with
its label, help text and errors, in the Bootstrap markup crispy-forms would
write, without crispy's template work per field (a filter bar has up to
seven fields on pages staff open all day)."""

from django import forms, template
from django.utils.html import format_html, format_html_join

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
