"""The call's eligibility rules, checked on the applicant's data before they
submit (so nobody submits an application that cannot be accepted) and again
by the administrator who confirms eligibility."""

from django.utils.translation import gettext_lazy as _

from common import formats

from .models import Application, Degree
from .states import State

# Belgium and the other member states of the European Union.
EU_COUNTRIES = frozenset((
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
))
# States in which a person holds (or is about to hold) an award.
HOLDING_AWARD = (State.OFFERED, State.ACCEPTED, State.ENROLLED)

MSG_NATIONALITY = _("Your nationality is not among those this call is open to.")
MSG_NO_BIRTH_DATE = _("Your date of birth is needed to check the age limit.")
MSG_TOO_OLD = _("The age limit is %(max_age)s years on %(date)s; you would be %(age)s.")
MSG_NO_DEGREE = _("Give your highest degree: this call requires at least: %(degree)s.")
MSG_DEGREE_TOO_LOW = _("This call requires at least: %(degree)s.")
MSG_EU_RESIDENT = _("Residents of Belgium or another EU country cannot apply to this call.")
MSG_NO_RESIDENCE = _("Give your country of residence.")
# The applicant's own awards. Across the applicant's likely duplicates (the same
# name and birth date, or document, under another account) the rule is enforced
# where an award is given, not here: duplicates.duplicate_award_problem, so the
# applicant never learns about another person's record.
MSG_HOLDS_AWARD = _("You already hold a scholarship for the academic year %(year)s.")


def eligibility_problems(application: Application) -> list[str]:
    """Every unmet rule, as sentences the applicant can act on; empty if eligible."""
    call, person = application.call, application.applicant
    problems = []
    eligible = {c.code for c in call.eligible_nationalities}
    if eligible and not ({c.code for c in person.nationalities} & eligible):
        problems.append(str(MSG_NATIONALITY))
    if call.max_age is not None:
        age = person.age_on(call.age_reference_date)
        if age is None:
            problems.append(str(MSG_NO_BIRTH_DATE))
        elif age > call.max_age:
            problems.append(str(MSG_TOO_OLD % {
                "max_age": call.max_age, "date": formats.day(call.age_reference_date),
                "age": age}))
    if call.min_degree:
        wanted = Degree(call.min_degree).label
        if not application.highest_degree:
            problems.append(str(MSG_NO_DEGREE % {"degree": wanted}))
        elif Degree.rank(application.highest_degree) < Degree.rank(call.min_degree):
            problems.append(str(MSG_DEGREE_TOO_LOW % {"degree": wanted}))
    if call.exclude_eu_residents:
        if not person.country_of_residence:
            problems.append(str(MSG_NO_RESIDENCE))
        elif person.country_of_residence.code in EU_COUNTRIES:
            problems.append(str(MSG_EU_RESIDENT))
    if call.exclude_award_holders:
        holds = Application.objects.filter(
            applicant=person, call__academic_year=call.academic_year, state__in=HOLDING_AWARD,
        ).exclude(pk=application.pk).exists()
        if holds:
            problems.append(str(MSG_HOLDS_AWARD % {"year": call.academic_year_label}))
    return problems
