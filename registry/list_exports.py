"""The staff's person list as CSV or XLSX, with the list's filters: the rows
of the list's own selector (registry.access: only the persons this user may
see), labels in the user's language, references instead of names unless a
user who edits identities asks for the names (reporting.list_exports).
Registered with reporting by registry/reports.py when it starts."""

from django.utils.translation import gettext_lazy as _

from listing.countries import country_names
from reporting import datasets
from reporting.exports import Column, Dataset
from reporting.list_exports import list_export, params_query

from .filters import PersonFilter
from .models import Person, birth_display, full_name, person_reference
from .selectors import person_list
from .views import staff_permission

KIND = "registry.person_list"
FIELDS = ("id", "given_names", "family_name", "email", "phone", "sex", "birth_date",
          "birth_date_precision", "nationalities", "country_of_residence")


def may_export(user) -> bool:
    return user.is_authenticated and user.has_perm("registry.view_person")


def may_include_names(user) -> bool:
    # Those who record and correct identities; the data protection officer
    # and read-only staff export references only.
    return user.is_authenticated and user.has_perm("registry.change_person")


def build(*, user, params: dict) -> Dataset:
    filterset = PersonFilter(params_query(params) or None, queryset=person_list(user=user))
    queryset = filterset.qs.order_by("family_name", "given_names", "id")
    rows = queryset.values(*FIELDS)
    sexes = {value: str(label) for value, label in Person.Sex.choices}
    names = country_names()

    def countries(codes: str) -> str:
        return ", ".join(names.get(code, code) for code in (codes or "").split(",") if code)

    columns = [
        Column("reference", _("Reference"), lambda r: person_reference(r["id"])),
        Column("name", _("Name"), lambda r: full_name(r["given_names"], r["family_name"]),
               identifying=True),
        Column("email", _("E-mail"), lambda r: r["email"], identifying=True),
        Column("phone", _("Phone"), lambda r: r["phone"], identifying=True),
        Column("born", _("Born"), lambda r: birth_display(r["birth_date"],
                                                          r["birth_date_precision"]),
               identifying=True),
        Column("sex", _("Sex"), lambda r: sexes.get(r["sex"], "")),
        Column("nationalities", _("Nationalities"), lambda r: countries(r["nationalities"])),
        Column("residence", _("Country of residence"),
               lambda r: names.get(r["country_of_residence"], r["country_of_residence"])),
    ]
    return Dataset(title=str(_("Persons")), columns=columns, model="registry.person",
                   rows=lambda: rows.iterator(chunk_size=2000), count=queryset.count,
                   head=lambda n: list(rows[:n]))


def register() -> None:
    datasets.register(datasets.Kind(
        name=KIND, label=_("Person list"), model="registry.person",
        may_export=may_export, build=build, may_include_names=may_include_names))


@staff_permission("registry.view_person")  # as the person list itself
def person_list_export(request, fmt):
    return list_export(request, kind=KIND, fmt=fmt, filename="persons")
