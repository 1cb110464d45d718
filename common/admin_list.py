"""An admin changelist's rows written in one pass.

Django draws each cell of a changelist through `items_for_result`: for every
cell it looks the column up again (`lookup_field`, which raises and catches
FieldDoesNotExist for every computed column), asks the admin for its empty
value, flattens a field's choices, reverses the change page's URL and merges
the preserved filters into it, and renders the action checkbox through a form
widget's template. At 100 rows and ten columns that is most of the page's
CPU. Here what depends only on the column (its kind, its empty value, its
choices as text, its CSS classes, whether it links) is worked out once per
page, the change-page URL once with a marker for the primary key, and each
cell is one small format: the same HTML as Django's, cell for cell
(common/tests/test_admin_list.py compares them).

Use: `FastChangeListMixin` before the ModelAdmin class. Its
`change_list_template` (templates/admin/fast_change_list.html) extends the
admin's own and only replaces the table's body; a changelist with
list_editable (a formset) is left to Django. With `list_only`, the page's
rows read only the fields the columns show.

Also here: PresentCountryFilter, django-countries' filter of the countries
present, read with an index probe per country instead of a DISTINCT over the
whole table.
"""

import datetime
import html

from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import (
    _boolean_icon,
    _coerce_field_name,
    result_headers,
    result_list,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import connections, models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django_countries.filters import CountryFilter

# A primary key no row has, to reverse the change page once.
_MARKER = 987654321987


class _Column:
    """What one column of the list needs to draw a cell, worked out once."""

    def __init__(self, cl, index, name, link, tag, empty, dates):
        self.name, self.link, self.tag = name, link, tag
        self.classes = [f"field-{_coerce_field_name(name, index)}"]
        self.default_empty = empty
        self.empty = empty
        self.dates = dates
        self.field = None
        self.choices = None
        self.icons = None
        self.getter = None   # obj -> value, for a computed column
        self.attr = None     # what Django reads `boolean`/`empty_value_display` from
        self.per_row_attr = False
        model_admin = cl.model_admin
        try:
            field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            field = None
        if field is not None and "__" not in str(name):
            self.field = field
            if field.auto_created:
                self.kind = "auto"
            elif isinstance(field.remote_field, models.ManyToOneRel):
                self.kind = "fk"
            else:
                self.kind = "field"
                flat = getattr(field, "flatchoices", None)
                if flat:
                    try:
                        self.choices = {value: str(label) for value, label in flat}
                    except TypeError:
                        self.choices = None
                        self.kind = "django"  # list-like choices: Django's own path
                elif isinstance(field, models.BooleanField):
                    self.icons = {}
            if self.kind in ("fk", "field") and isinstance(
                    field, models.DateField | models.TimeField | models.ForeignKey):
                self.classes.append("nowrap")
        elif field is not None:
            self.kind = "django"
        elif callable(name):
            self.kind, self.attr, self.getter = "computed", name, name
        elif hasattr(model_admin, name) and name != "__str__":
            method = getattr(model_admin, name)
            self.kind, self.attr, self.getter = "computed", method, method
        else:
            self.kind = "attribute"
            if hasattr(model_admin, "model") and hasattr(model_admin.model, name):
                self.attr = getattr(model_admin.model, name)
            else:
                self.per_row_attr = True
        if self.kind in ("computed", "attribute") and not self.per_row_attr:
            self.empty = getattr(self.attr, "empty_value_display", empty)
            self.boolean = _boolean_of(self.attr)
        if name == "action_checkbox" and self.kind in ("computed", "attribute"):
            self.classes = ["action-checkbox"]

    def value(self, obj):
        """(value, attr) as django.contrib.admin.utils.lookup_field gives them."""
        if self.getter is not None:
            return self.getter(obj), self.attr
        if self.kind == "attribute":
            sentinel = object()
            attr = getattr(obj, self.name, sentinel)
            if callable(attr):
                value = attr()
            else:
                if attr is sentinel:
                    return lookup_field(self.name, obj, None)[2], self.attr
                value = attr
            return value, (attr if self.per_row_attr else self.attr)
        return getattr(obj, self.name), None

    def render(self, obj):
        """The cell's content and its classes."""
        if self.kind == "django":
            return self._render_django(obj)
        try:
            value, attr = self.value(obj)
        except ObjectDoesNotExist:
            return self.default_empty, self.classes
        if isinstance(value, Promise):
            value = str(value)  # a lazy label: translated once, not at each comparison
        if isinstance(value, str) and value.strip() == "":
            value = ""
        kind = self.kind
        if kind in ("computed", "attribute", "auto"):
            if self.per_row_attr:
                empty = getattr(attr, "empty_value_display", self.default_empty)
                boolean = _boolean_of(attr)
            elif kind == "auto":
                empty, boolean = self.default_empty, False
            else:
                empty, boolean = self.empty, self.boolean
            if boolean:
                text = _boolean_icon(value)
            elif isinstance(value, str):
                # display_for_value's answer for a string, without its tests.
                text = value if value else empty
            elif isinstance(value, datetime.datetime):
                text = localized(timezone.template_localtime(value), self.dates["DATETIME"])
            elif isinstance(value, datetime.date):
                text = localized(value, self.dates["DATE"])
            else:
                text = display_for_value(value, empty, False)
            if isinstance(value, datetime.date | datetime.time):
                return text, [*self.classes, "nowrap"]
            return text, self.classes
        if kind == "fk":
            related = getattr(obj, self.field.name)
            return (self.empty if related is None else related), self.classes
        if self.choices is not None:
            try:
                return self.choices.get(value, self.empty), self.classes
            except TypeError:
                pass
        elif self.icons is not None:
            icon = self.icons.get(value)
            if icon is None:
                icon = self.icons[value] = _boolean_icon(value)
            return icon, self.classes
        elif isinstance(value, datetime.datetime) and isinstance(
                self.field, models.DateTimeField):
            return localized(timezone.template_localtime(value),
                             self.dates["DATETIME"]), self.classes
        elif type(value) is datetime.date and type(self.field) is models.DateField:
            return localized(value, self.dates["DATE"]), self.classes
        elif type(self.field) in _TEXT_FIELDS and isinstance(value, str):
            return (value or self.empty), self.classes
        return display_for_field(value, self.field, self.empty,
                                 avoid_link=self.link), self.classes

    def _render_django(self, obj):
        """Django's own lookup, for a column this module does not shortcut
        (a `related__field` path, list-like choices)."""
        classes = list(self.classes)
        try:
            f, attr, value = lookup_field(self.name, obj, self.model_admin)
        except ObjectDoesNotExist:
            return self.default_empty, classes
        empty = getattr(attr, "empty_value_display", self.default_empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if f is None or f.auto_created:
            text = display_for_value(value, empty, _boolean_of(attr))
            if isinstance(value, datetime.date | datetime.time):
                classes.append("nowrap")
            return text, classes
        if isinstance(f.remote_field, models.ManyToOneRel):
            related = getattr(obj, f.name)
            text = empty if related is None else related
        else:
            text = display_for_field(value, f, empty, avoid_link=self.link)
        if isinstance(f, models.DateField | models.TimeField | models.ForeignKey):
            classes.append("nowrap")
        return text, classes


# Dates and moments as written, per language and format: formatting one reads
# the translated month names through gettext, a few dozen microseconds a cell,
# while a list shows the same dates request after request.
_written: dict[tuple, str] = {}
_WRITTEN_MAX = 20_000


def localized(value: datetime.date, fmt: str) -> str:
    """django.utils.dateformat.format(value, fmt), remembered. A datetime is
    given in the zone it is to be written in (its zone is part of the key)."""
    tz = getattr(value, "tzinfo", None)
    key = (get_language(), fmt, type(value), value,
           None if tz is None else (value.utcoffset(), value.tzname(), value.dst()))
    text = _written.get(key)
    if text is None:
        if len(_written) >= _WRITTEN_MAX:
            _written.clear()
        text = _written[key] = date_format(value, fmt)
    return text


# Fields whose value display_for_field writes as it is (or the empty value).
_TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField, models.SlugField)


def _escape(text) -> str:
    """django.utils.html.conditional_escape without its lazy-argument wrapper
    (called for every cell): the same text."""
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


def remembered(key: tuple, write):
    """write(), remembered under `key` and the active language: for a column
    whose text depends only on a few values (a date and its precision, say)
    and on the language."""
    key = (get_language(), *key)
    text = _written.get(key)
    if text is None:
        if len(_written) >= _WRITTEN_MAX:
            _written.clear()
        text = _written[key] = write()
    return text


def _class_attr(classes) -> str:
    # The admin's own class names ("field-<name>", "nowrap", "action-checkbox").
    return mark_safe(' class="{}"'.format(" ".join(classes)))  # noqa: S308


def _boolean_of(attr) -> bool:
    boolean = getattr(attr, "boolean", False)
    if isinstance(attr, property) and hasattr(attr, "fget"):
        boolean = getattr(attr.fget, "boolean", False)
    return boolean


class RowWriter:
    """Writes the rows of a changelist `cl` (django.contrib.admin.views.main.
    ChangeList) as Django's items_for_result would, for a list without
    list_editable."""

    def __init__(self, cl):
        self.cl = cl
        model_admin = cl.model_admin
        empty = model_admin.get_empty_value_display()
        dates = {"DATETIME": get_format("DATETIME_FORMAT"), "DATE": get_format("DATE_FORMAT")}
        links = cl.list_display_links
        self.columns = []
        first = True
        for index, name in enumerate(cl.list_display):
            if links is None:
                link = False
            elif first and not links:
                link = True
            else:
                link = name in links
            tag = "td"
            if link:
                tag = "th" if first else "td"
                first = False
            column = _Column(cl, index, name, link, tag, empty, dates)
            column.model_admin = model_admin
            column.class_attr = _class_attr(column.classes)
            self.columns.append(column)
        # The default checkbox, drawn here rather than through a widget's template.
        self.default_checkbox = (
            getattr(type(model_admin), "action_checkbox", None) is _django_action_checkbox())
        self.checkbox_label = gettext("Select this object for an action - {}")
        self.checkbox_name = _escape(helpers.ACTION_CHECKBOX_NAME)
        self.pk_attname = cl.lookup_opts.pk.attname
        self._url_parts = self._change_url_parts()

    def _change_url_parts(self):
        """The change page's URL (with the preserved filters) split around the
        primary key, or None when it cannot be reversed."""
        cl = self.cl
        try:
            url = reverse(
                f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
                args=(_MARKER,), current_app=cl.model_admin.admin_site.name)
        except NoReverseMatch:
            return None
        url = add_preserved_filters(
            {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
        if url.count(str(_MARKER)) != 1:
            return False  # unusual URL: reverse it row by row
        head, tail = url.split(str(_MARKER))
        return conditional_escape(head), conditional_escape(tail)

    def change_url(self, obj):
        """The escaped URL of a row's change page, or None."""
        parts = self._url_parts
        pk = getattr(obj, self.pk_attname)
        if parts is None:
            return None
        if parts is not False and isinstance(pk, int):
            return mark_safe(f"{parts[0]}{pk}{parts[1]}")  # noqa: S308 - escaped parts, a number
        cl = self.cl
        try:
            url = cl.url_for_result(obj)
        except NoReverseMatch:
            return None
        return conditional_escape(add_preserved_filters(
            {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url))

    def cells(self, obj):
        """The row's cells, each an HTML string, as items_for_result yields them."""
        cl = self.cl
        url = False
        out = []
        for column in self.columns:
            if column.name == "action_checkbox" and self.default_checkbox:
                # The widget's markup (ModelAdmin.action_checkbox), as format_html writes it.
                label = self.checkbox_label.format(_escape(str(obj)))
                out.append(
                    f'<td class="action-checkbox"><input type="checkbox"'
                    f' name="{self.checkbox_name}" value="{_escape(str(obj.pk))}"'
                    f' class="action-select" aria-label="{label}"></td>')
                continue
            text, classes = column.render(obj)
            class_attr = (column.class_attr if classes is column.classes
                          else _class_attr(classes))
            text = _escape(text)
            if column.link:
                if url is False:
                    url = self.change_url(obj)
                if url is not None:
                    opener = ""
                    if cl.is_popup:
                        value = obj.serializable_value(
                            str(cl.to_field) if cl.to_field else self.pk_attname)
                        opener = format_html(' data-popup-opener="{}"', value)
                    text = f'<a href="{url}"{opener}>{text}</a>'
                out.append(f"<{column.tag}{class_attr}>{text}</{column.tag}>")
            else:
                out.append(f"<td{class_attr}>{text}</td>")
        return out

    def rows(self) -> str:
        """Every row of the page, as the table's body."""
        return mark_safe("".join(  # noqa: S308 - every cell is escaped (cells)
            f"<tr>{''.join(self.cells(obj))}</tr>\n" for obj in self.cl.result_list))


def _django_action_checkbox():
    from django.contrib.admin import ModelAdmin

    return ModelAdmin.action_checkbox


def fast_result_list(cl) -> dict:
    """The context of templates/admin/fast_change_list_results.html: Django's
    headers, and the rows written by RowWriter (Django's own result_list for a
    list with list_editable)."""
    if cl.formset:
        return {**result_list(cl), "rows": None}
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": bool(cl.result_list),
        "rows": RowWriter(cl).rows(),
    }


class ReadWhatIsShownChangeList(ChangeList):
    """A changelist whose page of rows reads only the columns the list shows
    (the admin's `list_only`, with list_select_related as the only joins):
    a 30-column row and its joined rows are not read and instantiated in full
    for four columns. The queryset an action receives is unchanged."""

    def get_results(self, request):
        only = getattr(self.model_admin, "list_only", None)
        if only and isinstance(self.list_select_related, list | tuple):
            self.queryset = self.queryset.select_related(None).select_related(
                *self.list_select_related).only(*only)
        super().get_results(request)


class FastChangeListMixin:
    """A ModelAdmin whose changelist rows are written by RowWriter.

    `list_only`, if set, names the fields the list's columns read (as for
    QuerySet.only, "relation__field" for a joined row): nothing else is read.
    A field left out is read row by row when a column asks for it, which the
    list's tests notice (the same number of queries for 1 row or 100)."""

    change_list_template = "admin/fast_change_list.html"
    list_only: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        return ReadWhatIsShownChangeList


class PresentCountryFilter(CountryFilter):
    """django-countries' CountryFilter (the countries some row of the table has,
    by name) without its cost: on PostgreSQL the countries are read with one
    index probe each (a recursive "skip scan") rather than a DISTINCT over
    every row, and the 250 names are sorted once per language, not per page."""

    def lookup_choices(self, changelist):
        model = changelist.model
        queryset = model._default_manager.all()
        connection = connections[queryset.db]
        if self.field.multiple or self.field_path != self.field.name \
                or connection.vendor != "postgresql":
            yield from super().lookup_choices(changelist)
            return
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(self.field.column)
        # Quoted names of the model's table and column; no value from the request.
        sql = (f"WITH RECURSIVE present(code) AS ("  # noqa: S608
               f" (SELECT {column} FROM {table} ORDER BY 1 LIMIT 1)"
               f" UNION ALL"
               f" SELECT (SELECT {column} FROM {table} WHERE {column} > present.code"
               f" ORDER BY 1 LIMIT 1) FROM present WHERE present.code IS NOT NULL)"
               f" SELECT code FROM present WHERE code IS NOT NULL")
        with connection.cursor() as cursor:
            cursor.execute(sql)
            codes = {code for (code,) in cursor.fetchall()}
        for code, name in _country_choices(self.field):
            if code in codes:
                yield code, name


_choices: dict[tuple, list] = {}


def _country_choices(field) -> list[tuple[str, str]]:
    """A CountryField's choices (code, name), sorted by name, in the active
    language, made once per field and language."""
    key = (field.model._meta.label, field.name, get_language())
    choices = _choices.get(key)
    if choices is None:
        choices = _choices[key] = [(code, str(name)) for code, name in
                                   field.get_choices(include_blank=False)]
    return choices
