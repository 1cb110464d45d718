"""The staff's application list as CSV or XLSX, with the list's filters:
the rows of the list's own selector (only what the user may see), headers
and labels in the user's language, the applicant's reference instead of
their name unless an administrator asks for the names (reporting.list_exports).

Rows are read as plain values and labels looked up in dicts made once, so a
long list is written in seconds."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.decorators import role_required
from registry.models import Person, age_on, full_name, person_reference
from reporting import datasets
from reporting.exports import Column, Dataset
from reporting.list_exports import list_export, params_query

from ..access import STAFF_ROLES, is_administrator, is_scholarship_staff
from ..filters import ApplicationFilter
from ..models import Degree, call_label
from ..selectors import application_table
from ..states import State
from ..translation import in_every_language, localized

KIND = "scholarships.application_list"
FIELDS = ("id", "reference", "state", "submitted_at", *in_every_language("call__title"),
          "call__academic_year", "call__age_reference_date", "applicant_id",
          "applicant__given_names", "applicant__family_name", "applicant__email",
          "applicant__sex", "applicant__birth_date", "applicant__nationalities",
          "highest_degree")


def may_export(user) -> bool:
    return is_scholarship_staff(user)


def may_include_names(user) -> bool:
    # Those who contact applicants; the data protection officer reads
    # pseudonymised lists.
    return is_administrator(user)


def build(*, user, params: dict) -> Dataset:
    filterset = ApplicationFilter(params_query(params) or None,
                                  queryset=application_table(user=user))
    queryset = filterset.qs
    rows = queryset.values(*FIELDS)
    states = {value: str(label) for value, label in State.choices}
    sexes = {value: str(label) for value, label in Person.Sex.choices}
    degrees = {value: str(label) for value, label in Degree.choices}
    draft = str(_("draft"))
    today = timezone.localdate()

    def submitted(row):
        moment = row["submitted_at"]
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    def age(row):
        found = age_on(row["applicant__birth_date"], row["call__age_reference_date"] or today)
        return "" if found is None else found

    columns = [
        Column("reference", _("Reference"), lambda r: r["reference"] or draft),
        Column("person", _("Person reference"), lambda r: person_reference(r["applicant_id"])),
        Column("name", _("Name"), lambda r: full_name(r["applicant__given_names"],
                                                      r["applicant__family_name"]),
               identifying=True),
        Column("email", _("E-mail"), lambda r: r["applicant__email"], identifying=True),
        Column("call", _("Call"), lambda r: call_label(localized(r, "call__title"),
                                                       r["call__academic_year"])),
        Column("year", _("Academic year"), lambda r: r["call__academic_year"]),
        Column("state", _("State"), lambda r: states.get(r["state"], r["state"])),
        Column("sex", _("Sex"), lambda r: sexes.get(r["applicant__sex"], "")),
        Column("nationalities", _("Nationalities"),
               lambda r: (r["applicant__nationalities"] or "").replace(",", ", ")),
        Column("age", _("Age"), age),
        Column("degree", _("Highest degree"), lambda r: degrees.get(r["highest_degree"], "")),
        Column("submitted", _("Submitted"), submitted),
    ]
    return Dataset(title=str(_("Applications")), columns=columns,
                   model="scholarships.application",
                   rows=lambda: rows.iterator(chunk_size=2000), count=queryset.count,
                   head=lambda n: list(rows[:n]))


def register() -> None:
    datasets.register(datasets.Kind(
        name=KIND, label=_("Application list"), model="scholarships.application",
        may_export=may_export, build=build, may_include_names=may_include_names))


@role_required(*STAFF_ROLES)
def application_list_export(request, fmt):
    return list_export(request, kind=KIND, fmt=fmt, filename="applications")
